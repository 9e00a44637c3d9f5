-- Whether the ERP manages a material by batch (or serial number): where it does not, it
-- keeps one total of the material, so its consumption is planned and rounded as one line
-- per unit (and location) instead of one per batch. NULL: not known (planned per batch).
ALTER TABLE material_master ADD COLUMN batch_managed boolean;
