-- Households, their members, and what a person carries besides the access
-- issue's name, ID number and phone (issue 4).

-- Derived from the ID number (GB 11643) when the person is created.
ALTER TABLE person ADD COLUMN birth_date TEXT;
ALTER TABLE person ADD COLUMN sex TEXT;			-- male, female
-- The name compared byte by byte, for prefix search (name >= ? AND name < ?).
ALTER TABLE person ADD COLUMN name_key {{TEXT_C}};
CREATE INDEX person_name_key ON person (name_key);

-- The configurable list of household categories, with their priority on the
-- waitlist (smaller first).
CREATE TABLE household_category (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	priority INTEGER NOT NULL,
	active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO household_category (code, name, priority) VALUES
	('low_income', '城镇中等偏下收入住房困难家庭', 10),
	('new_employee', '新就业无房职工', 20),
	('migrant_worker', '外来务工人员', 30);

-- A household belongs to the community whose operator serves it (where it
-- applied or lives): that is its scope.
CREATE TABLE household (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	category TEXT NOT NULL REFERENCES household_category (code),
	hukou TEXT NOT NULL DEFAULT '',		-- 户籍所在地
	employer TEXT NOT NULL DEFAULT '',
	monthly_income_fen BIGINT NOT NULL DEFAULT 0,
	assets_fen BIGINT NOT NULL DEFAULT 0,
	assets_note TEXT NOT NULL DEFAULT '',
	current_housing TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,			-- active, closed
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX household_community ON household (community_id, id);

-- A person's membership of a household.  left_at NULL: active; a person is
-- an active member of at most one household.
CREATE TABLE member (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	person_id BIGINT NOT NULL REFERENCES person (id),
	relationship TEXT NOT NULL,		-- head, spouse, child, parent, sibling, other
	joined_at TEXT NOT NULL,
	left_at TEXT
);
CREATE UNIQUE INDEX member_active_person ON member (person_id) WHERE left_at IS NULL;
CREATE INDEX member_household ON member (household_id, left_at);

-- Reveals of a person's full ID number or phone, counted per principal and
-- hour for the rate limit (each reveal is also audited).
CREATE TABLE reveal_count (
	principal TEXT NOT NULL,
	hour TEXT NOT NULL,			-- "2026-11-28T07"
	n INTEGER NOT NULL,
	PRIMARY KEY (principal, hour)
);
