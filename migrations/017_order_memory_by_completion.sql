-- The period-end close reads the orders of a connection that completed in a month from what
-- they closed with: an index on the connection and the completion date in the state.
CREATE INDEX order_memory_completed ON order_memory ((state->>'erpConnection'), (state->>'completedOn'), workflow_id);
