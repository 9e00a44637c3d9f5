-- Input the bridge could not take (malformed events, unknown topics, undecodable Sparkplug
-- payloads, failed webhook signatures, ...): recorded with the reason, never dropped silently.
CREATE TABLE rejected_inputs (
  id          bigserial   PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  channel     text        NOT NULL CHECK (channel IN ('http', 'mqtt', 'sparkplug', 'opcua')),
  source      text,
  -- Where it came in: the HTTP route, the MQTT topic, the OPC UA node.
  reference   text        NOT NULL,
  reason      text        NOT NULL,
  -- What arrived, as text (binary as base64), cut at 64 KiB.
  payload     text        NOT NULL
);
CREATE INDEX rejected_inputs_recent ON rejected_inputs (received_at DESC);
