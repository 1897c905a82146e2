-- Access: people, accounts and their scopes, login failures, sessions, API keys.
-- Personal data is stored sealed (SM4-CTR + HMAC-SM3, access/pii.h) with a
-- keyed blind index (HMAC-SM3) for exact look-up; never in clear.

CREATE TABLE person (
	id {{ID}},
	name TEXT NOT NULL,
	id_number_sealed TEXT,			-- pii_seal() of the 18-character number
	id_number_index TEXT UNIQUE,		-- pii_index("id_number", number)
	phone_sealed TEXT,
	phone_index TEXT,
	created_at TEXT NOT NULL
);
CREATE INDEX person_phone_index ON person (phone_index);

CREATE TABLE account (
	id {{ID}},
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL,
	state TEXT NOT NULL,			-- active, disabled
	password_hash TEXT NOT NULL,		-- argon2id (libsodium's encoded form)
	must_change_password INTEGER NOT NULL DEFAULT 0,
	all_communities INTEGER NOT NULL DEFAULT 0,
	person_id BIGINT REFERENCES person (id),	-- tenants
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	password_changed_at TEXT NOT NULL
);

-- The communities a principal ("account:12", "apikey:3") may see, unless it
-- has all_communities.  Every scoped query joins through here (access/scope.h).
CREATE TABLE scope_grant (
	principal TEXT NOT NULL,
	community_id BIGINT NOT NULL,
	PRIMARY KEY (principal, community_id)
);

-- Failures counted per username string, whether or not such an account exists.
CREATE TABLE login_failure (
	username TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	locked_until TEXT,
	last_failure_at TEXT NOT NULL
);

CREATE TABLE session (
	id {{ID}},
	token_hash TEXT NOT NULL UNIQUE,	-- SHA-256 of the cookie's random token
	csrf_token TEXT NOT NULL,
	account_id BIGINT NOT NULL REFERENCES account (id),
	client TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,		-- the absolute end
	ended_at TEXT
);
CREATE INDEX session_account ON session (account_id);

CREATE TABLE api_key (
	id {{ID}},
	name TEXT NOT NULL,
	prefix TEXT NOT NULL UNIQUE,		-- shown in lists: "ak_3f9c1a2b"
	key_hash TEXT NOT NULL UNIQUE,		-- HMAC-SM3 of the key under keys/apikey.key
	role TEXT NOT NULL,
	all_communities INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at TEXT
);
