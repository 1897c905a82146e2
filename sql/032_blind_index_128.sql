-- Blind indexes are now the first 128 bits (32 hex digits) of their
-- HMAC-SM3 (access/pii.h): the whole 256 bits made the person table's two
-- random-keyed indexes twice the size, and an import of 100,000 households
-- into a million rewrote them nearly whole.  The stored ones are cut to the
-- same start, which is what pii_index() now gives for their values; a value
-- already cut is left alone.  A bank line's identity (h:<hash>:<n>) keeps
-- hashing the whole HMAC, so it does not change.
UPDATE person SET id_number_index = substr(id_number_index, 1, 32)
	WHERE length(id_number_index) > 32;
UPDATE person SET phone_index = substr(phone_index, 1, 32)
	WHERE length(phone_index) > 32;
UPDATE dataset_record SET id_index = substr(id_index, 1, 32)
	WHERE length(id_index) > 32;
UPDATE payer_account SET number_index = substr(number_index, 1, 32)
	WHERE length(number_index) > 32;
UPDATE withholding_item SET number_index = substr(number_index, 1, 32)
	WHERE length(number_index) > 32;
UPDATE bank_line SET counterparty_index = substr(counterparty_index, 1, 32)
	WHERE length(counterparty_index) > 32;
