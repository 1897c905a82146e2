-- The recheck benchmark's fixture (bench/recheck.sh substitutes @LEASES@
-- and @RECORDS@), written into a data directory just made by `anju init`:
-- no audit rows, a fixture rather than history.
--
-- Household i (1..L) has 2 + i % 2 members (persons 3(i-1)+1 the head, +2,
-- and for odd i +3), a low_income category with an income that passes for
-- most, and one lease chain with one lease in force on unit i.  Every 20th
-- household's income is over the limit (propose_exit); the datasets give
-- every 25th person housing, every other one insurance months and a wage
-- (some above the declared income: investigate); every 200th household has
-- an open arrears signal.  The other records, up to @RECORDS@, are other
-- people's.  Persons' blind indexes are random 64-digit hex.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
INSERT INTO community (id, name, created_at, updated_at)
VALUES (1, '复核基准小区', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');
INSERT INTO building (id, community_id, name, floors, entrances, created_at)
VALUES (1, 1, '1', 30, 4, '2026-01-01T00:00:00.000000Z');

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @LEASES@)
INSERT INTO unit (id, community_id, building_id, entrance, floor, number, floor_area, usable_area,
	status, status_since, created_at, updated_at)
SELECT i, 1, 1, 1 + i % 4, 1 + i % 30, 'B-' || i, 6000, 5000, 'occupied',
	'2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @LEASES@)
INSERT INTO household (id, community_id, category, monthly_income_fen, assets_fen, state,
	created_at, updated_at, housing_area_centi, local_hukou, insurance_months)
SELECT i, 1, 'low_income', CASE WHEN i % 20 = 0 THEN 2000000 ELSE 150000 + (i % 10) * 10000 END,
	0, 'active', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 0, 1, 24
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @LEASES@),
	m(j) AS (VALUES (0), (1), (2))
INSERT INTO person (id, name, id_number_index, created_at)
SELECT (i - 1) * 3 + j + 1, '成员' || i || '-' || j, lower(hex(randomblob(32))),
	'2026-01-01T00:00:00.000000Z'
FROM n, m WHERE j < 2 + i % 2;

INSERT INTO member (household_id, person_id, relationship, joined_at)
SELECT (p.id - 1) / 3 + 1, p.id,
	CASE (p.id - 1) % 3 WHEN 0 THEN 'head' WHEN 1 THEN 'spouse' ELSE 'child' END,
	'2026-01-01T00:00:00.000000Z'
FROM person p ORDER BY p.id;

INSERT INTO lease_chain (id, household_id, unit_id, community_id, state, started_on, created_at)
SELECT id, id, id, 1, 'open', '2025-06-01', '2026-01-01T00:00:00.000000Z' FROM household;

INSERT INTO lease (id, chain_id, seq, kind, household_id, unit_id, community_id, tenant_person_id,
	community_name, unit_number, state, starts_on, ends_on, monthly_rent_fen, deposit_fen,
	contract_template, verify_token, created_by, created_at, updated_at)
SELECT h.id, h.id, 1, 'new', h.id, h.id, 1, (h.id - 1) * 3 + 1, '复核基准小区', 'B-' || h.id,
	'in_force', '2025-06-01', '2030-05-31', 45000, 90000, 'v1', lower(hex(randomblob(16))),
	'system', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
FROM household h;

INSERT INTO dataset (id, source, as_of, name, encoding, state, created_by, created_at, finished_at)
VALUES (1, 'property', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z'),
	(2, 'insurance', '2026-01-01', 'bench', 'utf8', 'active', 'system', '2026-01-02T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z');

DROP INDEX dataset_record_index;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 1, id_number_index, 'area', 5000 + (id % 70) * 100, '' FROM person WHERE id % 25 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 2, id_number_index, 'insurance_months', 12 + id % 60, '' FROM person WHERE id % 2 = 0;
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 2, id_number_index, 'monthly_wage', 100000 + (id % 40) * 5000, '' FROM person WHERE id % 2 = 0;
WITH RECURSIVE n(k) AS (
	SELECT (SELECT COUNT(*) FROM dataset_record)
	UNION ALL SELECT k + 1 FROM n WHERE k < @RECORDS@ - 1)
INSERT INTO dataset_record (dataset_id, id_index, kind, value_int, value_text)
SELECT 1 + k % 2, lower(hex(randomblob(32))), CASE k % 2 WHEN 0 THEN 'area' ELSE 'monthly_wage' END,
	k % 100000, ''
FROM n;
CREATE INDEX dataset_record_index ON dataset_record (id_index, dataset_id);
UPDATE dataset SET rows = (SELECT COUNT(*) FROM dataset_record r WHERE r.dataset_id = dataset.id);

INSERT INTO tenancy_signal (household_id, source_type, source_id, summary, raised_at, raised_by,
	updated_at)
SELECT id, 'arrears', id, '累计欠租 6 个月', '2026-01-01T00:00:00.000000Z', 'system',
	'2026-01-01T00:00:00.000000Z'
FROM household WHERE id % 200 = 0;
COMMIT;
SELECT COUNT(*) || ' leases in force' FROM lease;
SELECT COUNT(*) || ' persons' FROM person;
SELECT COUNT(*) || ' records' FROM dataset_record;
