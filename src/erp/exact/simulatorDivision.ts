/**
 * The Exact division the simulator serves, as people keep it in Exact's screens: its tables,
 * and what planners, engineers and bookkeepers do there that the API does not (seed shop
 * orders, items, BOMs, work centres, accounts; change or delete them, or a stock document,
 * by hand). The HTTP side (simulator.ts) serves and writes these tables as the API does.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type ExactEntityPath, MaterialPlanType, ShopOrderStatus, parseEdmDateTime } from './contract';

/** The tables the simulator keeps (a sync endpoint reads one of them by Timestamp). */
export type TablePath = Exclude<ExactEntityPath, `sync/${string}`>;

export type Row = Record<string, unknown>;

export interface LedgerEntry {
  entity: TablePath;
  id: string;
  /** created by a POST; deleted by a DELETE (the record as it was); changed or deleted by hand in Exact's screens (the record before). */
  action: 'created' | 'deleted' | 'changedByHand' | 'deletedByHand';
  committedAt: string;
  record: Record<string, unknown>;
}

export const ShopOrderSeed = z.object({
  shopOrderNumber: z.number().int().positive(),
  itemCode: z.string().min(1),
  plannedQuantity: z.number().positive(),
  unit: z.string().default('pc'),
  description: z.string().optional(),
  /** Released for production (Exact's IsReleased); an unreleased order is still being planned. */
  released: z.boolean().default(true),
  /** Dates as YYYY-MM-DD. */
  plannedStartDate: z.string().optional(),
  plannedDate: z.string().optional(),
  /** Exact manages the produced item by batch: a receipt needs its batch reserved (type 140). */
  batchItem: z.boolean().default(false),
  /** Exact manages the produced item by serial number: a receipt needs one serial number reserved per unit (type 140). */
  serialItem: z.boolean().default(false),
  /** The order's material plans (its bill of materials as Exact plans it). */
  materials: z
    .array(
      z.object({
        itemCode: z.string().min(1),
        plannedQuantity: z.number().nonnegative(),
        unit: z.string().default('pc'),
        /** Exact issues this material itself when the receipt is posted. */
        backflush: z.boolean().default(false),
        /** The item is managed by batch in Exact, with these batches in stock. */
        batchNumbers: z.array(z.string().min(1)).optional(),
        /** The item is managed by serial number in Exact, with these serial numbers in stock. */
        serialNumbers: z.array(z.string().min(1)).optional(),
        /** A by-product the order yields (plan Type 2), received rather than issued. */
        byProduct: z.boolean().default(false),
      }),
    )
    .default([]),
  /** The order's routing step plans; work centres are created by code as needed. */
  routing: z
    .array(
      z.object({
        operation: z.string().min(1),
        workCentre: z.string().min(1).optional(),
        /** Exact books this step's time itself. */
        backflush: z.boolean().default(false),
        setupHours: z.number().nonnegative().optional(),
        runHours: z.number().nonnegative().optional(),
      }),
    )
    .default([]),
});
export type ShopOrderSeed = z.input<typeof ShopOrderSeed>;

export function toExactDate(date: Date): string {
  return `/Date(${date.getTime()})/`;
}

