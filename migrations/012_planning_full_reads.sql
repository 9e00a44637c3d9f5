-- The ERP's change feeds tell no deletions (Exact's fact table has no sync/Deleted), so the
-- planning sync reads every set again from its beginning now and then: a full read. Rows
-- carry the id of the full read that last read them; a set read to the end loses the rows
-- that read did not see. Components and routing steps now carry their plant, so that one
-- plant's full read never touches another's rows.
ALTER TABLE planned_orders ADD COLUMN full_read text;
ALTER TABLE planned_components ADD COLUMN plant text, ADD COLUMN full_read text;
ALTER TABLE planned_operations ADD COLUMN plant text, ADD COLUMN full_read text;
ALTER TABLE erp_work_centres ADD COLUMN full_read text;

UPDATE planned_components c SET plant = o.plant FROM planned_orders o WHERE o.erp_system = c.erp_system AND o.erp_id = c.erp_order_id;
UPDATE planned_operations s SET plant = o.plant FROM planned_orders o WHERE o.erp_system = s.erp_system AND o.erp_id = s.erp_order_id;
CREATE INDEX planned_components_by_plant ON planned_components (erp_system, plant);
CREATE INDEX planned_operations_by_plant ON planned_operations (erp_system, plant);
