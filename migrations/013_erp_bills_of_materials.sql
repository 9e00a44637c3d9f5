-- Bills of materials read from the ERP (Exact's BillOfMaterialVersions and their
-- BillOfMaterialMaterials), kept as read. The default version of a make item becomes the
-- BOM (bom_components) of the material that item is, whenever its version, its lines or
-- its item are read. Versions name their item by the ERP's id, so item ids and codes are
-- kept too. BOM lines are read in full reads as well: a line deleted in the ERP goes.
CREATE TABLE erp_items (
  plant       text        NOT NULL,
  erp_system  text        NOT NULL,
  erp_id      text        NOT NULL,
  code        text        NOT NULL,
  synced_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, erp_system, erp_id)
);

CREATE TABLE erp_bom_versions (
  plant        text        NOT NULL,
  erp_system   text        NOT NULL,
  erp_id       text        NOT NULL,
  item_erp_id  text        NOT NULL,
  is_default   boolean     NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, erp_system, erp_id)
);
CREATE INDEX erp_bom_versions_by_item ON erp_bom_versions (plant, erp_system, item_erp_id);

CREATE TABLE erp_bom_lines (
  plant            text        NOT NULL,
  erp_system       text        NOT NULL,
  erp_id           text        NOT NULL,
  version_erp_id   text        NOT NULL,
  part_code        text        NOT NULL,
  -- decimals as text: never binary floats
  quantity_per     text        NOT NULL,
  scrap_allowance  text        NOT NULL,
  by_product       boolean     NOT NULL,
  -- the full read that last read it (see 012): a full read of every line removes the others
  full_read        text,
  synced_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, erp_system, erp_id)
);
CREATE INDEX erp_bom_lines_by_version ON erp_bom_lines (plant, erp_system, version_erp_id);
