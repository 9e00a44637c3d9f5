-- A refused input keeps at most its first 4 KiB; its whole size and SHA-256 say what it
-- was, so a flood of large refused bodies cannot fill the database, and the same payload
-- sent again can still be recognised.
ALTER TABLE rejected_inputs ADD COLUMN payload_bytes integer;
ALTER TABLE rejected_inputs ADD COLUMN payload_sha256 text;
CREATE INDEX rejected_inputs_by_source ON rejected_inputs (source, id DESC);
