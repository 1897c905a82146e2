-- Imports and exports (issue 4 section 7): an import's input waiting for
-- its job, the rows it refused (its error report), and an export's xlsx.
-- Inputs, reports and exports hold personal data: the bytes are sealed like
-- every other personal value (access/pii.h), only the principal who made a
-- transfer reads it, and the daily purge deletes it at expires_at
-- (export_keep_hours after it was made).

CREATE TABLE transfer (
	job_id BIGINT PRIMARY KEY REFERENCES job (id),
	direction TEXT NOT NULL,		-- import, export
	what TEXT NOT NULL,			-- units, households
	owner TEXT NOT NULL,			-- the principal who made it: "account:12", "apikey:3", "system"
	format TEXT NOT NULL,			-- import: csv, rows (JSON); export: xlsx
	filename TEXT NOT NULL DEFAULT '',	-- the file's name for a download
	size BIGINT NOT NULL DEFAULT 0,		-- bytes of the input, then of the output
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX transfer_expires ON transfer (expires_at);

-- The bytes of an import's input (kind 'input', deleted when its job ends)
-- or an export's output (kind 'output'), in sealed pieces of at most 1 MiB.
CREATE TABLE transfer_part (
	job_id BIGINT NOT NULL REFERENCES transfer (job_id),
	kind TEXT NOT NULL,
	seq INTEGER NOT NULL,
	sealed TEXT NOT NULL,
	PRIMARY KEY (job_id, kind, seq)
);

-- An import's error report: the file's row (the line it starts on; the
-- header is row 1; 0 for the file as a whole), the column as the file names
-- it, and the reason, in Chinese.  Reasons never hold a full ID number.
CREATE TABLE transfer_error (
	job_id BIGINT NOT NULL REFERENCES transfer (job_id),
	seq BIGINT NOT NULL,
	row_no BIGINT NOT NULL,
	col TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	PRIMARY KEY (job_id, seq)
);
