-- A person's ID number and phone as every list shows them, masked (first 3
-- and last 4, RULES.md), written beside the sealed values when they are
-- written, so that a list, a search or a dossier shows them without opening
-- one sealed value per person and field.  The clear digits stay sealed; a
-- mask is what any role with the person in scope sees, as the audit trail
-- and an application's head_masked_id already keep it.  NULL where a row
-- predates these columns: readers then open the sealed value (PERSON_COLS).
ALTER TABLE person ADD COLUMN id_number_masked TEXT;
ALTER TABLE person ADD COLUMN phone_masked TEXT;
-- The person_masks job (src/jobs/person_masks.c) fills them in; queued here
-- for the first server to run, when there are people to fill.
INSERT INTO job (kind, state, params, created_by, created_at)
	SELECT 'person_masks', 'queued', '{}', 'migration', {{NOW}}
	WHERE EXISTS (SELECT 1 FROM person);
