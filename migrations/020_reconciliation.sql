-- Reconciliation compares, per order and line, what the floor reported, what the bridge
-- posted and what the ERP holds now. Attempts now name their connection (reconciliation
-- reads a connection's orders from them); in shadow mode an attempt is recorded and not
-- sent: its outcome is 'shadowed'.
ALTER TABLE erp_transaction_attempts ADD COLUMN erp_connection text;
ALTER TABLE erp_transaction_attempts DROP CONSTRAINT erp_transaction_attempts_outcome_check;
ALTER TABLE erp_transaction_attempts ADD CONSTRAINT erp_transaction_attempts_outcome_check
  CHECK (outcome IN ('posted', 'found-existing', 'retryable-error', 'needs-person', 'shadowed'));
CREATE INDEX erp_transaction_attempts_by_connection ON erp_transaction_attempts (erp_connection, finished_at);

-- One row per reconciliation run of a connection, and one per order it compared: the lines
-- (floor, posted, ERP) and the differences found, each with the operator's fix.
CREATE TABLE reconciliation_runs (
  id             text        PRIMARY KEY,
  erp_connection text        NOT NULL,
  shadow         boolean     NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  orders         integer     NOT NULL DEFAULT 0,
  differences    integer     NOT NULL DEFAULT 0,
  -- orders the ERP could not be asked about, and why
  problems       jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX reconciliation_runs_by_connection ON reconciliation_runs (erp_connection, started_at DESC);

CREATE TABLE reconciliation_orders (
  run_id           text    NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
  workflow_id      text    NOT NULL,
  plant            text    NOT NULL,
  production_order text    NOT NULL,
  lines            jsonb   NOT NULL,
  differences      jsonb   NOT NULL,
  difference_count integer NOT NULL,
  PRIMARY KEY (run_id, workflow_id)
);
CREATE INDEX reconciliation_orders_by_order ON reconciliation_orders (workflow_id);

-- A difference an operator had the bridge post: from then on the posting's document is
-- expected to hold `held` in the ERP (what the order's line counts), so no later run
-- reports it again.
CREATE TABLE reconciliation_settled (
  workflow_id      text        NOT NULL,
  posting_sequence integer     NOT NULL,
  held             text        NOT NULL,
  settled_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, posting_sequence)
);
