-- Indexes for the ledger check (`anju ledger check`, src/money/check.c),
-- which must prove a book of 10,000,000 entries in under 20 s (issue 5 §7).
--
-- The check aggregates every journal entry twice, by journal and by
-- (account, period), and every allocation by charge and by payment.  With
-- the summed columns in the index those passes read the index alone instead
-- of looking each row up in the table (on SQLite over 10,000,000 entries
-- about 2.5 s a pass instead of 7 s).  The indexes keep their names and
-- leading columns, so every other query uses them as before, and a table
-- still has as many indexes to keep up on insert.
DROP INDEX journal_entry_journal;
CREATE INDEX journal_entry_journal ON journal_entry (journal_id, period, amount_fen);
DROP INDEX journal_entry_account;
CREATE INDEX journal_entry_account ON journal_entry (account_id, period, amount_fen);
-- Entries of 0 fen, which no journal may have: an index that stays empty,
-- so the check finds them without reading the entries again.
CREATE INDEX journal_entry_zero ON journal_entry (journal_id) WHERE amount_fen = 0;
DROP INDEX allocation_charge;
CREATE INDEX allocation_charge ON allocation (charge_id, amount_fen);
DROP INDEX allocation_payment;
CREATE INDEX allocation_payment ON allocation (payment_id, id, amount_fen, charge_id);

-- The reversals of an allocation: found by the check (no row is reversed
-- twice) and by undoing a payment's or a charge's allocations (only rows not
-- yet reversed), which without it read the whole table for every row.  Only
-- reversal rows are indexed.
CREATE INDEX allocation_reverses ON allocation (reverses_id) WHERE reverses_id IS NOT NULL;
