-- The master data cache the transformations read: per plant and material, the unit the
-- ERP keeps it in, conversions from floor units, the ERP's precision and the backflush
-- mode; per plant and parent material, its bill of materials.
CREATE TABLE material_master (
  plant        text        NOT NULL,
  material     text        NOT NULL,
  erp_material text,
  base_unit    text        NOT NULL,
  -- { "<floor unit>": "<factor to base unit>" }, factors as decimal strings
  conversions  jsonb       NOT NULL DEFAULT '{}',
  decimals     integer     CHECK (decimals BETWEEN 0 AND 6),
  backflush    text        NOT NULL DEFAULT 'actual' CHECK (backflush IN ('actual', 'erp', 'derived', 'none')),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, material)
);

CREATE TABLE bom_components (
  plant           text        NOT NULL,
  parent_material text        NOT NULL,
  component       text        NOT NULL,
  -- decimals as text: never binary floats
  quantity_per    text        NOT NULL,
  yield_factor    text        NOT NULL DEFAULT '1',
  scrap_allowance text        NOT NULL DEFAULT '0',
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plant, parent_material, component)
);
