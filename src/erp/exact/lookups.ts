/**
 * Exact Online's side of every posting kind: the references a posting names (shop order,
 * material plan, item, warehouse, location, routing step, work centre, employee) in Exact's
 * ids, stock fields with their reserved batch and serial numbers, and the look-up of a
 * document by the posting key. Each kind's post, look-up and reversal is a file of its own
 * in postings/, over these.
 */
import { createHash } from 'node:crypto';
import type { ByProductReceipt, FinishedGoodsReceipt, MaterialIssue, OperationConfirmation, TimePosting } from '../../domain/postings';
import { equals } from '../../domain/quantity';
import { ErpError, type PostingResult } from '../adapter';
import { type ExactEntityPath, MaterialPlanType, isGuid } from './contract';
import { type TimeTransactionReferences, exactShopOrderNumber, toEdmDouble } from './mapping';
import type { Quarantine } from './postings/qualityHold';
import { type ExactTransport, odataString } from './transport';


export interface ExactAdapterOptions {
  /** Per plant, where stock on hold by a quality decision goes. */
  quarantine?: Readonly<Record<string, Quarantine>>;
  /** The Exact employee (ID) who books machine time, setup time and confirmations; labour time names its own. */
  defaultEmployeeId?: string;
  /**
   * How long Exact's ids for an order's references are reused before they are read again
   * (default a day). A plan line's unit or backflush changed in Exact meanwhile is seen then.
   */
  referenceTtlMs?: number;
  /** How often the planning read also reads the items, work centres and bills of materials changed (default an hour). */
  masterDataReadEveryMs?: number;
  /** How often the planning read reads everything again, to see what Exact deleted (default a day). */
  fullReadEveryMs?: number;
}

export interface ShopOrderRow {
  ID: string;
  ShopOrderNumber: number;
  Item: string;
  Status: number;
  Warehouse: string | null;
}

export interface MaterialPlanRow {
  ID: string;
  Item: string;
  ItemCode: string;
  Unit: string;
  Backflush: number;
  Type: number;
}

export interface ItemRow {
  ID: string;
  Code: string;
  IsBatchItem: number;
  /** Edm.Boolean, where IsBatchItem is an Edm.Byte (0/1): as Exact types them. */
  IsSerialItem: boolean;
}

/** Where a stock transaction takes or puts its stock, as Exact's fields on the issue or receipt. */
export interface StockFields {
  StorageLocation?: string;
  DraftStockTransactionID?: string;
}

export interface RoutingStepRow {
  ID: string;
  OperationCode: string | null;
  LineNumber: number | null;
  Workcenter: string | null;
  Backflush: number;
}

export interface CreatedRow {
  StockTransactionId?: string;
  ReversalStockTransactionId?: string;
  TransferID?: string;
  EntryID?: string;
  ID?: string;
}

export interface KeyedRow {
  StockTransactionId?: string;
  ReversalStockTransactionId?: string;
  ID?: string;
  Note?: string | null;
  Notes?: string | null;
}

export interface IssuedRow {
  StockTransactionId: string;
  Quantity: number;
  IsBatch: number;
  IsSerial: number;
  Item: string;
  Warehouse: string;
  StorageLocation: string | null;
}

/** What a receipt look-up reads: only its id (the draft id found it). */
export interface StockReceiptRow {
  StockTransactionId: string;
}

/**
 * What every kind of posting needs of Exact: its ids for the order's references (kept a few
 * minutes), stock fields with reserved batch and serial numbers, time transactions'
 * references, and the look-up of a document by the posting key in its free text.
 */
