-- Rent collection (issue 7, part C): the households' own bank accounts,
-- batch withholding (代扣) through the banks' files, and online payments
-- confirmed by the channels' signed callbacks.  Every amount received
-- becomes a payment of the money core (sql/012_money.sql); these tables only
-- say why.  See src/rent/collection.h and docs/rent-collection.md.

-- A household's own bank account.  The number is personal data: sealed
-- (access/pii.h) with its blind index pii_index("bank_account", digits)
-- beside it, never stored in clear.  At most one active withholding account
-- per household, and only with the tenant's signed authorisation (a date,
-- an attachment of the household, or both).  source: manual (staff), or
-- statement (learned from a confirmed bank match, part D).
CREATE TABLE payer_account (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	holder_name TEXT NOT NULL DEFAULT '',
	bank_name TEXT NOT NULL DEFAULT '',
	bank_code TEXT,				-- withholding_bank.code, required for withholding
	number_sealed TEXT NOT NULL,
	number_index TEXT NOT NULL,
	withholding INTEGER NOT NULL DEFAULT 0,	-- 1: the account withholding draws on
	authorized_on TEXT,			-- YYYY-MM-DD the tenant signed the authorisation
	authorization_file_id BIGINT REFERENCES attachment (id),
	source TEXT NOT NULL,			-- manual, statement
	state TEXT NOT NULL,			-- active, disabled
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,		-- principal
	updated_at TEXT NOT NULL,
	UNIQUE (household_id, number_index)
);
CREATE INDEX payer_account_number ON payer_account (number_index, state);
CREATE UNIQUE INDEX payer_account_withholding ON payer_account (household_id)
	WHERE withholding = 1 AND state = 'active';

-- Reveals of full account numbers per principal and hour, for the limit
-- (config reveal_per_hour); each reveal is also audited.
CREATE TABLE payer_reveal_count (
	principal TEXT NOT NULL,
	hour TEXT NOT NULL,			-- "2026-11-28T07"
	n INTEGER NOT NULL,
	PRIMARY KEY (principal, hour)
);

