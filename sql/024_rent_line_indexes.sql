-- rent_line's indexes on run_id and (chain_id, period) served no query: a
-- run's lines and a chain's month are read through charge's key.  Each cost
-- a b-tree insert per billed chain in the monthly run.
DROP INDEX rent_line_run;
DROP INDEX rent_line_chain;
