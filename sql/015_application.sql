-- Applications for public rental housing (issue 6, part B): the staged
-- review, the bureau's eligibility decision, publicity (公示) and the
-- objections raised during it.  src/tenancy/application.h owns these tables;
-- the other tenancy parts read application by the columns docs/tenancy.md
-- lists (the waitlist is the applications in state approved).

-- States: draft, submitted, returned, first_reviewed, deciding, publicity,
-- approved, allocated, housed, rejected, withdrawn.  An application is open
-- until it is rejected, withdrawn or housed; a household has at most one
-- open application (application_open_household below, and a check in the
-- transaction that creates one).
CREATE TABLE application (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	community_id BIGINT NOT NULL REFERENCES community (id),	-- the household's: the scope
	category TEXT NOT NULL REFERENCES household_category (code),
	state TEXT NOT NULL,
	state_at TEXT NOT NULL,			-- when the application entered its state
	note TEXT NOT NULL DEFAULT '',
	-- The household's head as lists and the public notice show it, masked
	-- ("张*", "110***********002X"), taken with the facts.
	head_masked_name TEXT NOT NULL DEFAULT '',
	head_masked_id TEXT NOT NULL DEFAULT '',
	-- The household's facts as submitted (JSON; ID numbers masked only).
	facts TEXT,
	-- The bureau's decision (复审): what the rules said at the time.
	eligible INTEGER,			-- 0/1, NULL until decided
	rule_version BIGINT,			-- tenancy_rule id of the eligibility rules used
	policy_version BIGINT,			-- tenancy_rule id of the policy used
	eligibility TEXT,			-- JSON explanation (eligibility_evaluate)
	crosscheck TEXT,			-- JSON conflicts (crosscheck_household)
	decision TEXT,				-- grant, refuse; NULL until decided
	decision_reason TEXT,
	approval_id BIGINT REFERENCES approval (id),	-- the latest decision request
	submitted_at TEXT,
	first_reviewed_at TEXT,
	first_reviewed_by TEXT,			-- principal
	decided_at TEXT,
	decided_by TEXT,			-- principal of the approver
	publicity_from TEXT,			-- YYYY-MM-DD
	publicity_until TEXT,			-- YYYY-MM-DD, the last day of publicity
	approved_at TEXT,
	queue_at TEXT,				-- waitlist time: approval, reset when sent to the back
	refusals INTEGER NOT NULL DEFAULT 0,	-- offers refused (allocation)
	returned_reason TEXT,
	rejected_reason TEXT,
	withdrawn_reason TEXT,
	created_by TEXT NOT NULL,		-- principal
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX application_open_household ON application (household_id)
	WHERE state NOT IN ('rejected', 'withdrawn', 'housed');
CREATE INDEX application_household ON application (household_id, id);
CREATE INDEX application_inbox ON application (community_id, state, id);
CREATE INDEX application_state ON application (state, id);
CREATE INDEX application_waitlist ON application (state, queue_at);
CREATE INDEX application_approval ON application (approval_id);

-- Objections raised during publicity, by staff for someone or by the public.
CREATE TABLE objection (
	id {{ID}},
	application_id BIGINT NOT NULL REFERENCES application (id),
	objector TEXT NOT NULL,			-- a name, or 'anonymous'
	contact TEXT,				-- sealed (pii_seal), NULL when not given
	content TEXT NOT NULL,
	state TEXT NOT NULL,			-- open, upheld, dismissed
	resolution TEXT,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,		-- principal, 'anonymous' for the public
	resolved_at TEXT,
	resolved_by TEXT			-- principal
);
CREATE INDEX objection_application ON objection (application_id, id);
CREATE INDEX objection_open ON objection (state, application_id);
