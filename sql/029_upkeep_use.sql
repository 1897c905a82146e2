-- The monthly use report and the dossier timeline source "upkeep"
-- (issue 8 §4 and §6, src/upkeep/report.c and timeline.c): indexes only,
-- so each count reads the month's range and each timeline query one
-- unit's or household's rows, never a whole table.

-- Violation cases, renovation requests and work orders opened in a month,
-- counted per community: the month's range of each.
CREATE INDEX violation_case_reported ON violation_case (reported_at, community_id);
CREATE INDEX renovation_request_requested ON renovation_request (requested_at, community_id);
CREATE INDEX work_order_reported ON work_order (reported_at, community_id);

-- A unit's dossier: the patrol points at the unit, their findings, and the
-- work orders at the unit.
CREATE INDEX patrol_point_unit ON patrol_point (unit_id);
CREATE INDEX patrol_result_point ON patrol_result (point_id, outcome);
CREATE INDEX work_order_unit ON work_order (unit_id, id);

-- A household's dossier: its renovation requests.
CREATE INDEX renovation_request_household ON renovation_request (household_id, id);
