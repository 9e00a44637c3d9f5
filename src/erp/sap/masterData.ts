/**
 * SAP's master data of a plant as the bridge keeps it: its products (API_PRODUCT_SRV,
 * A_ProductPlant: base unit, batch management, serial number profile), its work centres
 * (API_WORK_CENTERS, A_WorkCenters) and its production BOMs (API_BILL_OF_MATERIAL_SRV,
 * MaterialBOM of usage 1 and their items: quantity per header base quantity, component
 * scrap, co-products as negative quantities). Read whole, now and then: the work centres and
 * BOM lines a read did not meet are gone from SAP.
 */
import Big from 'big.js';
import type { ErpBomLine, ErpBomVersion, ErpItem, ErpWorkCentre } from '../../domain/planning';
import { odataString } from '../http/odata';
import type { SapTransport } from './transport';

interface ProductPlantRow {
  Product: string;
  BaseUnit: string;
  IsBatchManagementRequired: boolean;
  SerialNumberProfile: string;
  IsMarkedForDeletion: boolean;
}
interface WorkCenterRow {
  WorkCenterInternalID: string;
  WorkCenter: string;
  WorkCenterDesc: string;
  WorkCenterIsToBeDeleted: boolean;
}
interface BomRow {
  BillOfMaterial: string;
  BillOfMaterialVariant: string;
  Material: string;
  BOMHeaderQuantityInBaseUnit: string;
  IsMarkedForDeletion: boolean;
}
interface BomItemRow {
  BillOfMaterial: string;
  BillOfMaterialVariant: string;
  BillOfMaterialItemNodeNumber: string;
  BillOfMaterialComponent: string;
  BillOfMaterialItemQuantity: string;
  ComponentScrapInPercent: string;
}

/** Up to this many rows of each set a read (a plant's products beyond it are read by the orders that name them). */
const LIMIT = 5000;

export async function readSapMasterData(
  transport: SapTransport,
  sapPlant: string,
  wholeUnits: readonly string[],
): Promise<{ items: ErpItem[]; workCentres: ErpWorkCentre[]; bomVersions: ErpBomVersion[]; bomLines: ErpBomLine[] }> {
  const plant = `Plant eq ${odataString(sapPlant)}`;
  const [products, centres, boms, bomItems] = await Promise.all([
    transport.rows<ProductPlantRow>('API_PRODUCT_SRV', 'A_ProductPlant', { filter: plant, select: ['Product', 'BaseUnit', 'IsBatchManagementRequired', 'SerialNumberProfile', 'IsMarkedForDeletion'], top: 1000 }, LIMIT),
    transport.rows<WorkCenterRow>('API_WORK_CENTERS', 'A_WorkCenters', { filter: plant, select: ['WorkCenterInternalID', 'WorkCenter', 'WorkCenterDesc', 'WorkCenterIsToBeDeleted'], top: 1000 }, LIMIT),
    transport.rows<BomRow>('API_BILL_OF_MATERIAL_SRV', 'MaterialBOM', { filter: `${plant} and BillOfMaterialVariantUsage eq '1'`, select: ['BillOfMaterial', 'BillOfMaterialVariant', 'Material', 'BOMHeaderQuantityInBaseUnit', 'IsMarkedForDeletion'], top: 1000 }, LIMIT),
    transport.rows<BomItemRow>('API_BILL_OF_MATERIAL_SRV', 'MaterialBOMItem', { filter: plant, select: ['BillOfMaterial', 'BillOfMaterialVariant', 'BillOfMaterialItemNodeNumber', 'BillOfMaterialComponent', 'BillOfMaterialItemQuantity', 'ComponentScrapInPercent'], top: 1000 }, LIMIT),
  ]);
  const versionId = (b: { BillOfMaterial: string; BillOfMaterialVariant: string }) => `${b.BillOfMaterial}/${b.BillOfMaterialVariant}`;
  const live = boms.filter((b) => !b.IsMarkedForDeletion);
  // A material's first alternative is the one new orders take.
  const firstAlternative = new Map<string, string>();
  for (const b of [...live].sort((x, y) => x.BillOfMaterialVariant.localeCompare(y.BillOfMaterialVariant))) if (!firstAlternative.has(b.Material)) firstAlternative.set(b.Material, versionId(b));
  const baseOf = new Map(live.map((b) => [versionId(b), new Big(b.BOMHeaderQuantityInBaseUnit || '1')]));
  return {
    items: products
      .filter((p) => !p.IsMarkedForDeletion)
      .map((p) => ({ erpId: p.Product, code: p.Product, unit: p.BaseUnit, fractionAllowed: !wholeUnits.includes(p.BaseUnit), batch: p.IsBatchManagementRequired, serial: p.SerialNumberProfile !== '', stock: true })),
    workCentres: centres.filter((c) => !c.WorkCenterIsToBeDeleted).map((c) => ({ erpId: c.WorkCenterInternalID, code: c.WorkCenter, ...(c.WorkCenterDesc ? { description: c.WorkCenterDesc } : {}) })),
    bomVersions: live.map((b) => ({ erpId: versionId(b), itemErpId: b.Material, isDefault: firstAlternative.get(b.Material) === versionId(b) })),
    bomLines: bomItems.flatMap((i) => {
      const base = baseOf.get(versionId(i));
      if (!base || base.lte(0)) return [];
      const quantity = new Big(i.BillOfMaterialItemQuantity || '0');
      return [
        {
          erpId: `${versionId(i)}/${i.BillOfMaterialItemNodeNumber}`,
          versionErpId: versionId(i),
          partCode: i.BillOfMaterialComponent,
          quantityPer: quantity.abs().div(base).toString(),
          scrapAllowance: new Big(i.ComponentScrapInPercent || '0').div(100).toString(),
          // SAP lists a co-product with a negative quantity.
          byProduct: quantity.lt(0),
        },
      ];
    }),
  };
}
