-- The cross-check benchmark's fixture (bench/crosscheck.sh substitutes
-- @HOUSEHOLDS@ and @RECORDS@), written into a data directory just made by
-- `anju init`: no audit rows, a fixture rather than history.
--
-- Household i (1..H) has 2 + i % 2 members: persons 3(i-1)+1 (the head),
-- +2 (spouse) and, for odd i, +3 (a child).  Its category cycles through the
-- three seeded ones.  Persons' blind indexes are random 32-digit hex.
--
-- Datasets 1..5 are the active property, vehicle, business, insurance and
-- assistance imports; dataset 6 an older, superseded property import.  Of
-- the households' people: every 25th owns housing (property), every 33rd a
-- vehicle, every 100th a business, every other one has insurance months and
-- a wage, every 50th assistance; every 40th has a record only in the
-- superseded import.  The other records, up to @RECORDS@, are other people's.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
INSERT INTO community (id, name, created_at, updated_at)
VALUES (1, '联审基准小区', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @HOUSEHOLDS@)
INSERT INTO household (id, community_id, category, monthly_income_fen, assets_fen, state,
	created_at, updated_at, housing_area_centi, local_hukou, insurance_months)
SELECT i, 1, CASE i % 3 WHEN 0 THEN 'low_income' WHEN 1 THEN 'new_employee' ELSE 'migrant_worker' END,
	200000 + (i % 50) * 10000, 0, 'active', '2026-01-01T00:00:00.000000Z',
	'2026-01-01T00:00:00.000000Z', 0, 1, 24
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @HOUSEHOLDS@),
	m(j) AS (VALUES (0), (1), (2))
INSERT INTO person (id, name, id_number_index, created_at)
SELECT (i - 1) * 3 + j + 1, '成员' || i || '-' || j, lower(hex(randomblob(16))),
	'2026-01-01T00:00:00.000000Z'
FROM n, m WHERE j < 2 + i % 2;

INSERT INTO member (household_id, person_id, relationship, joined_at)
SELECT (p.id - 1) / 3 + 1, p.id,
	CASE (p.id - 1) % 3 WHEN 0 THEN 'head' WHEN 1 THEN 'spouse' ELSE 'child' END,
	'2026-01-01T00:00:00.000000Z'
FROM person p ORDER BY p.id;

INSERT INTO dataset (id, source, as_of, name, encoding, state, created_by, created_at, finished_at)
VALUES (1, 'property', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(2, 'vehicle', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(3, 'business', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(4, 'insurance', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(5, 'assistance', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(6, 'property', '2025-01-01', 'bench', 'utf8', 'superseded', 'system', '2025-01-02T00:00:00.000000Z', '2025-01-02T00:00:00.000000Z');

-- Built after the rows: a sorted build instead of ten million random
-- insertions.  The same definition as sql/014_eligibility.sql.
DROP INDEX dataset_record_index;

INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 1, id_number_index, 'area', 5000 + (id % 70) * 100, '' FROM person WHERE id % 25 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 6, id_number_index, 'area', 9000, '' FROM person WHERE id % 40 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 2, id_number_index, 'vehicle', 5000000 + (id % 30) * 1000000, '' FROM person WHERE id % 33 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 3, id_number_index, 'business', 10000000, '咸宁某某商贸有限公司' FROM person WHERE id % 100 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 4, id_number_index, 'insurance_months', id % 60, '' FROM person WHERE id % 2 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 4, id_number_index, 'monthly_wage', 150000 + (id % 40) * 10000, '' FROM person WHERE id % 2 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 5, id_number_index, 'assistance', 0, CASE WHEN id % 100 = 0 THEN 'tekun' ELSE 'dibao' END
FROM person WHERE id % 50 = 0;

-- Everyone else's records, spread over the six imports as the sources'
-- sizes go: insurance the largest, business the smallest.
WITH RECURSIVE n(k) AS (
	SELECT (SELECT COUNT(*) FROM dataset_record)
	UNION ALL SELECT k + 1 FROM n WHERE k < @RECORDS@ - 1)
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT d, lower(hex(randomblob(16))),
	CASE d WHEN 1 THEN 'area' WHEN 6 THEN 'area' WHEN 2 THEN 'vehicle' WHEN 3 THEN 'business'
	       WHEN 4 THEN 'monthly_wage' ELSE 'assistance' END,
	k % 100000, ''
FROM (SELECT k, CASE k % 10 WHEN 0 THEN 1 WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 2
	WHEN 4 THEN 3 WHEN 5 THEN 4 WHEN 6 THEN 4 WHEN 7 THEN 4 WHEN 8 THEN 5 ELSE 6 END AS d FROM n);

CREATE INDEX dataset_record_index ON dataset_record (id_index, dataset_id);
UPDATE dataset SET rows = (SELECT COUNT(*) FROM dataset_record r WHERE r.dataset_id = dataset.id);
COMMIT;
-- Into the database file: a reader of a two-gigabyte write-ahead log pays
-- for it on every page, which a served database never does.
PRAGMA wal_checkpoint(TRUNCATE);
SELECT COUNT(*) || ' households' FROM household;
SELECT COUNT(*) || ' persons' FROM person;
SELECT COUNT(*) || ' records' FROM dataset_record;
