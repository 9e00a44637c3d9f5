-- One row per attempt to carry a posting into an ERP: what was posted, what was sent,
-- what came back, and how it ended. Written by the posting activity; never holds secrets.
CREATE TABLE erp_transaction_attempts (
  id               bigserial PRIMARY KEY,
  workflow_id      text        NOT NULL,
  plant            text        NOT NULL,
  production_order text        NOT NULL,
  erp_system       text        NOT NULL,
  posting_sequence integer     NOT NULL,
  posting_kind     text        NOT NULL,
  idempotency_key  text        NOT NULL,
  attempt          integer     NOT NULL,
  -- The posting as the transformation produced it (references, quantity, unit, date).
  posting          jsonb       NOT NULL,
  -- The HTTP exchanges of this attempt: method, path, status, request and response bodies.
  exchanges        jsonb       NOT NULL,
  outcome          text        NOT NULL CHECK (outcome IN ('posted', 'found-existing', 'retryable-error', 'needs-person')),
  erp_document_id  text,
  error_type       text,
  error_message    text,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz NOT NULL,
  duration_ms      integer     NOT NULL
);

CREATE INDEX erp_transaction_attempts_by_order ON erp_transaction_attempts (plant, production_order, id);
CREATE INDEX erp_transaction_attempts_by_key ON erp_transaction_attempts (idempotency_key);
