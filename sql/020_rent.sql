-- Rent, part A (issue 7): rent standards, the rent each lease was quoted,
-- the billing runs and the lines they raised.  See src/rent/rent.h,
-- src/rent/billing.h and docs/rent-billing.md.  Money is integer fen,
-- areas hundredths of m², rates parts per million.

-- A rent standard: one version per row, for a community and a layout (as
-- stored on unit.layout; '*' stands for every layout of the community that
-- has no standard of its own), in force from effective_from until the next
-- version of the same (community, layout).  A row is never changed once in
-- force: a new version is a new row.  A version still to come may be
-- withdrawn (state 'withdrawn', with the reason), which is also how it is
-- corrected (a new row replaces it).
--
-- mode 'per_m2': price_fen_m2 per m² of the unit's floor area per month;
-- mode 'fixed': fixed_fen a month.  reductions is JSON, a list of
-- {code, name, kind, match, share_ppm}: kind 'category' (match: a
-- household_category code), 'special_group' (match: a code of the policy's
-- special groups) or 'income_tier' (match: the highest monthly income per
-- person in fen); share_ppm is what the household pays of the base.  The
-- household pays the smallest share among the reductions it matches.
CREATE TABLE rent_standard (
	id {{ID}},
	community_id BIGINT NOT NULL REFERENCES community (id),
	layout TEXT NOT NULL,			-- as on unit.layout, or '*'
	effective_from TEXT NOT NULL,		-- YYYY-MM-DD
	mode TEXT NOT NULL,			-- per_m2, fixed
	price_fen_m2 BIGINT NOT NULL DEFAULT 0,
	fixed_fen BIGINT NOT NULL DEFAULT 0,
	rounding TEXT NOT NULL,			-- core/money.h: half_up, half_even, down, up, floor, ceiling
	due_day INTEGER NOT NULL DEFAULT 5,	-- the day of the month rent is due
	reductions TEXT NOT NULL DEFAULT '[]',
	note TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,			-- active, withdrawn
	replaces_id BIGINT REFERENCES rent_standard (id),
	created_by TEXT NOT NULL,		-- principal
	created_at TEXT NOT NULL,
	withdrawn_at TEXT,
	withdrawn_by TEXT,
	withdraw_reason TEXT
);
CREATE UNIQUE INDEX rent_standard_version ON rent_standard (community_id, layout, effective_from)
	WHERE state = 'active';
CREATE INDEX rent_standard_community ON rent_standard (community_id, layout, state, effective_from);

-- The quote a lease's rent came from (a new lease or a renewal signed
-- against a standard): its inputs, so the contract and every rent charge
-- can say how the amount was made.  Leases entered from paper have none.
CREATE TABLE rent_lease_quote (
	lease_id BIGINT PRIMARY KEY REFERENCES lease (id),
	standard_id BIGINT NOT NULL REFERENCES rent_standard (id),
	quoted_on TEXT NOT NULL,		-- the date the standard was read on
	area_centi BIGINT NOT NULL,
	price_fen_m2 BIGINT NOT NULL,
	fixed_fen BIGINT NOT NULL,
	base_fen BIGINT NOT NULL,
	share_ppm BIGINT NOT NULL,
	reduction TEXT NOT NULL DEFAULT '',
	rounding TEXT NOT NULL,
	monthly_fen BIGINT NOT NULL,
	created_at TEXT NOT NULL
);

-- One billing run: a period for every lease chain in force in it, or a
-- catch-up of named chains (chains, JSON list of ids).  Its job
-- ("rent_bill") commits in chunks; charges and total_fen count what this
-- run raised (a re-run raises only what is missing).
CREATE TABLE billing_run (
	id {{ID}},
	job_id BIGINT REFERENCES job (id),
	period TEXT NOT NULL,			-- YYYY-MM
	chains TEXT,				-- JSON [chain ids] for a catch-up; NULL: every chain
	state TEXT NOT NULL,			-- running, done, failed
	chains_seen BIGINT NOT NULL DEFAULT 0,	-- chains looked at so far
	chains_total BIGINT NOT NULL DEFAULT 0,
	charges BIGINT NOT NULL DEFAULT 0,	-- charges raised by this run
	total_fen BIGINT NOT NULL DEFAULT 0,
	skipped BIGINT NOT NULL DEFAULT 0,	-- charges that existed already
	started_at TEXT NOT NULL,
	finished_at TEXT,
	created_by TEXT NOT NULL,		-- principal, or "schedule:monthly_billing"
	error TEXT
);
CREATE UNIQUE INDEX billing_run_job ON billing_run (job_id);
CREATE INDEX billing_run_period ON billing_run (period, id);

-- One row per rent or overstay_rent charge a billing run raised: why the
-- amount is what it is.  The charge itself (money core) says what is owed
-- and paid.  journal_id is the chunk's journal that posted it.  The lease,
-- household, unit and community are the chain's, copied for reports; only
-- the charge, the run, the chain and the standard are checked as foreign
-- keys (a million lines a run: each check is a look-up per row).
CREATE TABLE rent_line (
	charge_id BIGINT PRIMARY KEY REFERENCES charge (id),
	run_id BIGINT NOT NULL REFERENCES billing_run (id),
	journal_id BIGINT NOT NULL,
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	lease_id BIGINT NOT NULL,		-- the lease of the month's last day billed
	household_id BIGINT NOT NULL,
	unit_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	period TEXT NOT NULL,
	kind TEXT NOT NULL,			-- rent, overstay_rent
	amount_fen BIGINT NOT NULL,
	standard_id BIGINT REFERENCES rent_standard (id),	-- NULL: a paper lease's amount, or overstay
	days_billed INTEGER NOT NULL,
	days_in_month INTEGER NOT NULL,
	monthly_fen BIGINT NOT NULL,		-- a full month at the lease's (or the market) rate
	area_centi BIGINT NOT NULL,
	price_fen_m2 BIGINT NOT NULL,		-- the standard's price, or the market rate for overstay
	share_ppm BIGINT NOT NULL,
	reduction TEXT NOT NULL DEFAULT '',
	rounding TEXT NOT NULL,
	segments TEXT				-- JSON, when the month has more than one lease or rate
);
CREATE INDEX rent_line_run ON rent_line (run_id);
CREATE INDEX rent_line_period ON rent_line (period, community_id);
CREATE INDEX rent_line_chain ON rent_line (chain_id, period);
