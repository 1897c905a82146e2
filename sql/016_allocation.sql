-- Allocation (配租, issue 6): batches that offer vacant units to the top of
-- the waitlist by a verifiable lottery (摇号) or by order of choice (选房),
-- the parties' commitments to the lottery's seed, and the offers.  The
-- waitlist itself is the applications in state approved (015); this file
-- owns allocation_batch, batch_unit, batch_entry, commitment and offer.
-- See docs/tenancy-allocation.md and docs/lottery.md.

-- A batch of one community's vacant units.  States: draft, published (the
-- input list frozen, its SM3 hash shown), committed (every party's hash in),
-- drawn, publicity, offering, closed, cancelled; a choice batch goes
-- published -> offering.  list_text is the exact canonical JSON whose SM3
-- is list_hash; result_text the drawn orders.
CREATE TABLE allocation_batch (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	title TEXT NOT NULL,
	method TEXT NOT NULL,			-- lottery, choice
	category TEXT,				-- only this household category; NULL: any
	state TEXT NOT NULL,
	invite_count INTEGER NOT NULL,		-- households invited from the top of the waitlist
	parties TEXT NOT NULL,			-- JSON array of the lottery's party names, in seed order
	choice_window_hours INTEGER NOT NULL,
	offer_response_days INTEGER NOT NULL,
	publicity_days INTEGER NOT NULL,
	policy_version BIGINT,			-- tenancy_rule id of the policy used
	note TEXT NOT NULL DEFAULT '',
	list_text TEXT,
	list_hash TEXT,				-- SM3, 64 hex digits
	seed TEXT,				-- SM3, 64 hex digits
	result_text TEXT,			-- {"order": [...], "unit_order": [...]}
	published_at TEXT,
	published_by TEXT,
	drawn_at TEXT,
	publicity_from TEXT,			-- civil dates
	publicity_until TEXT,
	offering_at TEXT,
	closed_at TEXT,
	close_reason TEXT,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX allocation_batch_community ON allocation_batch (community_id, id);
CREATE INDEX allocation_batch_state ON allocation_batch (state, id);

-- The units a batch offers, with what the published list shows of them.
-- reserved is 1 while the batch holds a vacant unit, so that no other batch
-- offers it; NULL once it is taken (the unit is allocated then) or released.
CREATE TABLE batch_unit (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES allocation_batch (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	position INTEGER NOT NULL,		-- in the published list, from 1
	number TEXT NOT NULL,
	layout TEXT NOT NULL,
	floor_area INTEGER NOT NULL,		-- hundredths of m²
	draw_rank INTEGER,			-- lottery: place in the drawn unit order, from 1
	state TEXT NOT NULL,			-- open, offered, taken, released
	reserved INTEGER,
	UNIQUE (batch_id, unit_id),
	UNIQUE (batch_id, position)
);
CREATE UNIQUE INDEX batch_unit_reserved ON batch_unit (unit_id) WHERE reserved = 1;

-- The households invited, in waitlist order (position), frozen at
-- publication.  States: waiting, offered (an open offer, or the choice
-- turn), accepted, refused, no_show, withdrawn, skipped (the application left
-- the waitlist before its turn).
CREATE TABLE batch_entry (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES allocation_batch (id),
	position INTEGER NOT NULL,
	application_id BIGINT NOT NULL REFERENCES application (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	name_masked TEXT NOT NULL,
	category TEXT NOT NULL,
	queue_at TEXT NOT NULL,
	draw_rank INTEGER,			-- lottery: place in the drawn order; choice: position
	state TEXT NOT NULL,
	turn_until TEXT,			-- choice: the end of its window
	UNIQUE (batch_id, position),
	UNIQUE (batch_id, application_id)
);
CREATE INDEX batch_entry_application ON batch_entry (application_id, batch_id);
CREATE INDEX batch_entry_household ON batch_entry (household_id);

-- A lottery party's commitment: the SM3 of its secret value, published
-- before the draw; the value itself, revealed at the draw.
CREATE TABLE commitment (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES allocation_batch (id),
	seq INTEGER NOT NULL,			-- the party's place in the seed, from 1
	party TEXT NOT NULL,
	commit_hash TEXT,
	committed_at TEXT,
	committed_by TEXT,
	value TEXT,
	revealed_at TEXT,
	revealed_by TEXT,
	UNIQUE (batch_id, seq),
	UNIQUE (batch_id, party)
);

-- An offer of one unit to one household.  States: offered, accepted,
-- refused, no_show, withdrawn.  A lease for a new tenancy is signed against
-- an accepted offer.  A choice pick is an offer accepted when it is made.
CREATE TABLE offer (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES allocation_batch (id),
	entry_id BIGINT NOT NULL REFERENCES batch_entry (id),
	application_id BIGINT NOT NULL REFERENCES application (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	state TEXT NOT NULL,
	offered_at TEXT NOT NULL,
	respond_by TEXT NOT NULL,		-- civil date: the last day to answer
	responded_at TEXT,
	responded_by TEXT,
	reason TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX offer_batch ON offer (batch_id, id);
CREATE INDEX offer_household ON offer (household_id, id);
CREATE INDEX offer_unit ON offer (unit_id, id);
CREATE INDEX offer_state ON offer (state, respond_by);
-- At most one open offer of a unit (an accepted one stays accepted after the
-- lease, so it is not counted here).
CREATE UNIQUE INDEX offer_open_unit ON offer (unit_id) WHERE state = 'offered';
