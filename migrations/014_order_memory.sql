-- What an order closed with, kept beyond Temporal's retention: the state a late event
-- reopens it from (event digests for de-duplication, the posting sequence and its keys,
-- the ERP documents for reversals) once Temporal no longer has the closed run.
CREATE TABLE order_memory (
  workflow_id  text        PRIMARY KEY,
  state        jsonb       NOT NULL,
  state_bytes  integer     NOT NULL,
  closed_at    timestamptz NOT NULL DEFAULT now()
);
