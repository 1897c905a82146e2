-- Tenancy, part one (issue 6): the city's effective-dated policy and
-- eligibility rules, the other departments' datasets for cross-checks, and
-- the art. 36 application ban (src/tenancy/eligibility.h).

-- The facts eligibility needs that a household did not carry yet.
ALTER TABLE household ADD COLUMN housing_area_centi BIGINT NOT NULL DEFAULT 0;	-- 现住房面积, whole household
ALTER TABLE household ADD COLUMN local_hukou INTEGER NOT NULL DEFAULT 0;	-- 本地户籍: 0 or 1
ALTER TABLE household ADD COLUMN insurance_months INTEGER NOT NULL DEFAULT 0;	-- 本地社保缴纳月数
ALTER TABLE household ADD COLUMN special_groups TEXT NOT NULL DEFAULT '';	-- codes of the policy's list, comma-separated

-- Numbers a city sets, as versions: kind 'policy' (category '') or
-- 'eligibility' per household category.  The version in force on a date is
-- the row with the latest effective_from not after it; rows are never
-- changed (a new version starts today or later), and a decision stores the
-- id it used.  body is JSON (docs/tenancy-eligibility.md lists its keys).
CREATE TABLE tenancy_rule (
	id {{ID}},
	kind TEXT NOT NULL,			-- policy, eligibility
	category TEXT NOT NULL DEFAULT '',	-- a household_category code; '' for the policy
	effective_from TEXT NOT NULL,		-- YYYY-MM-DD
	body TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,		-- principal
	created_at TEXT NOT NULL,
	UNIQUE (kind, category, effective_from)
);

INSERT INTO tenancy_rule (kind, category, effective_from, body, note, created_by, created_at)
VALUES ('policy', '', '2000-01-01',
	'{"publicity_days":7,"max_wait_months":60,"wait_warning_months":6,"refusal_limit":2,"choice_window_hours":48,"offer_response_days":7,"lease_max_months":60,"filing_days":30,"renewal_window_months":3,"vacate_days":90,"market_rent_fen_m2":2000,"ban_years":5,"special_groups":[{"code":"veteran","name":"优抚对象","priority":10},{"code":"disabled","name":"残疾人家庭","priority":20},{"code":"elderly","name":"老年人家庭","priority":30},{"code":"model_worker","name":"劳动模范","priority":40},{"code":"single_parent","name":"单亲家庭","priority":50},{"code":"serious_illness","name":"大病患者家庭","priority":60}]}',
	'默认政策', 'system', '2000-01-01T00:00:00.000000Z');
INSERT INTO tenancy_rule (kind, category, effective_from, body, note, created_by, created_at)
VALUES ('eligibility', 'low_income', '2000-01-01',
	'{"income_per_person_max_fen":150000,"assets_max_fen":20000000,"area_per_person_max_centi":1500,"local_hukou_required":true,"owns_housing_allowed":true,"ban_applies":true}',
	'默认标准', 'system', '2000-01-01T00:00:00.000000Z');
INSERT INTO tenancy_rule (kind, category, effective_from, body, note, created_by, created_at)
VALUES ('eligibility', 'new_employee', '2000-01-01',
	'{"income_per_person_max_fen":400000,"owns_housing_allowed":false,"insurance_months_min":0,"ban_applies":true}',
	'默认标准', 'system', '2000-01-01T00:00:00.000000Z');
INSERT INTO tenancy_rule (kind, category, effective_from, body, note, created_by, created_at)
VALUES ('eligibility', 'migrant_worker', '2000-01-01',
	'{"income_per_person_max_fen":300000,"owns_housing_allowed":false,"insurance_months_min":12,"ban_applies":true}',
	'默认标准', 'system', '2000-01-01T00:00:00.000000Z');

-- One import of a department's data (联审数据): its source, the date the
-- data is as of, and how many rows it kept and refused.  For each source
-- the newest completed import (latest as_of, then id) is 'active' and the
-- older ones 'superseded'; they stay, listed as versions.  'importing' while
-- its job runs, 'failed' when the file could not be read at all.
CREATE TABLE dataset (
	id {{ID}},
	source TEXT NOT NULL,			-- property, vehicle, business, insurance, assistance
	as_of TEXT NOT NULL,			-- YYYY-MM-DD
	name TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	encoding TEXT NOT NULL,			-- auto, utf8, gb18030 (as asked); the job records what it found
	state TEXT NOT NULL,			-- importing, active, superseded, failed
	rows BIGINT NOT NULL DEFAULT 0,		-- records kept (an insurance row keeps two)
	error_rows BIGINT NOT NULL DEFAULT 0,	-- rows refused
	size BIGINT NOT NULL DEFAULT 0,		-- bytes of the file
	job_id BIGINT,
	created_by TEXT NOT NULL,		-- principal
	created_at TEXT NOT NULL,
	finished_at TEXT
);
CREATE INDEX dataset_source ON dataset (source, state, as_of);

-- The facts a dataset holds, keyed by the blind index of the ID number
-- (exactly as person.id_number_index: pii_index("id_number", number)); the
-- number itself, names, addresses and plates are never stored.  kind:
-- area (centi m², property), vehicle (fen), business (value_text the
-- company, value_int its registered capital in fen), insurance_months,
-- monthly_wage (fen), assistance (value_text dibao or tekun).
-- The index serves the cross-check: a person's records, then the dataset.
CREATE TABLE dataset_record (
	dataset_id BIGINT NOT NULL REFERENCES dataset (id),
	id_index TEXT NOT NULL,
	kind TEXT NOT NULL,
	value_int BIGINT NOT NULL DEFAULT 0,
	value_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dataset_record_index ON dataset_record (id_index, dataset_id);

-- The rows an import refused, with why (never the ID number itself).
CREATE TABLE dataset_error (
	dataset_id BIGINT NOT NULL REFERENCES dataset (id),
	row_no BIGINT NOT NULL,			-- the file's line (header = 1); 0: the file
	col TEXT NOT NULL,
	reason TEXT NOT NULL,
	PRIMARY KEY (dataset_id, row_no, col)
);

-- An import's file until its job has read it, sealed like every personal
-- datum (access/pii.h), in pieces.
CREATE TABLE dataset_part (
	dataset_id BIGINT NOT NULL REFERENCES dataset (id),
	seq INTEGER NOT NULL,
	sealed TEXT NOT NULL,
	PRIMARY KEY (dataset_id, seq)
);

-- Art. 36: no new application for the policy's ban_years after a
-- violation.  The ban runs from from_on through until_on inclusive.
-- (source_type, source_id) names what caused it: a violation case, or
-- 'manual' for a decision recorded by the bureau.
CREATE TABLE application_ban (
	id {{ID}},
	person_id BIGINT NOT NULL REFERENCES person (id),
	from_on TEXT NOT NULL,
	until_on TEXT NOT NULL,
	source_type TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	reason TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX application_ban_source ON application_ban (person_id, source_type, source_id);
