-- The bureau's reports on the housing's use (issue 8 §4, src/upkeep/report.c):
-- indexes only, so each report reads a range instead of a table.

-- Vacant units, longest vacant first: the first page over a province's
-- units is the head of this range, not a sort of every vacant unit.
CREATE INDEX unit_status_since ON unit (status, status_since, id);

-- Vacated units: the move-outs done in a period.
CREATE INDEX handover_done ON handover (kind, state, done_on);

-- Unit and household changes: the audit rows of a few actions in a period.
-- audit_log_action (action, id) alone would walk every such row ever
-- written; audit_log_at (at) every row of the period, of any action.
CREATE INDEX audit_log_action_at ON audit_log (action, at);

-- The household a person belonged to when their contact changed.
CREATE INDEX member_person ON member (person_id, joined_at);
