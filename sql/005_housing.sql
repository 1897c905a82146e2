-- Housing stock (issue 4): owners, operators and their purchase agreements,
-- communities, buildings, units, assets and acceptance checks.
-- Areas are integer hundredths of a square metre; money is integer fen.
-- A unit's status changes only through the housing module's operations
-- (src/housing/housing.h), each recorded in the audit trail.

CREATE TABLE owner (
	id {{ID}},
	name TEXT NOT NULL,
	credit_code TEXT NOT NULL UNIQUE,	-- GB 32100, 18 characters
	contact TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

CREATE TABLE operator (
	id {{ID}},
	name TEXT NOT NULL,
	credit_code TEXT NOT NULL UNIQUE,
	contact TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

-- The purchase agreement (购买服务合同) between the bureau and an operator,
-- as data: the assessment issue reads its items.
CREATE TABLE agreement (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,		-- the contract's number
	operator_id BIGINT NOT NULL REFERENCES operator (id),
	owner_id BIGINT REFERENCES owner (id),
	starts_on TEXT NOT NULL,		-- YYYY-MM-DD
	ends_on TEXT NOT NULL,
	annual_fee_fen BIGINT NOT NULL,
	assessment_rules TEXT NOT NULL DEFAULT '',	-- reference to the assessment rules
	created_at TEXT NOT NULL
);

-- Service items (kind 'service': name and standard) and breach clauses
-- (kind 'breach': name, standard = the condition, deduction_fen when fixed).
CREATE TABLE agreement_item (
	id {{ID}},
	agreement_id BIGINT NOT NULL REFERENCES agreement (id),
	kind TEXT NOT NULL,			-- service, breach
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	standard TEXT NOT NULL DEFAULT '',
	deduction_fen BIGINT,
	UNIQUE (agreement_id, kind, seq)
);

CREATE TABLE community (
	id {{ID}},
	name TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL DEFAULT '',
	district TEXT NOT NULL DEFAULT '',
	owner_id BIGINT REFERENCES owner (id),
	operator_id BIGINT REFERENCES operator (id),
	agreement_id BIGINT REFERENCES agreement (id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE building (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	name TEXT NOT NULL,			-- "3" or "3号楼"
	floors INTEGER NOT NULL,
	entrances INTEGER NOT NULL,
	has_lift INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	UNIQUE (community_id, name)
);

CREATE TABLE unit (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	building_id BIGINT NOT NULL REFERENCES building (id),
	entrance INTEGER NOT NULL,
	floor INTEGER NOT NULL,
	number {{TEXT_C}} NOT NULL,		-- "3-2-1502": building-entrance-floor and door
	layout TEXT NOT NULL DEFAULT '',	-- 一室一厅 ...
	floor_area INTEGER NOT NULL,		-- hundredths of m²
	usable_area INTEGER NOT NULL,
	orientation TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,			-- pending_acceptance vacant allocated occupied under_repair disabled
	status_since TEXT NOT NULL,
	status_before TEXT,			-- under_repair/disabled: the status to return to
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (community_id, number)
);
CREATE INDEX unit_building ON unit (building_id, floor, number);
CREATE INDEX unit_community_status ON unit (community_id, status, id);
CREATE INDEX unit_number ON unit (number);

-- Facilities and equipment, in a unit or a common part.
CREATE TABLE asset (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	location TEXT NOT NULL,			-- unit, building, entrance, community
	building_id BIGINT REFERENCES building (id),
	entrance INTEGER,
	unit_id BIGINT REFERENCES unit (id),
	place TEXT NOT NULL DEFAULT '',		-- where in a common part: "2单元电梯"
	type TEXT NOT NULL,			-- 空调, 热水器, 电梯, 消防栓 ...
	brand TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL DEFAULT '',
	quantity INTEGER NOT NULL DEFAULT 1,
	condition TEXT NOT NULL,		-- good, fair, poor, broken
	warranty_end TEXT,			-- YYYY-MM-DD
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX asset_unit ON asset (unit_id);
CREATE INDEX asset_community ON asset (community_id, location, id);

-- 分户核验: one per unit; draft → signed (operator) → confirmed (bureau),
-- or returned to draft by the bureau with a note.
CREATE TABLE acceptance_check (
	id {{ID}},
	unit_id BIGINT NOT NULL UNIQUE REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	state TEXT NOT NULL,			-- draft, signed, confirmed
	notes TEXT NOT NULL DEFAULT '',
	signed_by TEXT,
	signed_at TEXT,
	confirmed_by TEXT,
	confirmed_at TEXT,
	returned_note TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX acceptance_check_community ON acceptance_check (community_id, state, id);

CREATE TABLE acceptance_item (
	id {{ID}},
	check_id BIGINT NOT NULL REFERENCES acceptance_check (id),
	seq INTEGER NOT NULL,
	room TEXT NOT NULL,			-- 客厅, 卧室, 厨房, 卫生间, 阳台 ...
	item TEXT NOT NULL,			-- 墙面, 门窗, 水电, or an asset's type
	asset_id BIGINT REFERENCES asset (id),
	condition TEXT NOT NULL,		-- good, fair, poor, broken
	notes TEXT NOT NULL DEFAULT '',
	UNIQUE (check_id, seq)
);
