-- What an hour of a work centre costs, per activity, and where the overhead it absorbs is
-- booked in the ERP's ledger: a journal, a debit (work in progress) and a credit (overhead
-- absorbed) account, optionally a cost centre.
CREATE TABLE work_centre_costs (
  plant          text        NOT NULL,
  work_centre    text        NOT NULL,
  activity       text        NOT NULL CHECK (activity IN ('setup', 'labour', 'machine')),
  -- decimals as text: never binary floats
  rate_per_hour  text        NOT NULL,
  journal        text        NOT NULL,
  debit_account  text        NOT NULL,
  credit_account text        NOT NULL,
  cost_centre    text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, work_centre, activity)
);
