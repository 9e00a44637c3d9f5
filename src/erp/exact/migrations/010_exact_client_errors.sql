-- Client errors (400, 404) the bridge caused on Exact Online, per division and endpoint:
-- Exact blocks an app key after 10 an hour on one endpoint, counted across all workers.
CREATE TABLE exact_client_errors (
  division    integer     NOT NULL,
  endpoint    text        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exact_client_errors_recent ON exact_client_errors (division, endpoint, at);
