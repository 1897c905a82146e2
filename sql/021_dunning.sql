-- Arrears, dunning (催缴), the arrears referral to the bureau and the SMS
-- outbox (issue 7, part B).  Arrears themselves are not stored: they are
-- read from the money core's charges (src/rent/rent.h arrears_of_chain).
-- These tables say what was done about them.  See docs/rent-dunning.md.

-- The configurable levels of dunning, in the order of days past due of the
-- oldest unpaid rent: a reminder, a formal notice, a final notice.
CREATE TABLE dunning_level (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,		-- reminder, formal, final ...
	name TEXT NOT NULL,			-- zh-CN
	days_past_due INTEGER NOT NULL,		-- reached when the oldest unpaid rent is this late
	channel TEXT NOT NULL,			-- sms, phone, letter, visit: the default action
	template TEXT NOT NULL,			-- the message; {community} {unit} {months} {amount} {as_of} {oldest_due_on} {level}
	active INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);

INSERT INTO dunning_level (code, name, days_past_due, channel, template, updated_at, updated_by)
VALUES
	('reminder', '催缴提醒', 10, 'sms',
	 '【公租房】您好，您承租的{community}{unit}号公租房截至{as_of}尚欠租金{months}个月，合计{amount}元，请尽快缴纳。已缴纳的请忽略本短信。',
	 '2026-01-01T00:00:00.000000Z', 'system'),
	('formal', '正式催缴通知', 30, 'letter',
	 '您承租的{community}{unit}号公租房截至{as_of}累计欠缴租金{months}个月，合计人民币{amount}元。请自收到本通知之日起十五日内缴清。',
	 '2026-01-01T00:00:00.000000Z', 'system'),
	('final', '最后催告', 90, 'letter',
	 '您承租的{community}{unit}号公租房截至{as_of}累计欠缴租金{months}个月，合计人民币{amount}元。累计欠缴满六个月的，将依照《公共租赁住房管理办法》第二十九条报请住房保障部门处理。',
	 '2026-01-01T00:00:00.000000Z', 'system');

