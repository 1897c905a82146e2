-- Move-in and move-out (入住, 退出, issue 6 §5): a lease's handover
-- checklists, and the settlement of the deposit (履约保证金) at exit.
-- Owned by src/tenancy/handover.c and deposit.c (docs/tenancy.md).

-- One checklist per lease and kind.  A draft is edited on the spot (on a
-- phone in the stairwell); completing it moves the unit (allocated →
-- occupied at move-in; occupied → vacant, or under repair, at move-out) and
-- at move-out ends the lease and asks for the deposit settlement.
CREATE TABLE handover (
	id {{ID}},
	lease_id BIGINT NOT NULL REFERENCES lease (id),
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	unit_id BIGINT NOT NULL REFERENCES unit (id),
	community_id BIGINT NOT NULL REFERENCES community (id),
	kind TEXT NOT NULL,			-- move_in, move_out
	state TEXT NOT NULL,			-- draft, done
	meters TEXT NOT NULL DEFAULT '{}',	-- JSON {"water": "123.4", "electricity": ..., "gas": ...}
	keys_handed INTEGER NOT NULL DEFAULT 0,	-- keys handed over (to the tenant, or back)
	note TEXT NOT NULL DEFAULT '',
	tenant_agrees INTEGER,			-- move-out: 1 the tenant agrees that open charges are
						-- settled from the deposit, 0 not, NULL not yet asked
	repair INTEGER NOT NULL DEFAULT 0,	-- move-out: the unit goes under repair once vacated
	refund_channel TEXT,			-- move-out: cash, bank_transfer
	done_on TEXT,				-- YYYY-MM-DD
	done_by TEXT,				-- principal
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (lease_id, kind)
);
CREATE INDEX handover_chain ON handover (chain_id, kind);
CREATE INDEX handover_household ON handover (household_id, id);
CREATE INDEX handover_unit ON handover (unit_id, id);
CREATE INDEX handover_community ON handover (community_id, state, id);

-- The lines of a checklist: the unit's assets (asset_id) and what else was
-- looked at.  A move-out line keeps the condition the move-in recorded
-- (before_condition), so the two are seen side by side.
CREATE TABLE handover_item (
	id {{ID}},
	handover_id BIGINT NOT NULL REFERENCES handover (id),
	seq INTEGER NOT NULL,
	asset_id BIGINT REFERENCES asset (id),
	name TEXT NOT NULL,
	condition TEXT NOT NULL,		-- good, worn, damaged, missing
	before_condition TEXT,			-- move-out: the move-in condition (NULL: none)
	before_note TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	deduction_fen BIGINT NOT NULL DEFAULT 0, -- move-out: proposed deduction for damage
	UNIQUE (handover_id, seq)
);

-- The deposit settled at move-out: proposed when the move-out is completed
-- (figures at that moment), carried out when a second person approves the
-- request (approval kind deposit.settle), with the figures of that moment.
-- A rejected or withdrawn request may be asked again: one row per request.
CREATE TABLE deposit_settlement (
	id {{ID}},
	handover_id BIGINT NOT NULL REFERENCES handover (id),
	chain_id BIGINT NOT NULL REFERENCES lease_chain (id),
	household_id BIGINT NOT NULL REFERENCES household (id),
	deposit_fen BIGINT NOT NULL,		-- the deposit received and held
	deductions_fen BIGINT NOT NULL,		-- the checklist's deductions
	open_fen BIGINT NOT NULL,		-- other charges owed
	credit_fen BIGINT NOT NULL,		-- the household's credit before
	tenant_agrees INTEGER NOT NULL,
	refund_fen BIGINT NOT NULL,		-- what is paid back
	owed_after_fen BIGINT NOT NULL,		-- what the household still owes after it
	channel TEXT NOT NULL,			-- cash, bank_transfer
	state TEXT NOT NULL,			-- requested, approved, rejected, canceled
	approval_id BIGINT,
	deduction_charge_id BIGINT REFERENCES charge (id),
	refund_id BIGINT REFERENCES refund (id),
	requested_by TEXT NOT NULL,
	requested_at TEXT NOT NULL,
	settled_by TEXT,
	settled_at TEXT
);
CREATE INDEX deposit_settlement_handover ON deposit_settlement (handover_id, id);