export function createExactLookups(transport: ExactTransport, options: ExactAdapterOptions = {}) {
  const references = createReferenceCache(options.referenceTtlMs ?? 86_400_000);

  async function shopOrderFor(erpOrderReference: string): Promise<ShopOrderRow> {
    const number = exactShopOrderNumber(erpOrderReference);
    const [shopOrder] = await references.get(`shop-order|${number}`, () =>
      transport.list<ShopOrderRow>('manufacturing/ShopOrders', { filter: `ShopOrderNumber eq ${number}`, select: ['ID', 'ShopOrderNumber', 'Item', 'Status', 'Warehouse'] }),
    );
    if (!shopOrder) throw new ErpError(`Exact Online has no shop order ${number}`, 'needsPerson', 'UnknownShopOrder');
    return shopOrder;
  }

  /** The order's material plan for the item: what Exact issues (or, for a by-product, receives) against. */
  async function materialPlanFor(issue: MaterialIssue | ByProductReceipt): Promise<MaterialPlanRow> {
    const shopOrder = await shopOrderFor(issue.erpOrderReference);
    const type = issue.kind === 'ByProductReceipt' ? MaterialPlanType.ByProduct : MaterialPlanType.Material;
    const plans = (fresh: boolean) =>
      references.get(
        `material-plans|${shopOrder.ID}`,
        () => transport.list<MaterialPlanRow>('manufacturing/ShopOrderMaterialPlans', { filter: `ShopOrder eq guid'${shopOrder.ID}'`, select: ['ID', 'Item', 'ItemCode', 'Unit', 'Backflush', 'Type'] }),
        fresh,
      );
    const matches = (p: MaterialPlanRow) => p.ItemCode === issue.erpMaterial && p.Type === type;
    // A plan line added in Exact since the plans were read is found by reading them again.
    const plan = (await plans(false)).find(matches) ?? (await plans(true)).find(matches);
    if (!plan) {
      throw new ErpError(
        `Exact Online shop order ${shopOrder.ShopOrderNumber} has no ${type === MaterialPlanType.ByProduct ? 'by-product' : 'material'} plan for item ${issue.erpMaterial}` +
          (issue.erpMaterial !== issue.material ? ` (floor material ${issue.material})` : ''),
        'needsPerson',
        'UnknownMaterial',
      );
    }
    if (plan.Backflush === 1) {
      throw new ErpError(
        `Exact Online backflushes item ${plan.ItemCode} on shop order ${shopOrder.ShopOrderNumber}; issuing the actual quantity too would count it twice (set the material's backflush mode to "erp")`,
        'needsPerson',
        'BackflushedByErp',
      );
    }
    if (plan.Unit !== issue.unit) {
      throw new ErpError(`Exact Online plans item ${plan.ItemCode} in ${plan.Unit}, the posting is in ${issue.unit}`, 'needsPerson', 'UnitMismatch');
    }
    return plan;
  }

  async function itemFor(id: string): Promise<ItemRow> {
    const [item] = await references.get(`item|${id}`, () => transport.list<ItemRow>('logistics/Items', { filter: `ID eq guid'${id}'`, select: ['ID', 'Code', 'IsBatchItem', 'IsSerialItem'] }));
    if (!item) throw new ErpError(`Exact Online has no item ${id}`, 'needsPerson', 'UnknownMaterial');
    return item;
  }

  async function itemWithCode(code: string): Promise<ItemRow> {
    const [item] = await references.get(`item-code|${code}`, () => transport.list<ItemRow>('logistics/Items', { filter: `Code eq ${odataString(code)}`, select: ['ID', 'Code', 'IsBatchItem', 'IsSerialItem'] }));
    if (!item) throw new ErpError(`Exact Online has no item ${code}`, 'needsPerson', 'UnknownMaterial');
    return item;
  }

  /** A warehouse by code; none named: the shop order's own. */
  async function warehouseFor(code: string | undefined, shopOrder: ShopOrderRow): Promise<string> {
    if (!code) {
      if (!shopOrder.Warehouse) throw new ErpError(`Exact Online shop order ${shopOrder.ShopOrderNumber} has no warehouse`, 'needsPerson', 'WarehouseMissing');
      return shopOrder.Warehouse;
    }
    const [row] = await references.get(`warehouse|${code}`, () => transport.list<{ ID: string }>('inventory/Warehouses', { filter: `Code eq ${odataString(code)}`, select: ['ID'] }));
    if (!row) throw new ErpError(`Exact Online has no warehouse ${code}`, 'needsPerson', 'UnknownWarehouse');
    return row.ID;
  }






  async function storageLocationFor(code: string, warehouseId: string): Promise<string> {
    const [row] = await references.get(`storage-location|${warehouseId}|${code}`, () =>
      transport.list<{ ID: string }>('inventory/StorageLocations', { filter: `Code eq ${odataString(code)} and Warehouse eq guid'${warehouseId}'`, select: ['ID'] }),
    );
    if (!row) throw new ErpError(`Exact Online has no storage location ${code} in the shop order's warehouse`, 'needsPerson', 'UnknownStorageLocation');
    return row.ID;
  }

  /**
   * The storage location and batch of a stock transaction the Exact way: a batch item's
   * batch is reserved first (inventory/StockBatchNumbers) under a DraftStockTransactionID
   * that the issue or receipt then carries. The draft id is derived from the posting key, so
   * a retry finds its reservation instead of reserving the quantity again.
   */
  async function stockFields(
    stock: MaterialIssue | FinishedGoodsReceipt | ByProductReceipt,
    itemId: string,
    shopOrder: ShopOrderRow,
    type: number,
    key: string,
  ): Promise<{ fields: StockFields; notes: string[] }> {
    const item = await itemFor(itemId);
    if (!shopOrder.Warehouse) throw new ErpError(`Exact Online shop order ${shopOrder.ShopOrderNumber} has no warehouse`, 'needsPerson', 'WarehouseMissing');
    const location: StockFields = stock.storageLocation ? { StorageLocation: await storageLocationFor(stock.storageLocation, shopOrder.Warehouse) } : {};
    const draft = draftStockTransactionId(key);
    // A receipt carries the draft id of its posting key, reserved numbers or not: receipts have no
    // free text, so this is how a look-up recognises only what this posting made (an issue has its Note).
    const fields: StockFields = stock.kind === 'MaterialIssue' ? location : { ...location, DraftStockTransactionID: draft };
    const serials = stock.serialNumbers ?? [];
    if (item.IsSerialItem) return { fields: await reserveSerials(stock, item, shopOrder.Warehouse, fields, type, key), notes: [] };
    const notes = serials.length > 0 ? [`Exact Online does not manage item ${item.Code} by serial number: serial numbers ${serials.join(', ')} stay in the floor record`] : [];
    if (item.IsBatchItem !== 1) {
      return { fields, notes: [...notes, ...(stock.batch ? [`Exact Online does not manage item ${item.Code} by batch: batch ${stock.batch} stays in the floor record`] : [])] };
    }
    if (!stock.batch) {
      const fix =
        stock.kind === 'MaterialIssue'
          ? `the floor reported ${stock.material} consumed without a batch (correct the event with its batch)`
          : stock.kind === 'ByProductReceipt'
            ? `the floor reported by-product ${stock.material} without a batch (correct the event with its batch)`
            : `order ${stock.productionOrder} was released without the batch its output goes into (release it again with outputBatch)`;
      throw new ErpError(`Exact Online manages item ${item.Code} by batch; ${fix}`, 'needsPerson', 'BatchNumberRequired');
    }
    const [reserved] = await transport.list<{ ID: string }>('inventory/StockBatchNumbers', { filter: `DraftStockTransactionID eq guid'${draft}'`, select: ['ID'] });
    if (!reserved) {
      await transport.create('inventory/StockBatchNumbers', {
        BatchNumber: stock.batch,
        DraftStockTransactionID: draft,
        Item: item.ID,
        Quantity: toEdmDouble(stock.quantity),
        StockTransactionType: type,
        Warehouse: shopOrder.Warehouse,
        ...(fields.StorageLocation ? { StorageLocation: fields.StorageLocation } : {}),
      });
    }
    return { fields: { ...fields, DraftStockTransactionID: draft }, notes };
  }

  /**
   * A serial item's serial numbers, each reserved (inventory/StockSerialNumbers) under the
   * draft id derived from the posting key; a retry reserves only those not yet reserved.
   */
  async function reserveSerials(
    stock: MaterialIssue | FinishedGoodsReceipt | ByProductReceipt,
    item: ItemRow,
    warehouseId: string,
    fields: StockFields,
    type: number,
    key: string,
  ): Promise<StockFields> {
    const serials = stock.serialNumbers ?? [];
    if (!equals(String(serials.length), stock.quantity)) {
      const reported =
        stock.kind === 'MaterialIssue'
          ? `${stock.material} consumed`
          : stock.kind === 'ByProductReceipt'
            ? `by-product ${stock.material}`
            : `good output of ${stock.material}`;
      const event = stock.kind === 'FinishedGoodsReceipt' ? 'its QuantityReported events' : 'the event';
      throw new ErpError(
        `Exact Online manages item ${item.Code} by serial number; the floor reported ${stock.quantity} ${stock.unit} ${reported} with ${serials.length} serial numbers (correct ${event} with serialNumbers, one per unit)`,
        'needsPerson',
        'SerialNumbersRequired',
      );
    }
    const draft = draftStockTransactionId(key);
    const reserved = await transport.list<{ SerialNumber: string }>('inventory/StockSerialNumbers', { filter: `DraftStockTransactionID eq guid'${draft}'`, select: ['SerialNumber'] });
    for (const serial of serials.filter((s) => !reserved.some((r) => r.SerialNumber === s))) {
      await transport.create('inventory/StockSerialNumbers', {
        SerialNumber: serial,
        DraftStockTransactionID: draft,
        Item: item.ID,
        StockTransactionType: type,
        Warehouse: warehouseId,
        ...(fields.StorageLocation ? { StorageLocation: fields.StorageLocation } : {}),
      });
    }
    return { ...fields, DraftStockTransactionID: draft };
  }

  /** The shop order's routing step for a floor operation: by operation code, or by line number. */
  async function routingStepFor(shopOrder: ShopOrderRow, operation: string): Promise<RoutingStepRow> {
    const steps = (fresh: boolean) =>
      references.get(
        `routing-steps|${shopOrder.ID}`,
        () => transport.list<RoutingStepRow>('manufacturing/ShopOrderRoutingStepPlans', { filter: `ShopOrder eq guid'${shopOrder.ID}'`, select: ['ID', 'OperationCode', 'LineNumber', 'Workcenter', 'Backflush'] }),
        fresh,
      );
    const matches = (rows: RoutingStepRow[]) =>
      rows.find((s) => s.OperationCode === operation) ?? rows.find((s) => s.LineNumber !== null && /^\d+$/.test(operation) && s.LineNumber === Number(operation));
    const step = matches(await steps(false)) ?? matches(await steps(true));
    if (!step) {
      throw new ErpError(`Exact Online shop order ${shopOrder.ShopOrderNumber} has no routing step for operation ${operation}`, 'needsPerson', 'UnknownOperation');
    }
    return step;
  }

  async function workCentreFor(code: string): Promise<string> {
    const [row] = await references.get(`work-centre|${code}`, () => transport.list<{ ID: string }>('manufacturing/Workcenters', { filter: `Code eq ${odataString(code)}`, select: ['ID'] }));
    if (!row) throw new ErpError(`Exact Online has no work centre ${code}`, 'needsPerson', 'UnknownWorkCentre');
    return row.ID;
  }

  function employeeFor(time: TimePosting | OperationConfirmation): string {
    if (time.kind === 'TimePosting' && time.employee) {
      const id = time.erpEmployee ?? (isGuid(time.employee) ? time.employee : undefined);
      if (!id || !isGuid(id)) {
        throw new ErpError(
          `floor employee ${time.employee} has no Exact Online employee id; map it with correctMapping { "employees": { "${time.employee}": "<Exact employee ID>" } }`,
          'needsPerson',
          'UnknownEmployee',
        );
      }
      return id;
    }
    if (!options.defaultEmployeeId) {
      throw new ErpError('Exact Online books time on an employee; set EXACT_DEFAULT_EMPLOYEE_ID for machine time and confirmations', 'needsPerson', 'EmployeeRequired');
    }
    return options.defaultEmployeeId;
  }

  async function timeTransactionReferences(posting: TimePosting | OperationConfirmation): Promise<TimeTransactionReferences> {
    const employeeId = employeeFor(posting);
    const shopOrder = await shopOrderFor(posting.erpOrderReference);
    const step = posting.operation ? await routingStepFor(shopOrder, posting.operation) : undefined;
    if (step?.Backflush === 1) {
      throw new ErpError(
        `Exact Online backflushes routing step ${posting.operation} of shop order ${shopOrder.ShopOrderNumber}; booking it too would count it twice`,
        'needsPerson',
        'BackflushedByErp',
      );
    }
    const workCentreId = posting.workCentre ? await workCentreFor(posting.workCentre) : (step?.Workcenter ?? undefined);
    return { shopOrderId: shopOrder.ID, employeeId, ...(step ? { routingStepPlanId: step.ID } : {}), ...(workCentreId ? { workCentreId } : {}) };
  }


  /** A stock transaction with its location and reserved batch or serial numbers; the notes say what Exact does not keep. */
  async function postStock(path: ExactEntityPath, body: Record<string, unknown>, stock: { fields: StockFields; notes: string[] }): Promise<PostingResult> {
    const row = await transport.create<CreatedRow & { DraftStockTransactionID?: string | null }>(path, { ...body, ...stock.fields });
    // Exact answers a POST with the row it keeps: one without our draft id could not be recognised after a lost answer.
    const sent = stock.fields.DraftStockTransactionID;
    const kept = sent === undefined || String(row.DraftStockTransactionID ?? '').toLowerCase() === sent;
    const notes = kept ? stock.notes : [...stock.notes, `Exact Online did not keep DraftStockTransactionID ${stock.fields.DraftStockTransactionID} on ${row.StockTransactionId}: after a lost answer this posting could not be recognised`];
    return { ...created(row), notes };
  }





  /** The posting key is in Note (Notes on time transactions), the only free text these documents have. */
  async function findByNote(
    path: 'manufacturing/MaterialIssues' | 'manufacturing/MaterialReversals' | 'manufacturing/ShopOrderReversals' | 'manufacturing/ByProductReversals' | 'manufacturing/TimeTransactions',
    filter: string,
    key: string,
  ) {
    const noteField = path === 'manufacturing/TimeTransactions' ? 'Notes' : 'Note';
    const idField = path.endsWith('Reversals') ? 'ReversalStockTransactionId' : path === 'manufacturing/TimeTransactions' ? 'ID' : 'StockTransactionId';
    const rows = await transport.list<KeyedRow>(path, { filter, select: [idField, noteField] });
    const ours = rows.find((row) => row[noteField] === key);
    return ours ? { erpDocumentId: String(ours[idField]), foundExisting: true } : undefined;
  }


  return {
    transport,
    quarantine: options.quarantine ?? {},
    shopOrderFor,
    materialPlanFor,
    itemFor,
    itemWithCode,
    warehouseFor,
    storageLocationFor,
    stockFields,
    timeTransactionReferences,
    postStock,
    findByNote,
  };
}