-- A bank that withholds rent, with its two file layouts as data (JSON, see
-- withholding.c): the file anju sends and the result file the bank returns.
CREATE TABLE withholding_bank (
	code TEXT PRIMARY KEY,			-- [a-z][a-z0-9_]{1,31}
	name TEXT NOT NULL,
	export_layout TEXT NOT NULL,
	result_layout TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- One withholding file for a bank and a period: open until every item has
-- its result (then done), or cancelled before any result.  One open batch
-- per bank and period: exporting again returns it.
CREATE TABLE withholding_batch (
	id {{ID}},
	bank_code TEXT NOT NULL REFERENCES withholding_bank (code),
	period TEXT NOT NULL,			-- YYYY-MM
	state TEXT NOT NULL,			-- open, done, cancelled
	items INTEGER NOT NULL,
	total_fen BIGINT NOT NULL,
	succeeded INTEGER NOT NULL DEFAULT 0,
	succeeded_fen BIGINT NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	file_name TEXT NOT NULL,
	file_sha256 TEXT NOT NULL,		-- of the exported bytes
	file_size BIGINT NOT NULL,
	encoding TEXT NOT NULL,			-- utf8, gb18030
	layout TEXT NOT NULL,			-- the export layout used, so the file can be made again
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	finished_at TEXT
);
CREATE UNIQUE INDEX withholding_batch_open ON withholding_batch (bank_code, period)
	WHERE state = 'open';
CREATE INDEX withholding_batch_period ON withholding_batch (period, id);

-- One line of a batch: a household, its withholding account at the time of
-- the export (sealed again: the file is made from these rows), the amount.
-- reference is what the bank echoes in its result file.
CREATE TABLE withholding_item (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES withholding_batch (id),
	seq INTEGER NOT NULL,			-- the line in the file, from 1
	reference TEXT NOT NULL UNIQUE,		-- "WH<batch>-<seq>"
	household_id BIGINT NOT NULL REFERENCES household (id),
	payer_account_id BIGINT NOT NULL REFERENCES payer_account (id),
	holder_name TEXT NOT NULL,
	number_sealed TEXT NOT NULL,
	number_index TEXT NOT NULL,		-- pii_index("bank_account", digits)
	amount_fen BIGINT NOT NULL,		-- > 0
	state TEXT NOT NULL,			-- pending, succeeded, failed
	bank_ref TEXT,				-- the bank's transaction reference
	reason TEXT,				-- the bank's reason of a failure
	payment_id BIGINT REFERENCES payment (id),
	dunning_case_id BIGINT,			-- the case a failure was noted on (part B), 0 none
	result_id BIGINT,			-- the result import that settled it
	settled_at TEXT,
	UNIQUE (batch_id, seq),
	UNIQUE (batch_id, household_id)
);
CREATE INDEX withholding_item_household ON withholding_item (household_id, id);

-- A bank's result file for a batch: validated whole before anything is
-- applied; applied in the request, or by the job "withholding_import" when
-- large (the file is kept here until then).  A file with a bad row is
-- recorded as rejected with its row errors, and nothing of it is applied.
CREATE TABLE withholding_result (
	id {{ID}},
	batch_id BIGINT NOT NULL REFERENCES withholding_batch (id),
	file_sha256 TEXT NOT NULL,
	file_size BIGINT NOT NULL,
	data TEXT,				-- base64 of the file while a job applies it
	rows INTEGER NOT NULL,
	succeeded INTEGER NOT NULL DEFAULT 0,	-- items newly settled by this import
	failed INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,	-- rows already applied by an earlier import
	state TEXT NOT NULL,			-- applying, applied, failed, rejected
	job_id BIGINT REFERENCES job (id),
	errors TEXT NOT NULL DEFAULT '[]',	-- rejected: JSON [{line, column, field, reason}]
	error TEXT,				-- failed: why
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	finished_at TEXT
);
CREATE INDEX withholding_result_batch ON withholding_result (batch_id, id);

-- An online payment channel (a payment platform).  Its secret signs the
-- callbacks; sealed at rest like personal data (and re-sealed by a key
-- rotation), shown once when made.
CREATE TABLE payment_channel (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,		-- [a-z][a-z0-9_]{1,31}, in the callback's URL
	name TEXT NOT NULL,
	secret_sealed TEXT NOT NULL,
	window_seconds INTEGER NOT NULL DEFAULT 300,
	enabled INTEGER NOT NULL DEFAULT 1,
	secret_set_at TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- What a household is asked to pay online: the order number the payment
-- platform carries back in its callback, and the amount it must pay.
CREATE TABLE online_order (
	id {{ID}},
	number TEXT NOT NULL UNIQUE,		-- "OL" + 12 digits
	household_id BIGINT NOT NULL REFERENCES household (id),
	amount_fen BIGINT NOT NULL,		-- > 0
	state TEXT NOT NULL,			-- open, paid, cancelled
	payment_id BIGINT REFERENCES payment (id),
	channel_code TEXT,			-- who paid it
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	paid_at TEXT,
	cancelled_at TEXT
);
CREATE INDEX online_order_household ON online_order (household_id, id);

-- An accepted callback: unique on (channel, transaction), with the answer it
-- got, so that a repeat gets the same answer and makes no second payment.
CREATE TABLE payment_callback (
	id {{ID}},
	channel_code TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	order_id BIGINT NOT NULL REFERENCES online_order (id),
	amount_fen BIGINT NOT NULL,
	payment_id BIGINT NOT NULL REFERENCES payment (id),
	response TEXT NOT NULL,			-- the JSON answered
	received_at TEXT NOT NULL,
	UNIQUE (channel_code, transaction_id)
);

-- Every callback attempt, accepted or refused, without secrets or
-- signatures: what was claimed and what was answered.
CREATE TABLE payment_callback_attempt (
	id {{ID}},
	channel_code TEXT NOT NULL,
	at TEXT NOT NULL,
	client TEXT NOT NULL,
	status INTEGER NOT NULL,		-- the HTTP status answered
	outcome TEXT NOT NULL,			-- accepted, replayed, or the error's code
	transaction_id TEXT,
	order_number TEXT,
	amount_fen BIGINT,
	body_sha256 TEXT NOT NULL
);
CREATE INDEX payment_callback_attempt_channel ON payment_callback_attempt (channel_code, id);
