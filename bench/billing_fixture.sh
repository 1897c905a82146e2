#!/bin/sh
# The billing run's fixture (bench/billing.sh, tests/api/billcrash.test.js):
# N lease chains in force in a data directory made by `anju init`, written
# straight into the tables with INSERT ... SELECT over a recursive CTE (one
# statement per table, the same SQL on SQLite and PostgreSQL): a community
# and a building, N units, N households and their heads, N open chains each
# with one paper lease in force (existing = 1: its own amount, no standard),
# from 2020-01-01 to 2099-12-31, except every tenth, which starts on
# MID (a day inside the month to bill, so a tenth of the month's charges are
# prorated); each household has its receivable account, as the deposit
# charge of its move-in made it.  Fixture code, not history: no audit rows,
# no contracts.
#
#   billing_fixture.sh DATA N MID
set -eu

data=$1
n=$2
mid=$3
case $n in '' | *[!0-9]*) echo "billing_fixture: N must be a number" >&2; exit 2 ;; esac
case $mid in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;; *) echo "billing_fixture: MID must be YYYY-MM-DD" >&2; exit 2 ;; esac

# The database the data directory names (anju.conf "db = ..."), else its SQLite file.
url=$(sed -n 's/^db *= *//p' "$data/anju.conf" | tail -n 1)
t="'2026-01-01T00:00:00.000000Z'"
seq="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)"

sql="
INSERT INTO community (name, created_at, updated_at) VALUES ('计租基准小区', $t, $t);
INSERT INTO building (community_id, name, floors, entrances, created_at)
	SELECT id, '1', 30, 1, $t FROM community WHERE name = '计租基准小区';
INSERT INTO unit (community_id, building_id, entrance, floor, number, layout, floor_area,
	usable_area, status, status_since, created_at, updated_at)
	$seq SELECT b.community_id, b.id, 1, 1 + i % 30, 'B-' || CAST(i AS TEXT), '两室一厅',
	4000 + i % 4000, 3500, 'occupied', $t, $t, $t FROM n, building b JOIN community c
	ON c.id = b.community_id WHERE c.name = '计租基准小区';
INSERT INTO household (community_id, category, employer, state, created_at, updated_at)
	$seq SELECT c.id, 'low_income', 'B-' || CAST(i AS TEXT), 'active', $t, $t FROM n, community c
	WHERE c.name = '计租基准小区';
INSERT INTO person (name, created_at) $seq SELECT 'B-' || CAST(i AS TEXT), $t FROM n;
INSERT INTO member (household_id, person_id, relationship, joined_at)
	SELECT h.id, p.id, 'head', $t FROM household h JOIN person p ON p.name = h.employer
	WHERE h.employer LIKE 'B-%';
INSERT INTO ledger_account (code, kind, name, household_id, created_at)
	SELECT 'receivable:' || CAST(h.id AS TEXT), 'receivable',
	'应收住户款（住户 ' || CAST(h.id AS TEXT) || '）', h.id, $t FROM household h
	WHERE h.employer LIKE 'B-%';
INSERT INTO lease_chain (household_id, unit_id, community_id, state, started_on, created_at)
	SELECT h.id, u.id, u.community_id, 'open', '2020-01-01', $t FROM household h
	JOIN unit u ON u.number = h.employer AND u.community_id = h.community_id
	WHERE h.employer LIKE 'B-%';
INSERT INTO lease (chain_id, seq, kind, household_id, unit_id, community_id, tenant_person_id,
	community_name, unit_number, state, starts_on, ends_on, monthly_rent_fen, deposit_fen,
	existing, existing_reason, contract_template, verify_token, created_by, created_at,
	updated_at)
	SELECT ch.id, 1, 'new', ch.household_id, ch.unit_id, ch.community_id, m.person_id,
	'计租基准小区', u.number, 'in_force',
	CASE WHEN ch.id % 10 = 0 THEN '$mid' ELSE '2020-01-01' END, '2099-12-31',
	30000 + (ch.id % 50) * 137, 0, 1, '基准测试', 'v1',
	'fixture' || CAST(ch.id AS TEXT), 'fixture', $t, $t
	FROM lease_chain ch JOIN unit u ON u.id = ch.unit_id
	JOIN member m ON m.household_id = ch.household_id AND m.relationship = 'head'
	WHERE u.number LIKE 'B-%';
"

if [ -z "$url" ]; then
	{ echo "PRAGMA foreign_keys = ON; BEGIN;"; echo "$sql"; echo "COMMIT;"; } |
		sqlite3 -bail "$data/anju.db"
else
	{ echo "BEGIN;"; echo "$sql"; echo "COMMIT;"; } |
		psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null
fi
