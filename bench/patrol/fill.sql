-- The fixture of bench/patrol.sh: @COMMUNITIES@ communities, each with an
-- inspector account, 10 patrol points of 3 checklist items (the seeded
-- library's first three) and 5 daily plans whose routes walk all 10
-- points, so that one day makes 5 rounds per community, each copying 10
-- points, 30 items and its inspector.
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @COMMUNITIES@)
INSERT INTO community (name, created_at, updated_at)
SELECT '巡查小区' || i, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n;
INSERT INTO account (username, display_name, role, state, password_hash, created_at, created_by,
		     updated_at, password_changed_at)
SELECT 'xuncha' || id, '巡查员' || id, 'inspector', 'active', 'x', '2026-01-01T00:00:00.000000Z',
       'system', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
FROM community WHERE name LIKE '巡查小区%';
INSERT INTO scope_grant (principal, community_id)
SELECT 'account:' || a.id, c.id FROM community c JOIN account a ON a.username = 'xuncha' || c.id
WHERE c.name LIKE '巡查小区%';
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 10)
INSERT INTO patrol_point (community_id, short_no, name, location, place, created_at, updated_at,
			  updated_by)
SELECT c.id, k.j, '巡查点' || k.j, 'community', '公共区域' || k.j,
       '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'system'
FROM community c, k WHERE c.name LIKE '巡查小区%';
INSERT INTO patrol_point_item (point_id, seq, item_id)
SELECT p.id, i.rn, i.id FROM patrol_point p,
       (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM patrol_item) i
WHERE i.rn <= 3;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 5)
INSERT INTO patrol_plan (community_id, name, frequency, active, created_at, updated_at,
			 updated_by)
SELECT c.id, '每日巡查' || k.j, 'daily', 1, '2026-01-01T00:00:00.000000Z',
       '2026-01-01T00:00:00.000000Z', 'system'
FROM community c, k WHERE c.name LIKE '巡查小区%';
INSERT INTO patrol_plan_point (plan_id, seq, point_id)
SELECT pl.id, p.short_no, p.id FROM patrol_plan pl JOIN patrol_point p
ON p.community_id = pl.community_id;
INSERT INTO patrol_plan_inspector (plan_id, account_id)
SELECT pl.id, a.id FROM patrol_plan pl JOIN account a ON a.username = 'xuncha' || pl.community_id;
COMMIT;
SELECT COUNT(*) || ' plans' FROM patrol_plan;
SELECT COUNT(*) || ' route points' FROM patrol_plan_point;
