-- Exact Online's OAuth2 tokens per division, shared by every worker: the current access
-- token (reused until it is about to expire) and the current single-use refresh token,
-- rotated under this row's lock. A dead chain waits here for an operator to authorize again.
CREATE TABLE exact_oauth_tokens (
  division          integer     PRIMARY KEY,
  access_token      text,
  access_expires_at timestamptz,
  refresh_token     text        NOT NULL,
  refreshed_at      timestamptz,
  chain_state       text        NOT NULL DEFAULT 'alive' CHECK (chain_state IN ('alive', 'dead')),
  dead_reason       text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
