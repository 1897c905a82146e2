-- Work orders (维修养护), preventive plans and the maintenance ledger
-- (issue 8, part C).  The ledger is read from work_order itself; a
-- tenant-paid repair's charge lives in the money core (charge, source_type
-- 'work_order').  See src/upkeep/work_order.h and docs/upkeep-work-order.md.

-- The configured deadline of each urgency, in hours from the report.
CREATE TABLE work_order_deadline (
	id {{ID}},
	urgency TEXT NOT NULL UNIQUE,		-- emergency, urgent, normal
	hours INTEGER NOT NULL,			-- 1 .. 8760
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
INSERT INTO work_order_deadline (urgency, hours, updated_at, updated_by) VALUES
	('emergency', 24, '2026-01-01T00:00:00.000000Z', 'system'),
	('urgent', 72, '2026-01-01T00:00:00.000000Z', 'system'),
	('normal', 168, '2026-01-01T00:00:00.000000Z', 'system');

-- One repair or upkeep job.  The place is a housing_place (an asset
-- allowed); community_id scopes it.  Every time is the server's.  state:
-- reported, assigned, in_progress, done, confirmed (reopened orders go back
-- to assigned).  A source record (a patrol result, a preventive occurrence)
-- raises at most one order.
CREATE TABLE work_order (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	location TEXT NOT NULL,			-- unit, building, entrance, community, asset
	building_id BIGINT REFERENCES building (id),
	entrance INTEGER,
	unit_id BIGINT REFERENCES unit (id),
	asset_id BIGINT REFERENCES asset (id),
	place TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,			-- water, electricity, lift, roof, door_lock, other
	urgency TEXT NOT NULL,			-- emergency, urgent, normal
	description TEXT NOT NULL,
	source TEXT NOT NULL,			-- staff, api, patrol, preventive, tenant
	source_type TEXT,			-- patrol_result, preventive_occurrence ...
	source_id BIGINT,
	household_id BIGINT REFERENCES household (id),
	contact_sealed TEXT,			-- the reporter's name or phone (access/pii.h)
	state TEXT NOT NULL,
	deadline_at TEXT NOT NULL,		-- reported_at + the urgency's hours
	reported_at TEXT NOT NULL,
	reported_by TEXT NOT NULL,		-- principal
	assignee_id BIGINT REFERENCES account (id),
	assigned_at TEXT,
	started_at TEXT,
	done_at TEXT,
	done_by TEXT,
	done_note TEXT NOT NULL DEFAULT '',
	responsibility TEXT,			-- operator, tenant, warranty, owner (when done)
	cost_fen BIGINT NOT NULL DEFAULT 0,
	charge_id BIGINT REFERENCES charge (id),	-- the tenant's repair charge
	confirmed_at TEXT,
	confirmed_by TEXT,
	confirm_channel TEXT,			-- callback, tenant
	satisfaction INTEGER,			-- 1 .. 5
	confirm_note TEXT NOT NULL DEFAULT '',
	reopened INTEGER NOT NULL DEFAULT 0,	-- times reopened
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX work_order_source ON work_order (source_type, source_id)
	WHERE source_id IS NOT NULL;
CREATE INDEX work_order_board ON work_order (community_id, state, id);
CREATE INDEX work_order_deadline_open ON work_order (deadline_at, id)
	WHERE state IN ('reported', 'assigned', 'in_progress');
CREATE INDEX work_order_household ON work_order (household_id, id);
CREATE INDEX work_order_done ON work_order (community_id, done_at);

-- The materials a finished order used, as lines: replaced on each finish.
CREATE TABLE work_order_material (
	id {{ID}},
	work_order_id BIGINT NOT NULL REFERENCES work_order (id),
	name TEXT NOT NULL,
	quantity INTEGER NOT NULL,		-- 1 .. 100000
	unit TEXT NOT NULL DEFAULT '',		-- 个, 米 ...
	amount_fen BIGINT NOT NULL		-- the line's cost, part of cost_fen
);
CREATE INDEX work_order_material_order ON work_order_material (work_order_id, id);

-- Every state change, append-only, with the server's time and who: the
-- order's history.
CREATE TABLE work_order_event (
	id {{ID}},
	work_order_id BIGINT NOT NULL REFERENCES work_order (id),
	from_state TEXT,			-- NULL for the report
	to_state TEXT NOT NULL,
	at TEXT NOT NULL,
	actor TEXT NOT NULL,			-- principal
	actor_name TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX work_order_event_order ON work_order_event (work_order_id, id);

-- A preventive plan: an asset, or every asset of a type in a community,
-- looked after at a frequency (jobs/schedule.h's words: weekly with an ISO
-- weekday, monthly or quarterly with a day of the month).
CREATE TABLE preventive_plan (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	asset_id BIGINT REFERENCES asset (id),	-- one asset, or
	asset_type TEXT,			-- every asset of this type in the community
	name TEXT NOT NULL,
	category TEXT NOT NULL,
	urgency TEXT NOT NULL DEFAULT 'normal',
	description TEXT NOT NULL,
	freq TEXT NOT NULL,			-- weekly, monthly, quarterly
	day INTEGER NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX preventive_plan_community ON preventive_plan (community_id, id);

-- A plan's occurrence on one date for one asset: the source record of the
-- work order it raised, so a re-run of the day raises nothing.
CREATE TABLE preventive_occurrence (
	id {{ID}},
	plan_id BIGINT NOT NULL REFERENCES preventive_plan (id),
	due_on TEXT NOT NULL,			-- YYYY-MM-DD
	asset_id BIGINT NOT NULL REFERENCES asset (id),
	work_order_id BIGINT REFERENCES work_order (id),
	created_at TEXT NOT NULL,
	UNIQUE (plan_id, due_on, asset_id)
);
