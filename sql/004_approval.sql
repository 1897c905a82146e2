-- Two-person approvals: one mechanism for every action that needs a second
-- person.  The action runs only on approval, in the same transaction.

CREATE TABLE approval (
	id {{ID}},
	kind TEXT NOT NULL,			-- "account.create", later "refund" ...
	object_type TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	payload TEXT NOT NULL,			-- JSON, validated by the kind
	reason TEXT NOT NULL,
	state TEXT NOT NULL,			-- pending, approved, rejected, canceled
	requested_by TEXT NOT NULL,		-- principal
	requested_by_name TEXT NOT NULL,
	requested_role TEXT NOT NULL,
	requested_at TEXT NOT NULL,
	decided_by TEXT,
	decided_by_name TEXT,
	decided_at TEXT,
	note TEXT,
	result TEXT				-- JSON of what the action did (never a secret)
);
CREATE INDEX approval_state ON approval (state, id);
CREATE INDEX approval_requested_by ON approval (requested_by, id);
