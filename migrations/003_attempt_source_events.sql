-- The floor events whose quantities an attempted posting carries, so every ERP document
-- can be traced back to the events that caused it; and what of the posting the ERP
-- could not hold (e.g. scrap on an ERP that keeps none), said plainly.
ALTER TABLE erp_transaction_attempts ADD COLUMN source_event_ids jsonb NOT NULL DEFAULT '[]';
ALTER TABLE erp_transaction_attempts ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';
