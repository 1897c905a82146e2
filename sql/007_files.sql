-- Files (issue 4): bytes stored once by content hash under files/, and every
-- attachment its own row.  Who may read an attachment is decided by its
-- owner record (owner_type, owner_id), never by the hash.

CREATE TABLE blob (
	sha256 TEXT PRIMARY KEY,		-- 64 lower-case hex digits; files/ab/cd/<sha256>
	size BIGINT NOT NULL,
	media_type TEXT NOT NULL,		-- image/jpeg, image/png, application/pdf
	created_at TEXT NOT NULL
);

CREATE TABLE attachment (
	id {{ID}},
	owner_type TEXT NOT NULL,		-- unit, household, asset, acceptance_check ...
	owner_id BIGINT NOT NULL,
	category TEXT NOT NULL,			-- id_card, hukou_book, income_proof, contract, photo, other
	filename TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES blob (sha256),
	size BIGINT NOT NULL,
	media_type TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,		-- principal
	created_at TEXT NOT NULL,
	removed_at TEXT,
	removed_by TEXT
);
CREATE INDEX attachment_owner ON attachment (owner_type, owner_id, id);
CREATE INDEX attachment_sha256 ON attachment (sha256);
