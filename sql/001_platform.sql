-- Platform tables: long jobs and their staging rows, schedule claims,
-- idempotency keys, and the self-test job's rows.

CREATE TABLE job (
	id {{ID}},
	kind TEXT NOT NULL,
	state TEXT NOT NULL,			-- queued, running, succeeded, failed, canceled
	params TEXT NOT NULL DEFAULT '{}',	-- JSON
	progress_done BIGINT NOT NULL DEFAULT 0,
	progress_total BIGINT NOT NULL DEFAULT 0,
	progress_note TEXT NOT NULL DEFAULT '',
	resume_at TEXT NOT NULL DEFAULT '',	-- the job's own checkpoint, committed with each chunk
	result TEXT,				-- JSON, when succeeded
	error TEXT,				-- message, when failed
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	started_at TEXT,
	finished_at TEXT,
	heartbeat_at TEXT,
	worker TEXT,
	attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX job_state_id ON job (state, id);

CREATE TABLE job_staging (
	job_id BIGINT NOT NULL REFERENCES job (id),
	seq BIGINT NOT NULL,
	payload TEXT NOT NULL,
	PRIMARY KEY (job_id, seq)
);

CREATE TABLE schedule_run (
	schedule TEXT NOT NULL,
	due_at TEXT NOT NULL,
	claimed_by TEXT NOT NULL,
	claimed_at TEXT NOT NULL,
	job_id BIGINT,
	PRIMARY KEY (schedule, due_at)
);

CREATE TABLE idempotency_key (
	caller TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	method TEXT NOT NULL,
	path TEXT NOT NULL,
	body_hash TEXT NOT NULL,
	status INTEGER NOT NULL,
	response TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (caller, idem_key)
);
CREATE INDEX idempotency_key_created ON idempotency_key (created_at);

CREATE TABLE selftest_row (
	job_id BIGINT NOT NULL REFERENCES job (id),
	n BIGINT NOT NULL,
	value BIGINT NOT NULL,
	PRIMARY KEY (job_id, n)
);
