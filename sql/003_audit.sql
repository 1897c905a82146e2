-- The audit trail (audit/audit.h): append-only, one row per audited change,
-- written in the same transaction as the change.  Rows are numbered
-- explicitly, previous + 1, so the sequence has no holes; each row's mac is
-- HMAC-SM3 under a key kept outside the database, over the previous row's
-- mac and a canonical encoding of this row, so a changed byte, a deleted row
-- or (against a head kept elsewhere) a cut tail is found by `anju audit verify`.
-- No code updates or deletes a row here.

CREATE TABLE audit_log (
	id {{ID}},				-- assigned by audit_write: previous + 1
	at TEXT NOT NULL,			-- UTC instant
	actor TEXT NOT NULL,			-- principal: "account:12", "apikey:3", "system", "anonymous"
	actor_name TEXT,			-- username or key name as it was then
	actor_role TEXT,
	client TEXT,				-- client address
	request_id TEXT,
	action TEXT NOT NULL,			-- "account.create", "session.login_failed" ...
	object_type TEXT,
	object_id TEXT,
	before_json TEXT,			-- compact JSON, sorted keys; masked or sealed values only
	after_json TEXT,
	mac TEXT NOT NULL			-- 64 lower-case hex digits
);
-- The auditor's filters, each newest first (keyset pagination by id).
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_at ON audit_log (at);
