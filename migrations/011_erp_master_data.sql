-- Master data read from the ERP (Exact's Items and Workcenters) by the planning sync.
-- An item's unit and precision overwrite the material master's where the ERP changed them;
-- conversions and the backflush mode stay the operator's (conversions are dropped when the
-- base unit changes: they were factors to the old one).
ALTER TABLE material_master ADD COLUMN erp_synced_at timestamptz;

CREATE TABLE erp_work_centres (
  plant                text        NOT NULL,
  work_centre          text        NOT NULL,
  erp_system           text        NOT NULL,
  erp_id               text        NOT NULL,
  description          text,
  cost_centre          text,
  -- rates per hour as decimal text: never binary floats
  setup_labour_rate    text,
  run_labour_rate      text,
  machine_burden_rate  text,
  general_burden_rate  text,
  synced_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, work_centre)
);
