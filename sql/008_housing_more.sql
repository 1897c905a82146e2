-- Housing stock (issue 4), continued: indexes for the lists, which page in
-- id order.  A community's units (GET /api/v1/units?community_id=) come from
-- (community_id, id) without sorting the whole community for each page; the
-- assets of a building (its common parts and its units' equipment) come from
-- (building_id, id), which asset_community's (community_id, location, id)
-- does not serve.
CREATE INDEX unit_community ON unit (community_id, id);
CREATE INDEX asset_building ON asset (building_id, id);
