-- Violation cases (违规) with their evidence and the bureau's decisions, and
-- renovation requests (art. 26, 27, 36; issue 8, part B).  See
-- docs/upkeep.md and docs/upkeep-violation.md.

-- The fine of art. 36 per art. 27 type, effective-dated: the row with the
-- latest effective_from on or before the decision date applies.
CREATE TABLE violation_penalty (
	id {{ID}},
	type TEXT NOT NULL,			-- sublet, change_of_use, damage, illegal_activity, idle
	effective_from TEXT NOT NULL,		-- civil date
	amount_fen BIGINT NOT NULL,		-- 0: no fine
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX violation_penalty_type ON violation_penalty (type, effective_from);

INSERT INTO violation_penalty (type, effective_from, amount_fen, created_at, created_by)
VALUES
	('sublet', '2012-07-15', 100000, '2026-01-01T00:00:00.000000Z', 'system'),
	('change_of_use', '2012-07-15', 100000, '2026-01-01T00:00:00.000000Z', 'system'),
	('damage', '2012-07-15', 100000, '2026-01-01T00:00:00.000000Z', 'system'),
	('illegal_activity', '2012-07-15', 100000, '2026-01-01T00:00:00.000000Z', 'system'),
	('idle', '2012-07-15', 100000, '2026-01-01T00:00:00.000000Z', 'system');

-- One case.  The place is a housing_place (never an asset): location and
-- its ids, community_id scoping it.  No sanction is automatic: every case
-- starts suspected.  The decision's amounts are stored as decided.
CREATE TABLE violation_case (
	id {{ID}},
	type TEXT NOT NULL,			-- sublet, change_of_use, damage, illegal_activity, idle, other
	state TEXT NOT NULL,			-- suspected, investigating, confirmed, dismissed,
						-- rectification_ordered, rectified, referred
	source TEXT NOT NULL,			-- patrol, public, staff, door
	source_type TEXT,			-- the reporting record: patrol_result ...
	source_id BIGINT,
	location TEXT NOT NULL,			-- unit, building, entrance, community
	community_id BIGINT NOT NULL REFERENCES community (id),
	building_id BIGINT,
	entrance INTEGER,
	unit_id BIGINT REFERENCES unit (id),
	place TEXT NOT NULL DEFAULT '',
	household_id BIGINT REFERENCES household (id),
	summary TEXT NOT NULL,
	started_on TEXT,			-- the breach's start, when known
	reporter_name_sealed TEXT,		-- a report from the public: sealed (access/pii.h)
	reporter_contact_sealed TEXT,
	proposal TEXT,				-- an operator's proposal: confirm, dismiss, refer
	proposal_reason TEXT,
	proposed_at TEXT,
	proposed_by TEXT,
	proposed_by_name TEXT,
	decided_at TEXT,			-- the bureau's confirm or dismiss
	decided_on TEXT,			-- civil date of the decision
	decided_by TEXT,
	decided_by_name TEXT,
	decision_reason TEXT,
	policy_version BIGINT,			-- tenancy_rule id whose market rate was used
	market_rent_fen_m2 BIGINT,
	floor_area BIGINT,			-- 1/100 m²
	breach_from TEXT,			-- the back charge's days
	breach_to TEXT,
	market_fen BIGINT,			-- market rent for the days
	rent_billed_fen BIGINT,			-- rent already billed for those days
	back_charge_fen BIGINT,
	penalty_fen BIGINT,
	back_charge_id BIGINT,			-- charge ids (money core)
	penalty_charge_id BIGINT,
	bans INTEGER,				-- members banned
	rectify_by TEXT,			-- the deadline of the rectification order
	rectified_at TEXT,
	eviction_id BIGINT,
	reported_at TEXT NOT NULL,
	reported_by TEXT NOT NULL,		-- principal
	reported_by_name TEXT,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX violation_case_source ON violation_case (source_type, source_id)
	WHERE source_id IS NOT NULL;
CREATE INDEX violation_case_state ON violation_case (state, community_id, id);
CREATE INDEX violation_case_community ON violation_case (community_id, id);
CREATE INDEX violation_case_household ON violation_case (household_id, id);
CREATE INDEX violation_case_unit ON violation_case (unit_id, id);

-- Every state a case went through and every proposal, with the server's
-- time and who: appended, never changed.
CREATE TABLE violation_event (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES violation_case (id),
	action TEXT NOT NULL,			-- report, investigate, propose, confirm, dismiss,
						-- order_rectification, rectify, refer
	from_state TEXT,
	to_state TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL,
	actor TEXT NOT NULL,
	actor_name TEXT,
	actor_role TEXT
);
CREATE INDEX violation_event_case ON violation_event (case_id, id);

-- Evidence: append-only.  A photo or document is an attachment of the case
-- (owner violation_case, which refuses removal) with its hash copied here; a
-- statement is text.  taken_at: given, or EXIF DateTimeOriginal; stored_at:
-- the server's.
CREATE TABLE violation_evidence (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES violation_case (id),
	kind TEXT NOT NULL,			-- photo, document, statement
	attachment_id BIGINT REFERENCES attachment (id),
	sha256 TEXT NOT NULL,			-- of the file, or of the statement's UTF-8 text
	statement TEXT,
	note TEXT NOT NULL DEFAULT '',
	taken_at TEXT,
	taken_source TEXT,			-- given, exif; NULL when unknown
	stored_at TEXT NOT NULL,
	added_by TEXT NOT NULL,
	added_by_name TEXT
);
CREATE INDEX violation_evidence_case ON violation_evidence (case_id, id);

-- Renovation requests (art. 26): asked by staff for a tenant, checked by the
-- operator's manager, approved or refused by the bureau, then done.
CREATE TABLE renovation_request (
	id {{ID}},
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	description TEXT NOT NULL,
	planned_from TEXT NOT NULL,		-- civil dates
	planned_to TEXT NOT NULL,
	state TEXT NOT NULL,			-- requested, checked, approved, refused, done
	requested_at TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	requested_by_name TEXT,
	checked_at TEXT,
	checked_by TEXT,
	checked_by_name TEXT,
	check_note TEXT,
	decided_at TEXT,
	decided_by TEXT,
	decided_by_name TEXT,
	decision_reason TEXT,
	done_on TEXT,
	done_at TEXT,
	done_by TEXT,
	updated_at TEXT NOT NULL
);
CREATE INDEX renovation_request_state ON renovation_request (state, community_id, id);
CREATE INDEX renovation_request_unit ON renovation_request (unit_id, state);
