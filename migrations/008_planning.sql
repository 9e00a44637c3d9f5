-- Planning read from the ERP for the floor: orders, and per order (by the ERP's id) its
-- components and routing steps. Rows arrive from the ERP's change feeds in any order, so
-- components and steps are kept by the order's ERP id and joined when read.
CREATE TABLE planned_orders (
  erp_system         text        NOT NULL,
  erp_id             text        NOT NULL,
  plant              text        NOT NULL,
  erp_order          text        NOT NULL,
  material           text        NOT NULL,
  description        text,
  -- decimals as text: never binary floats
  planned_quantity   text        NOT NULL,
  produced_quantity  text        NOT NULL DEFAULT '0',
  unit               text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('planned', 'released', 'inProcess', 'finished', 'completed')),
  -- YYYY-MM-DD, as the floor reads them
  planned_start      text,
  planned_finish     text,
  synced_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (erp_system, erp_id)
);
CREATE INDEX planned_orders_by_plant ON planned_orders (plant, status, erp_order);

CREATE TABLE planned_components (
  erp_system        text        NOT NULL,
  erp_id            text        NOT NULL,
  erp_order_id      text        NOT NULL,
  line              integer,
  material          text        NOT NULL,
  planned_quantity  text        NOT NULL,
  unit              text        NOT NULL,
  backflush         boolean     NOT NULL,
  by_product        boolean     NOT NULL,
  synced_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (erp_system, erp_id)
);
CREATE INDEX planned_components_by_order ON planned_components (erp_system, erp_order_id);

CREATE TABLE planned_operations (
  erp_system          text        NOT NULL,
  erp_id              text        NOT NULL,
  erp_order_id        text        NOT NULL,
  sequence            integer     NOT NULL,
  operation           text        NOT NULL,
  description         text,
  work_centre         text,
  planned_setup_hours text,
  planned_run_hours   text,
  backflush           boolean     NOT NULL,
  synced_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (erp_system, erp_id)
);
CREATE INDEX planned_operations_by_order ON planned_operations (erp_system, erp_order_id);
