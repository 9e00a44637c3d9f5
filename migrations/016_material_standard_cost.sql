-- What one base unit of a material costs at standard (in the ERP's currency), and the part
-- of that which is material (the rest is conversion: labour, machine and overhead). The
-- period-end close values the output of the orders completed in a period at it and books
-- the variances of their actual cost against it. Text: decimals, as the bridge keeps them.
ALTER TABLE material_master ADD COLUMN standard_cost text;
ALTER TABLE material_master ADD COLUMN standard_material_cost text;
