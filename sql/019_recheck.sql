-- The quarterly recheck (动态复核), the signals other modules raise about a
-- household in a lease, and exit and eviction (清退, 腾退) (issue 6, part E).
-- See src/tenancy/recheck.h and docs/tenancy.md.  Only the bureau decides:
-- a result's decision and every eviction are bureau actions.

-- One recheck over every lease chain in force on as_of: a job ("recheck")
-- that records a result per chain.  The counts are filled when it finishes.
CREATE TABLE recheck_run (
	id {{ID}},
	job_id BIGINT REFERENCES job (id),
	as_of TEXT NOT NULL,			-- civil date the rules and leases are read on
	quarter TEXT NOT NULL,			-- "2026-Q3", of as_of
	state TEXT NOT NULL,			-- queued, running, finished
	total BIGINT NOT NULL DEFAULT 0,	-- chains to check; when finished, results recorded
	eligible BIGINT NOT NULL DEFAULT 0,
	propose_exit BIGINT NOT NULL DEFAULT 0,
	investigate BIGINT NOT NULL DEFAULT 0,
	policy_version BIGINT,			-- tenancy_rule.id of the policy in force on as_of
	started_at TEXT,
	finished_at TEXT,
	created_by TEXT NOT NULL,		-- principal, or "schedule:quarterly_recheck"
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX recheck_run_job ON recheck_run (job_id);

-- What the recheck found for one chain.  Unique per (run, chain), so a job
-- that resumes after a stop never records a chain twice.  decision is NULL
-- for an eligible household; otherwise pending until the bureau confirms
-- (propose_exit: the eviction opens; investigate: escalated to an exit) or
-- overturns (the household stays, and why).
CREATE TABLE recheck_result (
	id {{ID}},
	run_id BIGINT NOT NULL REFERENCES recheck_run (id),
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	lease_id BIGINT NOT NULL REFERENCES lease (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	outcome TEXT NOT NULL,			-- eligible, propose_exit, investigate
	reasons TEXT NOT NULL DEFAULT '[]',	-- JSON [{code, weight, text, ...}]
	eligibility TEXT,			-- JSON: eligibility_evaluate()'s explanation
	crosscheck TEXT,			-- JSON: crosscheck_household()'s result
	rule_version BIGINT,
	decision TEXT,				-- NULL (eligible), pending, confirmed, overturned
	decided_by TEXT,			-- principal
	decided_by_name TEXT,
	decided_at TEXT,
	decision_note TEXT,
	eviction_id BIGINT,			-- the eviction a confirmation opened
	created_at TEXT NOT NULL,
	UNIQUE (run_id, chain_id)
);
CREATE INDEX recheck_result_run ON recheck_result (run_id, outcome, id);
CREATE INDEX recheck_result_household ON recheck_result (household_id, id);

-- What another module knows about a household in a lease that the recheck
-- must weigh: arrears (the rent issue), violations (the upkeep issue).  One
-- row per source record; clearing keeps the row as history.
CREATE TABLE tenancy_signal (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	source_type TEXT NOT NULL,		-- arrears, violation, ...
	source_id BIGINT NOT NULL,
	summary TEXT NOT NULL,			-- zh-CN, shown to the bureau as it is
	raised_at TEXT NOT NULL,
	raised_by TEXT NOT NULL,		-- principal
	updated_at TEXT NOT NULL,
	cleared_at TEXT,
	cleared_by TEXT,
	UNIQUE (source_type, source_id)
);
CREATE INDEX tenancy_signal_household ON tenancy_signal (household_id, cleared_at);

-- An exit ordered by the bureau: decided -> notice_served (the notice PDF and
-- its served date; the vacate period runs to vacate_by) -> vacating (the day
-- after service) -> overdue (past vacate_by and still there) -> vacated (the
-- lease ended, the move-out checklist opened) -> closed; or cancelled.
-- Overstay is [overstay_from, overstay_to], to NULL while still there.
CREATE TABLE eviction (
	id {{ID}},
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	lease_id BIGINT NOT NULL REFERENCES lease (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	basis TEXT NOT NULL,			-- recheck, violation, arrears
	basis_id BIGINT NOT NULL,		-- recheck_result, the violation case, the arrears referral
	reason TEXT NOT NULL,
	state TEXT NOT NULL,
	decided_at TEXT NOT NULL,
	decided_on TEXT NOT NULL,		-- civil date of the decision
	decided_by TEXT NOT NULL,		-- principal (bureau)
	decided_by_name TEXT,
	policy_version BIGINT,			-- the policy in force on the decision, then on service
	notice_served_on TEXT,
	notice_pdf_hash TEXT,			-- sha256 of the notice as stored
	notice_attachment_id BIGINT,		-- the notice in the household's documents
	vacate_days INTEGER,
	vacate_by TEXT,				-- notice_served_on + vacate_days
	vacated_on TEXT,
	handover_id BIGINT,			-- the move-out checklist
	overstay_from TEXT,			-- vacate_by + 1 once overdue
	overstay_to TEXT,			-- vacated_on when it was after vacate_by
	cancel_reason TEXT,
	ended_at TEXT,				-- closed or cancelled
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- At most one open eviction per chain.
CREATE UNIQUE INDEX eviction_open_chain ON eviction (chain_id)
	WHERE state IN ('decided', 'notice_served', 'vacating', 'overdue');
CREATE INDEX eviction_state ON eviction (state, vacate_by);
CREATE INDEX eviction_household ON eviction (household_id, id);
CREATE INDEX eviction_unit ON eviction (unit_id, id);
CREATE INDEX eviction_community ON eviction (community_id, id);
CREATE INDEX eviction_basis ON eviction (basis, basis_id);
