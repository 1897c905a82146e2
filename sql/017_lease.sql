-- Leases (issue 6, part D): a lease chain links a tenancy's leases (the
-- first one, its renewals and its changes); money keys on the chain
-- (charge.source_type 'lease_chain').  States and rules: docs/tenancy.md
-- and src/tenancy/lease.h.  Dates are civil dates (YYYY-MM-DD), instants
-- UTC text, money integer fen.

CREATE TABLE lease_chain (
	id {{ID}},
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),	-- the unit of its newest lease
	community_id BIGINT NOT NULL REFERENCES community (id),
	state TEXT NOT NULL,			-- open, ended
	started_on TEXT NOT NULL,		-- the first lease's starts_on
	ended_on TEXT,				-- the last day of the tenancy
	created_at TEXT NOT NULL
);
CREATE INDEX lease_chain_household ON lease_chain (household_id, state);
CREATE INDEX lease_chain_unit ON lease_chain (unit_id, state);

-- One contract.  A lease is in force on a date d when its state is signed
-- or in_force and starts_on <= d <= COALESCE(ended_on, ends_on); ended_on
-- (the last day, never after ends_on) is set when it ends early (move-out,
-- eviction) or is followed by a change.  Two leases of one unit or of one
-- household in states signed, in_force or ended never overlap.
CREATE TABLE lease (
	id {{ID}},
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	seq INTEGER NOT NULL,			-- 1, 2, ... in the chain
	kind TEXT NOT NULL,			-- new, renewal, change
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	tenant_person_id BIGINT NOT NULL REFERENCES person (id),
	community_name TEXT NOT NULL,		-- as printed on the contract, for lists and the public check
	unit_number TEXT NOT NULL,
	state TEXT NOT NULL,			-- draft, signed, in_force, ended, void
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	ended_on TEXT,
	end_reason TEXT,
	monthly_rent_fen BIGINT NOT NULL,
	rent_rule_version BIGINT,		-- the rent standard's version (the rent issue); NULL: entered by the clerk
	deposit_fen BIGINT NOT NULL,
	policy_version BIGINT,			-- tenancy_rule id of the policy the term was checked against
	existing INTEGER NOT NULL DEFAULT 0,	-- 存量合同录入: a paper lease entered afterwards
	existing_reason TEXT,
	offer_id BIGINT,			-- the accepted offer (new tenancies)
	application_id BIGINT,			-- the offer's application
	previous_id BIGINT REFERENCES lease (id),	-- the lease a renewal or change follows
	change_kind TEXT,			-- members, tenant, unit
	change_detail TEXT,			-- JSON {before, after, reason}
	members TEXT NOT NULL DEFAULT '[]',	-- JSON: the household's members on the contract (person_id, relationship)
	signed_on TEXT,
	signature_kind TEXT,			-- scan, onscreen
	signature_attachment_id BIGINT,
	witness_principal TEXT,			-- the staff member who witnessed the signature
	witness_name TEXT,
	filed_on TEXT,				-- 备案 (art. 17)
	filing_ref TEXT,
	filing_due_on TEXT,
	contract_template TEXT NOT NULL,	-- "v1"
	contract_version INTEGER NOT NULL DEFAULT 0,	-- 0: no document issued yet; numbered per chain
	contract_hash TEXT,			-- SHA-256 of the issued PDF (files store)
	contract_attachment_id BIGINT,		-- the issued PDF as an attachment of the lease
	contract_doc TEXT,			-- JSON: what the issued PDF shows (masked)
	contract_issued_on TEXT,
	verify_token TEXT NOT NULL UNIQUE,	-- /l/{token}: 32 hex digits
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (chain_id, seq)
);
CREATE INDEX lease_unit_state ON lease (unit_id, state, starts_on);
CREATE INDEX lease_household_state ON lease (household_id, state, starts_on);
CREATE INDEX lease_state_ends ON lease (state, ends_on);
CREATE INDEX lease_community ON lease (community_id, state, id);
CREATE INDEX lease_filing ON lease (filed_on, filing_due_on);
CREATE INDEX lease_previous ON lease (previous_id);
