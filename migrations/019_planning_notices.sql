-- What the floor was told of each planned order (its workflow, the MES's webhooks): every
-- change the planning sync applies to an order, its components or its routing counts up
-- `changes`; the floor has been told up to `told_changes`, with the status and fingerprint
-- it was told. An order the floor was told of and the ERP then deleted stays, `gone_at`
-- set, until its cancellation has been told. Orders planned before this count as told.
ALTER TABLE planned_orders
  ADD COLUMN changes integer NOT NULL DEFAULT 0,
  ADD COLUMN told_changes integer NOT NULL DEFAULT 0,
  ADD COLUMN told_status text,
  ADD COLUMN told_fingerprint text,
  ADD COLUMN gone_at timestamptz;
CREATE INDEX planned_orders_to_tell ON planned_orders (erp_system, plant) WHERE changes > told_changes;

-- Every message sent to a MES's webhook, with the answer: delivered, refused (4xx: sent
-- no more) or failed (sent again by Temporal's retry). A message delivered once to a
-- destination is not sent to it again.
CREATE TABLE outbound_messages (
  id           bigserial   PRIMARY KEY,
  destination  text        NOT NULL,
  message_id   text        NOT NULL,
  message_type text        NOT NULL,
  plant        text        NOT NULL,
  subject      text        NOT NULL,
  body         jsonb       NOT NULL,
  outcome      text        NOT NULL CHECK (outcome IN ('delivered', 'refused', 'failed')),
  http_status  integer,
  error        text,
  attempt      integer     NOT NULL,
  sent_at      timestamptz NOT NULL DEFAULT now(),
  duration_ms  integer     NOT NULL
);
CREATE INDEX outbound_messages_by_message ON outbound_messages (destination, message_id);
CREATE INDEX outbound_messages_by_plant ON outbound_messages (plant, sent_at);