export function createExactDivision(options: { division: number; employees?: readonly string[] | undefined }) {
  /**
   * Exact's row version: every insert or change of a synced row gets a higher Timestamp.
   * It starts from the clock, so a simulator started again never answers below a cursor
   * an earlier run handed out (as Exact's row versions only grow).
   */
  let rowVersion = Date.now() * 1000;
  const touch = (row: Row) => {
    rowVersion += 1;
    row.Timestamp = rowVersion;
    return row;
  };
  /**
   * Items, work centres and bills of materials carry Modified instead (they have no sync
   * set; BOM lines call it sysmodified): later on every change, to the millisecond.
   */
  let lastModified = 0;
  const modified = (row: Row, field: 'Modified' | 'sysmodified' = 'Modified') => {
    lastModified = Math.max(Date.now(), lastModified + 1);
    row[field] = toExactDate(new Date(lastModified));
    return row;
  };
  const tables: Record<TablePath, Row[]> = {
    'manufacturing/ShopOrders': [],
    'manufacturing/ShopOrderReceipts': [],
    'manufacturing/ShopOrderMaterialPlans': [],
    'manufacturing/MaterialIssues': [],
    'manufacturing/MaterialReversals': [],
    'manufacturing/ShopOrderReversals': [],
    'manufacturing/ByProductReceipts': [],
    'manufacturing/ByProductReversals': [],
    'manufacturing/ShopOrderRoutingStepPlans': [],
    'manufacturing/Workcenters': [],
    'manufacturing/TimeTransactions': [],
    'manufacturing/BillOfMaterialVersions': [],
    'manufacturing/BillOfMaterialMaterials': [],
    'logistics/Items': [],
    'inventory/StockBatchNumbers': [],
    'inventory/StockSerialNumbers': [],
    'inventory/StorageLocations': [],
    'inventory/Warehouses': [],
    'inventory/WarehouseTransfers': [],
    'inventory/WarehouseTransferLines': [],
    'generaljournalentry/GeneralJournalEntries': [],
    'generaljournalentry/GeneralJournalEntryLines': [],
  };
  /** The division's general ledger, journals and cost centres (Exact serves them elsewhere; the bridge only names them). */
  const glAccounts = new Map<string, string>();
  const journals = new Set<string>(['90']);
  const costCentres = new Set<string>();
  /** The division's main warehouse, where shop orders take and put their stock. */
  const mainWarehouse: Row = { ID: randomUUID(), Division: options.division, Code: '1', Description: 'Hoofdmagazijn', Main: 1, UseStorageLocations: 1 };
  tables['inventory/Warehouses'].push(mainWarehouse);
  /** Per item id, the batch numbers Exact holds stock of, and the serial numbers in stock. */
  const batchesInStock = new Map<string, Set<string>>();
  const serialsInStock = new Map<string, Set<string>>();
  /** Employee ids Exact knows (its payroll employees); time transactions must name one. */
  const employees = new Set<string>((options.employees ?? []).map((id) => id.toLowerCase()));
  const ledger: LedgerEntry[] = [];

  function seedShopOrder(input: ShopOrderSeed): Row {
    const seed = ShopOrderSeed.parse(input);
    const row: Row = {
      ID: randomUUID(),
      Division: options.division,
      ShopOrderNumber: seed.shopOrderNumber,
      Description: seed.description ?? `Shop order ${seed.shopOrderNumber}`,
      Item: seedItem(seed.itemCode, seed.unit, { ...(seed.batchItem ? { batchNumbers: [] } : {}), ...(seed.serialItem ? { serialNumbers: [] } : {}) }).ID,
      ItemCode: seed.itemCode,
      PlannedQuantity: seed.plannedQuantity,
      ProducedQuantity: 0,
      Unit: seed.unit,
      Warehouse: mainWarehouse.ID,
      WarehouseCode: mainWarehouse.Code,
      Status: ShopOrderStatus.Open,
      IsReleased: seed.released ? 1 : 0,
      ...(seed.plannedStartDate ? { PlannedStartDate: toExactDate(parseEdmDateTime(seed.plannedStartDate)) } : {}),
      ...(seed.plannedDate ? { PlannedDate: toExactDate(parseEdmDateTime(seed.plannedDate)) } : {}),
    };
    tables['manufacturing/ShopOrders'].push(touch(row));
    for (const material of seed.materials) {
      const item = seedItem(material.itemCode, material.unit, { batchNumbers: material.batchNumbers, serialNumbers: material.serialNumbers });
      tables['manufacturing/ShopOrderMaterialPlans'].push(touch({
        ID: randomUUID(),
        Division: options.division,
        ShopOrder: row.ID,
        Item: item.ID,
        ItemCode: material.itemCode,
        PlannedQuantity: material.plannedQuantity,
        Unit: material.unit,
        Backflush: material.backflush ? 1 : 0,
        Type: material.byProduct ? MaterialPlanType.ByProduct : MaterialPlanType.Material,
        Status: 10,
        LineNumber: tables['manufacturing/ShopOrderMaterialPlans'].filter((p) => p.ShopOrder === row.ID).length + 1,
      }));
    }
    seed.routing.forEach((step, index) => {
      const workCentre = step.workCentre ? seedWorkCentre(step.workCentre) : undefined;
      tables['manufacturing/ShopOrderRoutingStepPlans'].push(touch({
        ID: randomUUID(),
        Division: options.division,
        ShopOrder: row.ID,
        Operation: randomUUID(),
        OperationCode: step.operation,
        LineNumber: index + 1,
        Description: `Operation ${step.operation}`,
        Workcenter: workCentre?.ID ?? null,
        WorkcenterCode: workCentre?.Code ?? null,
        Backflush: step.backflush ? 1 : 0,
        PlannedSetupHours: step.setupHours ?? 0,
        PlannedRunHours: step.runHours ?? 0,
        Status: 10,
      }));
    });
    return row;
  }

  /** A planner's change to a shop order in Exact: it gets a new Timestamp, as every change does. */
  function updateShopOrder(shopOrderNumber: number, change: { released?: boolean; plannedQuantity?: number; status?: number }): Row {
    const row = tables['manufacturing/ShopOrders'].find((o) => o.ShopOrderNumber === shopOrderNumber);
    if (!row) throw new Error(`the simulator has no shop order ${shopOrderNumber}`);
    if (change.released !== undefined) row.IsReleased = change.released ? 1 : 0;
    if (change.plannedQuantity !== undefined) row.PlannedQuantity = change.plannedQuantity;
    if (change.status !== undefined) row.Status = change.status;
    return touch(row);
  }

  /**
   * A planner deletes in Exact: a shop order (with its material and routing plans, as Exact
   * does), one line of its material plan (by item) or routing (by operation), a work
   * centre, or a part's line of an item's default BOM. Exact's sync sets and Modified reads
   * show no deletions: the rows are simply gone.
   */
  function deleteFromPlanning(what: { shopOrderNumber: number; itemCode?: string; operation?: string } | { workCentre: string } | { bomOf: string; part: string }): void {
    const remove = (path: TablePath, matches: (row: Row) => boolean) => {
      const before = tables[path].length;
      tables[path] = tables[path].filter((row) => !matches(row));
      return before - tables[path].length;
    };
    if ('bomOf' in what) {
      const line = defaultBomLine(what.bomOf, what.part);
      remove('manufacturing/BillOfMaterialMaterials', (l) => l === line);
      return;
    }
    if ('workCentre' in what) {
      if (remove('manufacturing/Workcenters', (w) => w.Code === what.workCentre) === 0) throw new Error(`the simulator has no work centre ${what.workCentre}`);
      return;
    }
    const order = tables['manufacturing/ShopOrders'].find((o) => o.ShopOrderNumber === what.shopOrderNumber);
    if (!order) throw new Error(`the simulator has no shop order ${what.shopOrderNumber}`);
    const ofOrder = (row: Row) => row.ShopOrder === order.ID;
    if (what.itemCode !== undefined || what.operation !== undefined) {
      const removed =
        (what.itemCode !== undefined ? remove('manufacturing/ShopOrderMaterialPlans', (p) => ofOrder(p) && p.ItemCode === what.itemCode) : 0) +
        (what.operation !== undefined ? remove('manufacturing/ShopOrderRoutingStepPlans', (s) => ofOrder(s) && s.OperationCode === what.operation) : 0);
      if (removed === 0) throw new Error(`shop order ${what.shopOrderNumber} has no such plan line`);
      return;
    }
    if (tables['manufacturing/MaterialIssues'].some(ofOrder) || tables['manufacturing/ShopOrderReceipts'].some(ofOrder)) {
      throw new Error(`shop order ${what.shopOrderNumber} has transactions: Exact deletes no such order`);
    }
    remove('manufacturing/ShopOrders', (o) => o === order);
    remove('manufacturing/ShopOrderMaterialPlans', ofOrder);
    remove('manufacturing/ShopOrderRoutingStepPlans', ofOrder);
  }

  /** The stock tables a person may change or delete a document of in Exact's screens, and the id each keys it by. */
  const handEditable: [TablePath, string][] = [
    ['manufacturing/MaterialIssues', 'StockTransactionId'],
    ['manufacturing/ShopOrderReceipts', 'StockTransactionId'],
    ['manufacturing/ByProductReceipts', 'StockTransactionId'],
    ['manufacturing/MaterialReversals', 'ReversalStockTransactionId'],
    ['manufacturing/ShopOrderReversals', 'ReversalStockTransactionId'],
    ['manufacturing/ByProductReversals', 'ReversalStockTransactionId'],
  ];

  /**
   * What a person does to a stock document in Exact's screens, where the API changes none:
   * its quantity changed, or the document deleted. Reconciliation must notice either.
   */
  function editByHand(documentId: string, change: { quantity: number } | { delete: true }): void {
    for (const [path, key] of handEditable) {
      const index = tables[path].findIndex((row) => String(row[key]).toLowerCase() === documentId.toLowerCase());
      if (index === -1) continue;
      const record = tables[path][index]!;
      if ('delete' in change) tables[path].splice(index, 1);
      else tables[path][index] = modified({ ...record, Quantity: change.quantity });
      ledger.push({ entity: path, id: documentId, action: 'delete' in change ? 'deletedByHand' : 'changedByHand', committedAt: new Date().toISOString(), record });
      return;
    }
    throw new Error(`the simulator holds no stock document ${documentId}`);
  }

  /** The item with this code, created on first use; batch numbers make it a batch item with those batches in stock. */
  function seedItem(code: string, unit: string, flags: { batchNumbers?: readonly string[] | undefined; serialNumbers?: readonly string[] | undefined } = {}): Row {
    let item = tables['logistics/Items'].find((i) => i.Code === code);
    if (!item) {
      item = modified({ ID: randomUUID(), Division: options.division, Code: code, Description: `Item ${code}`, Unit: unit, IsStockItem: true, IsBatchItem: 0, IsSerialItem: false, IsFractionAllowedItem: true });
      tables['logistics/Items'].push(item);
    }
    if (flags.batchNumbers) {
      item.IsBatchItem = 1;
      const batches = batchesInStock.get(String(item.ID)) ?? new Set<string>();
      for (const batch of flags.batchNumbers) batches.add(batch);
      batchesInStock.set(String(item.ID), batches);
    }
    if (flags.serialNumbers) {
      item.IsSerialItem = true;
      const serials = serialsInStock.get(String(item.ID)) ?? new Set<string>();
      for (const serial of flags.serialNumbers) serials.add(serial);
      serialsInStock.set(String(item.ID), serials);
    }
    return item;
  }

  /** A change made to an item in Exact (its unit, whether it takes fractions), as a person would make it. */
  function updateItem(code: string, change: { unit?: string; fractionAllowed?: boolean; description?: string }): Row {
    const item = tables['logistics/Items'].find((i) => i.Code === code);
    if (!item) throw new Error(`the simulator has no item ${code}`);
    if (change.unit !== undefined) item.Unit = change.unit;
    if (change.fractionAllowed !== undefined) item.IsFractionAllowedItem = change.fractionAllowed;
    if (change.description !== undefined) item.Description = change.description;
    return modified(item);
  }

  /**
   * A bill of materials version of a make item, as an engineer enters it: its lines with
   * their quantity per unit of the item (and waste %, by-products as Type 2). A default
   * version (the one new shop orders take) makes the item's other versions non-default.
   */
  function seedBom(parentCode: string, unit: string, lines: { itemCode: string; unit: string; quantity: number; wastePercentage?: number; byProduct?: boolean }[], { isDefault = true } = {}): Row {
    const item = seedItem(parentCode, unit);
    const versions = tables['manufacturing/BillOfMaterialVersions'].filter((v) => v.Item === item.ID);
    if (isDefault) for (const other of versions.filter((v) => v.IsDefault === 1)) modified(Object.assign(other, { IsDefault: 0 }));
    const version = modified({ ID: randomUUID(), Division: options.division, Item: item.ID, ItemDescription: item.Description, VersionNumber: versions.length + 1, IsDefault: isDefault ? 1 : 0, BatchQuantity: 1, Status: 30, Type: 20 });
    tables['manufacturing/BillOfMaterialVersions'].push(version);
    lines.forEach((line, index) => {
      const part = seedItem(line.itemCode, line.unit);
      tables['manufacturing/BillOfMaterialMaterials'].push(modified({
        ID: randomUUID(),
        Division: options.division,
        ItemVersion: version.ID,
        LineNumber: index + 1,
        PartItem: part.ID,
        PartItemCode: part.Code,
        PartItemDescription: part.Description,
        Quantity: line.quantity,
        QuantityBatch: line.quantity * (1 + (line.wastePercentage ?? 0) / 100),
        WastePercentage: line.wastePercentage ?? null,
        Type: line.byProduct ? MaterialPlanType.ByProduct : MaterialPlanType.Material,
        Backflush: 0,
      }, 'sysmodified'));
    });
    return version;
  }

  /** The line of a part in an item's default BOM version. */
  function defaultBomLine(parentCode: string, partCode: string): Row {
    const item = tables['logistics/Items'].find((i) => i.Code === parentCode);
    const version = tables['manufacturing/BillOfMaterialVersions'].find((v) => v.Item === item?.ID && v.IsDefault === 1);
    const line = tables['manufacturing/BillOfMaterialMaterials'].find((l) => l.ItemVersion === version?.ID && l.PartItemCode === partCode);
    if (!line) throw new Error(`the simulator has no default BOM of ${parentCode} with ${partCode}`);
    return line;
  }

  /** An engineer changes a line of an item's default BOM version: only the line's sysmodified moves. */
  function updateBomLine(parentCode: string, partCode: string, change: { quantity?: number; wastePercentage?: number }): Row {
    const line = defaultBomLine(parentCode, partCode);
    if (change.quantity !== undefined) line.Quantity = change.quantity;
    if (change.wastePercentage !== undefined) line.WastePercentage = change.wastePercentage;
    line.QuantityBatch = Number(line.Quantity) * (1 + Number(line.WastePercentage ?? 0) / 100);
    return modified(line, 'sysmodified');
  }

  /** A general ledger account by code; its ID is what journal entry lines name. */
  function seedGlAccount(code: string): string {
    const existing = [...glAccounts].find(([, c]) => c === code)?.[0];
    if (existing) return existing;
    const id = randomUUID();
    glAccounts.set(id, code);
    return id;
  }

  /** A journal that takes general entries, and cost centres lines may name. */
  function seedJournal(code: string): void {
    journals.add(code);
  }
  function seedCostCentre(code: string): void {
    costCentres.add(code);
  }

  /** A warehouse besides the main one, e.g. a line-side store. */
  function seedWarehouse(code: string): Row {
    const existing = tables['inventory/Warehouses'].find((w) => w.Code === code);
    if (existing) return existing;
    const row: Row = { ID: randomUUID(), Division: options.division, Code: code, Description: `Warehouse ${code}`, Main: 0, UseStorageLocations: 1 };
    tables['inventory/Warehouses'].push(row);
    return row;
  }

  /** A storage location of a warehouse (the main one unless named). */
  function seedStorageLocation(code: string, warehouseCode?: string): Row {
    const warehouse = warehouseCode ? seedWarehouse(warehouseCode) : mainWarehouse;
    const existing = tables['inventory/StorageLocations'].find((l) => l.Code === code && l.Warehouse === warehouse.ID);
    if (existing) return existing;
    const row: Row = { ID: randomUUID(), Division: options.division, Code: code, Description: `Location ${code}`, Warehouse: warehouse.ID, WarehouseCode: warehouse.Code };
    tables['inventory/StorageLocations'].push(row);
    return row;
  }

  /** The work centre with this code, created on first use; rates given set its cost rates per hour. */
  function seedWorkCentre(code: string, rates: { SetupLaborRate?: number; RunLaborRate?: number; MachineBurdenRate?: number; GeneralBurdenRate?: number; Costcenter?: string } = {}): Row {
    const existing = tables['manufacturing/Workcenters'].find((w) => w.Code === code);
    if (existing) return Object.keys(rates).length > 0 ? modified(Object.assign(existing, rates)) : existing;
    const row: Row = modified({ ID: randomUUID(), Division: options.division, Code: code, Description: `Work centre ${code}`, Status: 1, Type: 1, ...rates });
    tables['manufacturing/Workcenters'].push(row);
    return row;
  }

  function seedEmployee(id: string = randomUUID()): string {
    employees.add(id.toLowerCase());
    return id;
  }

  return {
    tables,
    touch,
    ledger,
    glAccounts,
    journals,
    costCentres,
    batchesInStock,
    serialsInStock,
    employees,
    /** What people do in Exact's screens: the simulator's handle offers all of it to the demo and the tests. */
    screens: {
      seedShopOrder,
      updateShopOrder,
      deleteFromPlanning,
      editByHand,
      seedItem,
      updateItem,
      seedBom,
      updateBomLine,
      seedGlAccount,
      seedJournal,
      seedCostCentre,
      seedWarehouse,
      seedStorageLocation,
      seedWorkCentre,
      seedEmployee,
    },
  };
}
