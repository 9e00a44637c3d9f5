import { z } from 'zod';

/** The ERPs Shopfloor Bridge posts to. Each has an adapter and a simulator under src/erp/<system>. */
export const ErpSystem = z.enum(['exact', 'afas', 'sap']);
export type ErpSystem = z.infer<typeof ErpSystem>;

export const erpSystemNames: Record<ErpSystem, string> = {
  exact: 'Exact Online',
  afas: 'AFAS Profit',
  sap: 'SAP S/4HANA',
};

/**
 * The most fraction digits each ERP keeps in a quantity; postings are rounded to it
 * (or to a material's own precision, where master data gives one).
 * - SAP: Edm.Decimal Precision 13 Scale 3 (e.g. ConfirmationYieldQuantity, QuantityInEntryUnit).
 * - Exact: Edm.Double; six digits survive the double exactly at any quantity we post.
 * - AFAS: its specs type quantities as "number" without a scale; four digits is our choice.
 */
export const erpQuantityDecimals: Record<ErpSystem, number> = {
  exact: 6,
  afas: 4,
  sap: 3,
};
