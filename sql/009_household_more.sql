-- People recorded before issue 4 (tenants registered with their account)
-- have no search key yet: it is their name as it is (access/person.c).
UPDATE person SET name_key = name WHERE name_key IS NULL;
