import { z } from 'zod';

/** The ERPs Shopfloor Bridge posts to. Each has an adapter and a simulator under src/erp/<system>. */
export const ErpSystem = z.enum(['exact', 'afas', 'sap']);
export type ErpSystem = z.infer<typeof ErpSystem>;

export const erpSystemNames: Record<ErpSystem, string> = {
  exact: 'Exact Online',
  afas: 'AFAS Profit',
  sap: 'SAP S/4HANA',
};
