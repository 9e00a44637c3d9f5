/** The SAP simulator's master data: products per plant (API_PRODUCT_SRV), production BOMs (API_BILL_OF_MATERIAL_SRV) and work centres (API_WORK_CENTERS). */
export function createSapMasterDataBooks() {
  const workCentres: Record<string, unknown>[] = [];
  const products: Record<string, unknown>[] = [];
  const boms: Record<string, unknown>[] = [];
  const bomItems: Record<string, unknown>[] = [];
  return {
    workCentres,
    products,
    boms,
    bomItems,
    /** The product's plant view, if the plant holds the product. */
    productOf: (product: string, plant: string) => products.find((p) => p.Product === product && p.Plant === plant),
    /** A product of a plant, as its plant view keeps it (MM01). */
    seedProduct(plant: string, product: string, baseUnit: string, options: { batch?: boolean; serialNumberProfile?: string } = {}) {
      products.push({ Product: product, Plant: plant, BaseUnit: baseUnit, IsBatchManagementRequired: options.batch === true, SerialNumberProfile: options.serialNumberProfile ?? '', IsMarkedForDeletion: false });
    },
    /** A production BOM (usage 1) of a material in a plant, for `baseQuantity` of it (CS01); a negative item quantity is a co-product. */
    seedBom(plant: string, material: string, baseQuantity: string, items: { component: string; quantity: string; unit: string; scrapPercent?: string }[], variant = '01') {
      const bom = String(10000000 + boms.length + 1).slice(0, 8);
      const head = { BillOfMaterial: bom, BillOfMaterialCategory: 'M', BillOfMaterialVariant: variant, BillOfMaterialVersion: '', EngineeringChangeDocument: '', Material: material, Plant: plant, BillOfMaterialVariantUsage: '1', BOMHeaderQuantityInBaseUnit: baseQuantity, IsMarkedForDeletion: false };
      boms.push(head);
      items.forEach((item, i) =>
        bomItems.push({ ...head, BillOfMaterialItemNodeNumber: String(i + 1).padStart(8, '0'), HeaderChangeDocument: '', BillOfMaterialItemNumber: String((i + 1) * 10).padStart(4, '0'), BillOfMaterialItemCategory: 'L', BillOfMaterialComponent: item.component, BillOfMaterialItemQuantity: item.quantity, BillOfMaterialItemUnit: item.unit, ComponentScrapInPercent: item.scrapPercent ?? '0' }),
      );
    },
    /** A work centre with its standard value key's parameters, in order (SAP1: SAP_01 setup, SAP_02 machine, SAP_03 labour). */
    seedWorkCentre(plant: string, workCentre: string, parameters: string[] = ['SAP_01', 'SAP_02', 'SAP_03'], description = workCentre) {
      workCentres.push({
        WorkCenterInternalID: String(10000000 + workCentres.length + 1),
        WorkCenterTypeCode: 'A',
        WorkCenter: workCentre,
        WorkCenterDesc: description,
        Plant: plant,
        StandardWorkFormulaParamGroup: 'SAP1',
        ...Object.fromEntries(parameters.map((p, i) => [`WorkCenterFormulaParam${i + 1}`, p])),
        ...Object.fromEntries(parameters.map((_, i) => [`WorkCenterStandardWorkQtyUnit${i + 1}`, 'MIN'])),
      });
    },
  };
}
