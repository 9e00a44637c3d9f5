-- How the floor's totals became the posting's amounts (unit conversion, rounding, what was
-- already carried), in words, so an auditor can follow each ERP document back to the floor.
ALTER TABLE erp_transaction_attempts ADD COLUMN transformation text;
