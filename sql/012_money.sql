-- The money core (issue 5): charges, payments and their allocations,
-- refunds of credit, the double-entry ledger, receipt books and receipts.
-- Money is integer fen.  Rows that record money are never changed in their
-- amounts: a correction is a new row pointing at what it reverses.  Every
-- money event posts one balanced journal in the same transaction as the
-- event (src/money/money.h); `anju ledger check` proves it.

-- The chart of accounts.  A household's receivable and credit are accounts
-- of their own (household_id set), made the first time they are used.
-- Entries are signed: debit positive, credit negative.
CREATE TABLE ledger_account (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,		-- "cash", "receivable:12", "credit:12" ...
	kind TEXT NOT NULL,			-- the account's role: cash, bank, special_rent, receivable ...
	name TEXT NOT NULL,			-- zh-CN, for statements
	household_id BIGINT REFERENCES household (id),
	created_at TEXT NOT NULL
);
CREATE INDEX ledger_account_household ON ledger_account (household_id);

-- Accounting periods, "YYYY-MM".  A closed period takes no entries: later
-- corrections land in the open period.
CREATE TABLE ledger_period (
	period TEXT PRIMARY KEY,
	state TEXT NOT NULL,			-- open, closed
	closed_at TEXT,
	closed_by TEXT				-- principal
);

-- One journal per money event; its entries sum to zero.
CREATE TABLE journal (
	id {{ID}},
	period TEXT NOT NULL,
	event TEXT NOT NULL,			-- charge, payment, allocation, charge.cancel, payment.reverse, refund ...
	object_type TEXT NOT NULL,		-- charge, payment, refund
	object_id BIGINT NOT NULL,
	reverses_id BIGINT REFERENCES journal (id),
	memo TEXT NOT NULL DEFAULT '',
	posted_at TEXT NOT NULL,
	posted_by TEXT NOT NULL			-- principal
);
CREATE INDEX journal_object ON journal (object_type, object_id);

CREATE TABLE journal_entry (
	id {{ID}},
	journal_id BIGINT NOT NULL REFERENCES journal (id),
	account_id BIGINT NOT NULL REFERENCES ledger_account (id),
	period TEXT NOT NULL,
	amount_fen BIGINT NOT NULL		-- debit > 0, credit < 0, never 0
);
CREATE INDEX journal_entry_journal ON journal_entry (journal_id);
CREATE INDEX journal_entry_account ON journal_entry (account_id, period);

-- Stored balances per account and period, kept with the entries.
CREATE TABLE ledger_balance (
	account_id BIGINT NOT NULL REFERENCES ledger_account (id),
	period TEXT NOT NULL,
	debit_fen BIGINT NOT NULL,
	credit_fen BIGINT NOT NULL,		-- a positive sum of the credits
	PRIMARY KEY (account_id, period)
);

-- Something a household owes.  Domain code raises charges with a source
-- (the lease chain, case or work order that caused them) and a period where
-- they have one ('' otherwise), so raising them again is a no-op; staff's
-- own charges have no source id.
CREATE TABLE charge (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	kind TEXT NOT NULL,			-- rent, deposit, overstay_rent, back_charge, penalty, repair, other
	amount_fen BIGINT NOT NULL,		-- > 0
	paid_fen BIGINT NOT NULL DEFAULT 0,	-- the sum of its allocations
	due_on TEXT NOT NULL,			-- YYYY-MM-DD
	period TEXT NOT NULL DEFAULT '',	-- YYYY-MM or ''
	source_type TEXT NOT NULL,		-- lease_chain, violation, work_order, manual ...
	source_id BIGINT,
	state TEXT NOT NULL,			-- open, paid, cancelled
	note TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	cancelled_at TEXT,
	cancel_reason TEXT,
	UNIQUE (source_type, source_id, kind, period)
);
CREATE INDEX charge_household ON charge (household_id, state, due_on, id);

-- Money received.  A channel's reference is unique per channel; cash has none.
CREATE TABLE payment (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	amount_fen BIGINT NOT NULL,		-- > 0
	channel TEXT NOT NULL,			-- cash, pos, bank_transfer, withholding, online
	channel_ref TEXT,
	received_at TEXT NOT NULL,		-- UTC
	period TEXT NOT NULL,			-- the ledger period it was posted in
	taken_by TEXT NOT NULL,			-- principal
	allocated_fen BIGINT NOT NULL DEFAULT 0, -- the sum of its allocations
	state TEXT NOT NULL,			-- posted, reversed
	note TEXT NOT NULL DEFAULT '',
	reversed_at TEXT,
	reverse_reason TEXT,
	UNIQUE (channel, channel_ref)
);
CREATE INDEX payment_household ON payment (household_id, state, id);

-- A refund of a household's credit, paid out once a second person approved
-- it (the approval records who asked and why).
CREATE TABLE refund (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	amount_fen BIGINT NOT NULL,		-- > 0
	channel TEXT NOT NULL,			-- cash, bank_transfer
	reason TEXT NOT NULL,
	paid_at TEXT NOT NULL,
	paid_by TEXT NOT NULL			-- principal of the approver
);
CREATE INDEX refund_household ON refund (household_id, id);

-- Which money of which payment settled which charge or refund.  Rows never
-- change: a reversal is a row of the opposite sign pointing at the one it
-- undoes.  The policy that chose the charge is named on each row.
CREATE TABLE allocation (
	id {{ID}},
	payment_id BIGINT NOT NULL REFERENCES payment (id),
	charge_id BIGINT REFERENCES charge (id),
	refund_id BIGINT REFERENCES refund (id),
	amount_fen BIGINT NOT NULL,
	policy TEXT NOT NULL,			-- oldest_due_first, reversal, refund
	reverses_id BIGINT REFERENCES allocation (id),
	journal_id BIGINT NOT NULL REFERENCES journal (id),
	created_at TEXT NOT NULL
);
CREATE INDEX allocation_payment ON allocation (payment_id, id);
CREATE INDEX allocation_charge ON allocation (charge_id);

-- Receipt books: paper books received from the finance bureau and handed to
-- a clerk, and the electronic series per channel and year (last_no NULL).
-- Numbers are taken in order, without gaps or reuse, in the payment's
-- transaction.
CREATE TABLE receipt_book (
	id {{ID}},
	kind TEXT NOT NULL,			-- paper, electronic
	series TEXT NOT NULL UNIQUE,
	first_no BIGINT NOT NULL,
	last_no BIGINT,
	next_no BIGINT NOT NULL,
	received_on TEXT NOT NULL,		-- YYYY-MM-DD
	received_by TEXT NOT NULL,		-- who received it from the finance bureau
	clerk_account_id BIGINT REFERENCES account (id),
	handed_at TEXT,
	state TEXT NOT NULL,			-- stock, open, used_up, written_off
	written_off_at TEXT,
	created_at TEXT NOT NULL
);
CREATE INDEX receipt_book_clerk ON receipt_book (clerk_account_id, state, id);

CREATE TABLE receipt (
	id {{ID}},
	book_id BIGINT NOT NULL REFERENCES receipt_book (id),
	number BIGINT NOT NULL,
	payment_id BIGINT NOT NULL UNIQUE REFERENCES payment (id),
	token TEXT NOT NULL UNIQUE,		-- for GET /r/{token}
	state TEXT NOT NULL,			-- issued, voided
	issued_at TEXT NOT NULL,
	issued_by TEXT NOT NULL,
	voided_at TEXT,
	void_reason TEXT,
	UNIQUE (book_id, number)
);
