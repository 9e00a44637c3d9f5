-- Which worker process made the attempt (host:pid), for following a problem to a machine.
ALTER TABLE erp_transaction_attempts ADD COLUMN worker text;
