-- Reconciliation (issue 7 §5, rent part D): our bank accounts and the
-- column layout of each bank's statement files, statement imports and
-- their lines, the matching of lines to households (rules, tolerance,
-- suggestions), the daily comparison of the bank balance with the ledger,
-- and the owners' side: cash remitted to the special account and payments
-- out of it.  Money is integer fen; dates civil (YYYY-MM-DD), instants UTC
-- text.  docs/rent-reconciliation.md describes the rules.

-- The column layout of a bank's statement files, as data: 1-based column
-- numbers (NULL: the file has no such column), the date's format, header
-- rows to skip and the encoding.  Amounts come either from one signed
-- column (money in > 0) or from a credit (in) and a debit (out) column.
CREATE TABLE bank_format (
	id {{ID}},
	bank_code TEXT NOT NULL UNIQUE,		-- "icbc", "ccb" ...
	bank_name TEXT NOT NULL,		-- 中国工商银行 ...
	encoding TEXT NOT NULL,			-- utf8, gb18030, auto
	skip_rows INTEGER NOT NULL,		-- rows before the first line (headers, titles)
	date_format TEXT NOT NULL,		-- YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD
	col_serial INTEGER,			-- the bank's serial number (流水号)
	col_date INTEGER NOT NULL,
	col_amount INTEGER,			-- signed amount, money in > 0
	col_credit INTEGER,			-- 贷方发生额: money in
	col_debit INTEGER,			-- 借方发生额: money out
	col_counterparty_account INTEGER,	-- 对方账号
	col_counterparty_name INTEGER,		-- 对方户名
	col_remark INTEGER,			-- 摘要 / 附言
	col_balance INTEGER,			-- 余额 after the line
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Our own accounts (the special rent account and any other).  Our account
-- numbers are not personal data.  ledger_kind names the ledger account its
-- balance is compared with.
CREATE TABLE bank_account (
	id {{ID}},
	name TEXT NOT NULL,			-- 保障房租金专户
	account_no TEXT NOT NULL UNIQUE,	-- digits
	format_id BIGINT NOT NULL REFERENCES bank_format (id),
	ledger_kind TEXT NOT NULL,		-- special_rent, bank
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- One statement file imported into a bank account (a job).  The file is
-- kept sealed in bank_statement_part until the job has read it.
CREATE TABLE bank_statement (
	id {{ID}},
	bank_account_id BIGINT NOT NULL REFERENCES bank_account (id),
	file_name TEXT NOT NULL DEFAULT '',
	encoding TEXT NOT NULL,			-- asked for: utf8, gb18030, auto; then the one found
	state TEXT NOT NULL,			-- importing, done, failed
	size BIGINT NOT NULL,
	rows_read INTEGER NOT NULL DEFAULT 0,	-- lines of money in the file
	lines_new INTEGER NOT NULL DEFAULT 0,	-- added (the rest were known: an overlap or a re-import)
	error_rows INTEGER NOT NULL DEFAULT 0,
	matched INTEGER NOT NULL DEFAULT 0,	-- of the new lines, matched at import
	suspense_fen BIGINT NOT NULL DEFAULT 0,	-- put into suspense at import
	first_on TEXT,				-- the dates the file covers
	last_on TEXT,
	failure TEXT,
	job_id BIGINT REFERENCES job (id),
	created_by TEXT NOT NULL,		-- principal
	created_by_name TEXT NOT NULL,
	created_at TEXT NOT NULL,
	finished_at TEXT
);
CREATE INDEX bank_statement_account ON bank_statement (bank_account_id, id);

CREATE TABLE bank_statement_part (
	statement_id BIGINT NOT NULL REFERENCES bank_statement (id),
	seq INTEGER NOT NULL,
	sealed TEXT NOT NULL,			-- pii_seal() of a piece of the file
	PRIMARY KEY (statement_id, seq)
);

-- A file's bad rows: nothing of a file with any is published.
CREATE TABLE bank_statement_error (
	statement_id BIGINT NOT NULL REFERENCES bank_statement (id),
	seq INTEGER NOT NULL,
	row_no INTEGER NOT NULL,		-- the file's line, 0 for the whole file
	col TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	PRIMARY KEY (statement_id, seq)
);

-- One line of a bank statement.  identity: "s:<serial>" when the format has
-- a serial column, else "h:<the first 32 hex digits of the SM3 of account,
-- date, amount, counterparty (its blind index), remark>:<occurrence among
-- identical lines of the file>", unique per account, so a re-import or an overlapping export adds
-- nothing.  The counterparty's account number is personal data: sealed,
-- blind index pii_index("bank_account", digits), masked.
CREATE TABLE bank_line (
	id {{ID}},
	bank_account_id BIGINT NOT NULL REFERENCES bank_account (id),
	statement_id BIGINT NOT NULL REFERENCES bank_statement (id),
	identity TEXT NOT NULL,
	row_no INTEGER NOT NULL,
	line_seq INTEGER NOT NULL,		-- its place in the statement, oldest first
	serial TEXT,
	posted_on TEXT NOT NULL,
	amount_fen BIGINT NOT NULL,		-- money in > 0, out < 0
	balance_fen BIGINT,			-- the statement's balance after it, when given
	counterparty_sealed TEXT,
	counterparty_index TEXT,
	counterparty_masked TEXT NOT NULL DEFAULT '',
	counterparty_name TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	payer_household_id BIGINT REFERENCES household (id),	-- whose known payer account sent it
	state TEXT NOT NULL,			-- unmatched, suggested, matched, ignored (money out)
	tier TEXT,				-- how it was matched: exact_account, exact_reference, exact_unit, confirmed
	household_id BIGINT REFERENCES household (id),
	payment_id BIGINT REFERENCES payment (id),
	linked INTEGER NOT NULL DEFAULT 0,	-- 1: the payment existed (a withholding or online one)
	remittance_id BIGINT,
	in_suspense INTEGER NOT NULL DEFAULT 0,
	undo_count INTEGER NOT NULL DEFAULT 0,	-- matches undone: the next payment's reference is bank:<identity>/<n>
	suspense_journal_id BIGINT REFERENCES journal (id),
	matched_at TEXT,
	matched_by TEXT,
	created_at TEXT NOT NULL,
	UNIQUE (bank_account_id, identity)
);
CREATE INDEX bank_line_state ON bank_line (state, id);
CREATE INDEX bank_line_statement ON bank_line (statement_id, id);
CREATE INDEX bank_line_account_day ON bank_line (bank_account_id, posted_on);
CREATE INDEX bank_line_counterparty ON bank_line (counterparty_index);
CREATE INDEX bank_line_payment ON bank_line (payment_id);
CREATE INDEX bank_line_household ON bank_line (household_id);

-- The words of a line's remark that may be references: unit numbers,
-- payment references (runs of letters, digits and - _ : /).
CREATE TABLE bank_line_token (
	line_id BIGINT NOT NULL REFERENCES bank_line (id),
	token TEXT NOT NULL,
	PRIMARY KEY (line_id, token)
);

-- The matching rules on a line's text, tier 2 (configurable): kind
-- payer_account (a known payer account whose household's open amount
-- differs), unit (a token is a unit number; community_id: only there),
-- head_name (the counterparty's name is the household head's), member_name
-- (any member's).  Each gives its score to its suggestions.
CREATE TABLE match_rule (
	id {{ID}},
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	community_id BIGINT REFERENCES community (id),
	score INTEGER NOT NULL,			-- 1..99
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO match_rule (name, kind, score, created_at, updated_at) VALUES
	('已知付款账户，金额不符', 'payer_account', 90, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
	('附言中的房号', 'unit', 80, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
	('付款人为承租人', 'head_name', 70, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
	('付款人为家庭成员', 'member_name', 60, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');

-- Tier 3 and 4: how far an amount (fen) and a date (days from the newest
-- open due date) may be off.  One row.
CREATE TABLE match_policy (
	id INTEGER PRIMARY KEY,			-- 1
	tolerance_fen BIGINT NOT NULL,
	window_days INTEGER NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
INSERT INTO match_policy (id, tolerance_fen, window_days, updated_at, updated_by)
	VALUES (1, 100, 15, '2026-01-01T00:00:00.000000Z', 'system');

-- Suggested households of a line in suspense, best first.
CREATE TABLE bank_suggestion (
	id {{ID}},
	line_id BIGINT NOT NULL REFERENCES bank_line (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	tier TEXT NOT NULL,			-- exact, rule, tolerance, person
	rule TEXT NOT NULL,			-- the rule's kind or the tier's name
	rule_name TEXT NOT NULL,		-- for people
	score INTEGER NOT NULL,			-- 1..100
	open_fen BIGINT NOT NULL,		-- what the household had open when suggested
	UNIQUE (line_id, household_id)
);

-- The daily comparison of each account's statement balance with the ledger.
CREATE TABLE bank_balance_day (
	bank_account_id BIGINT NOT NULL REFERENCES bank_account (id),
	day TEXT NOT NULL,
	statement_fen BIGINT,			-- the balance of the last line on or before day; NULL: none known
	ledger_fen BIGINT NOT NULL,		-- the ledger account's balance at the end of day
	difference_fen BIGINT,			-- statement - ledger
	unmatched_lines INTEGER NOT NULL,	-- lines in suspense on or before day
	unmatched_fen BIGINT NOT NULL,
	computed_at TEXT NOT NULL,
	PRIMARY KEY (bank_account_id, day)
);

-- Cash collected and remitted to the special account (Dr special_rent /
-- Cr cash, one journal each), for an owner and a period.
CREATE TABLE remittance (
	id {{ID}},
	owner_id BIGINT NOT NULL REFERENCES owner (id),
	period TEXT NOT NULL,
	amount_fen BIGINT NOT NULL,		-- > 0
	remitted_on TEXT NOT NULL,
	reference TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	bank_line_id BIGINT REFERENCES bank_line (id),	-- the statement line of the deposit, when known
	journal_id BIGINT REFERENCES journal (id),	-- set once posted, in the same transaction
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX remittance_owner ON remittance (owner_id, period, id);

-- Payments out of the special account (收支两条线: spending apart from
-- income): operator fees (Dr operator_fees) or other (Dr the named account),
-- Cr special_rent.
CREATE TABLE disbursement (
	id {{ID}},
	purpose TEXT NOT NULL,			-- operator_fee, other
	debit_kind TEXT NOT NULL,		-- the ledger kind debited
	owner_id BIGINT REFERENCES owner (id),
	payee TEXT NOT NULL,
	amount_fen BIGINT NOT NULL,		-- > 0
	paid_on TEXT NOT NULL,
	reference TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	journal_id BIGINT REFERENCES journal (id),	-- set once posted, in the same transaction
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX disbursement_paid ON disbursement (paid_on, id);

-- An exact match found by the matching, waiting for its payment: the
-- payments are taken in chunks after the match (one transaction each), and
-- a line becomes matched with its payment.
CREATE TABLE bank_match_pending (
	line_id BIGINT PRIMARY KEY REFERENCES bank_line (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	payment_id BIGINT REFERENCES payment (id),	-- a linked payment (a reference in the remark)
	rule TEXT NOT NULL,				-- payer_account, reference, unit
	created_at TEXT NOT NULL
);