export function created(row: CreatedRow): PostingResult {
  return { erpDocumentId: String(row.StockTransactionId ?? row.ReversalStockTransactionId ?? row.TransferID ?? row.EntryID ?? row.ID), foundExisting: false };
}

/** A guid derived from the posting key: the same reservation on every attempt of the posting. */
export function draftStockTransactionId(key: string): string {
  const hex = createHash('sha256').update(`exact-draft-stock-transaction|${key}`).digest('hex');
  // Shaped as a version 5 (name-based) guid.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Exact's ids for the floor's references, kept: the postings of an order need the same ones,
 * and every look-up spends Exact's call budget. Exact never changes these ids (items by id and
 * code, warehouses, storage locations, work centres, a shop order's id, its plan lines and
 * routing steps), so they are kept `ttlMs` (a day); a plan line added since is found by reading
 * the plans again. An empty answer is not kept, so what is created in Exact is found at the
 * next attempt. At most `maxEntries` are kept, the least recently used go first: memory stays
 * flat however many orders are open.
 */
function createReferenceCache(ttlMs: number, maxEntries = 20_000) {
  const entries = new Map<string, { at: number; rows: Promise<unknown[]> }>();
  return {
    get<T>(key: string, load: () => Promise<T[]>, fresh = false): Promise<T[]> {
      const now = Date.now();
      const entry = entries.get(key);
      if (!fresh && entry && now - entry.at < ttlMs) {
        // Most recently used last: the first in the map is the one to drop.
        entries.delete(key);
        entries.set(key, entry);
        return entry.rows as Promise<T[]>;
      }
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      const rows = load();
      entries.delete(key);
      entries.set(key, { at: now, rows });
      void rows.then((r) => r.length === 0 && entries.get(key)?.rows === rows && entries.delete(key), () => entries.get(key)?.rows === rows && entries.delete(key));
      return rows;
    },
  };
}

export type ExactLookups = ReturnType<typeof createExactLookups>;