-- The numbers of the dunning policy: one row.  referral_months: the months
-- owed (art. 29: cumulative) at which a referral is proposed to the bureau.
CREATE TABLE dunning_policy (
	id INTEGER PRIMARY KEY,			-- always 1
	referral_months INTEGER NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
INSERT INTO dunning_policy (id, referral_months, updated_at, updated_by)
VALUES (1, 6, '2026-01-01T00:00:00.000000Z', 'system');

-- One case per lease chain that owes rent, open until it owes nothing.
-- The arrears columns are what the last check saw.
CREATE TABLE dunning_case (
	id {{ID}},
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	state TEXT NOT NULL,			-- open, closed
	level TEXT,				-- dunning_level.code reached; NULL before the first
	level_at TEXT,				-- when it was reached
	opened_on TEXT NOT NULL,		-- civil date
	opened_at TEXT NOT NULL,
	closed_on TEXT,
	closed_at TEXT,
	close_reason TEXT,			-- paid
	months_owed INTEGER NOT NULL DEFAULT 0,
	owed_fen BIGINT NOT NULL DEFAULT 0,
	oldest_due_on TEXT,
	checked_on TEXT NOT NULL,		-- the as-of date of the last check
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX dunning_case_open_chain ON dunning_case (chain_id) WHERE state = 'open';
CREATE INDEX dunning_case_state ON dunning_case (state, community_id, id);
CREATE INDEX dunning_case_household ON dunning_case (household_id, id);

-- What was done to collect, as evidence: a message, a call, a letter, a
-- visit, a failed withholding.  case_id NULL: a note about a household that
-- owed nothing when it was made.
CREATE TABLE dunning_action (
	id {{ID}},
	case_id BIGINT REFERENCES dunning_case (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	channel TEXT NOT NULL,			-- sms, phone, letter, visit, withholding
	result TEXT NOT NULL,
	level TEXT,				-- the case's level when it was done
	note TEXT NOT NULL DEFAULT '',
	acted_at TEXT NOT NULL,			-- UTC
	actor TEXT NOT NULL,			-- principal, or "system"
	actor_name TEXT,
	auto INTEGER NOT NULL DEFAULT 0,	-- 1: done by the system on reaching a level
	attachment_id BIGINT REFERENCES attachment (id),
	outbox_id BIGINT,			-- the SMS it sent
	notice_id BIGINT,			-- the notice it printed
	created_at TEXT NOT NULL
);
CREATE INDEX dunning_action_case ON dunning_action (case_id, id);
CREATE INDEX dunning_action_household ON dunning_action (household_id, id);

-- Notices (催缴通知书) as printed: the PDF is an attachment of the case,
-- kept by its hash.
CREATE TABLE dunning_notice (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES dunning_case (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	level TEXT,
	number TEXT NOT NULL,			-- 催缴〔2026〕第 12 号
	issued_on TEXT NOT NULL,		-- the date printed on it
	months_owed INTEGER NOT NULL,
	owed_fen BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	attachment_id BIGINT NOT NULL REFERENCES attachment (id),
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL
);
CREATE INDEX dunning_notice_case ON dunning_notice (case_id, id);

-- The system's proposal that the bureau refer a household for eviction
-- (art. 29), and the bureau's decision: proposed -> referred (the eviction
-- opened) | dismissed; withdrawn when the months owed fell below the
-- threshold before anyone decided.
CREATE TABLE arrears_referral (
	id {{ID}},
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	case_id BIGINT REFERENCES dunning_case (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	state TEXT NOT NULL,			-- proposed, referred, dismissed, withdrawn
	months_owed INTEGER NOT NULL,
	owed_fen BIGINT NOT NULL,
	threshold INTEGER NOT NULL,		-- the policy's referral_months when proposed
	proposed_on TEXT NOT NULL,
	proposed_at TEXT NOT NULL,
	decided_at TEXT,
	decided_by TEXT,			-- principal (bureau)
	decided_by_name TEXT,
	reason TEXT,
	eviction_id BIGINT,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX arrears_referral_proposed ON arrears_referral (chain_id) WHERE state = 'proposed';
CREATE INDEX arrears_referral_state ON arrears_referral (state, community_id, id);
CREATE INDEX arrears_referral_chain ON arrears_referral (chain_id, id);

-- Messages to people, written in the transaction of what caused them and
-- sent after commit by the outbox job.  The phone is never here: it is
-- read from the person (sealed) when sending.
CREATE TABLE outbox_message (
	id {{ID}},
	channel TEXT NOT NULL,			-- sms
	person_id BIGINT NOT NULL REFERENCES person (id),
	community_id BIGINT,			-- the person's household's, for scope
	text TEXT NOT NULL,
	state TEXT NOT NULL,			-- pending, sent, failed
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,		-- UTC; also the claim of a send in progress
	last_error TEXT,
	source_type TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	sent_at TEXT,
	failed_at TEXT,
	updated_at TEXT NOT NULL
);
CREATE INDEX outbox_message_due ON outbox_message (state, next_attempt_at);
CREATE INDEX outbox_message_source ON outbox_message (source_type, source_id);

-- The sender of a channel: an HTTP webhook.  The secret is sealed
-- (access/pii.h) and signs each request (HMAC-SHA256).
CREATE TABLE outbox_sender (
	channel TEXT PRIMARY KEY,
	url TEXT NOT NULL DEFAULT '',		-- '' : not configured, messages wait
	secret_sealed TEXT,
	timeout_seconds INTEGER NOT NULL DEFAULT 10,
	max_attempts INTEGER NOT NULL DEFAULT 5,
	backoff_seconds INTEGER NOT NULL DEFAULT 10,
	enabled INTEGER NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL
);
INSERT INTO outbox_sender (channel, updated_at, updated_by)
VALUES ('sms', '2026-01-01T00:00:00.000000Z', 'system');
