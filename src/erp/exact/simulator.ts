/**
 * A stand-in for Exact Online as a real HTTP server: the same paths, bearer auth,
 * {"d": ...} envelopes, paging at 60, X-RateLimit-* headers in epoch milliseconds,
 * 429s with empty bodies, and business errors as HTTP 500 with Exact's error body.
 * It keeps a ledger of what it committed, readable at GET /_simulator/ledger, and
 * takes injected faults at POST /_simulator/faults.
 */
import { randomUUID } from 'node:crypto';
import Big from 'big.js';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type ExactEndpoint,
  type ExactEntityPath,
  MaterialPlanType,
  exactBodyProblem,
  parseEdmDateTime,
  ShopOrderStatus,
  StockTransactionType,
  WarehouseTransferStatus,
  TimeActivityCode,
  TimeTransactionStatus,
  exactContract,
  exactRowProblem,
} from './contract';
import { type LedgerEntry, type Row, type ShopOrderSeed, type TablePath, createExactDivision, toExactDate } from './simulatorDivision';
import { type OAuthAuthorityOptions, createOAuthAuthority } from './simulatorOAuth';

export type { LedgerEntry, ShopOrderSeed } from './simulatorDivision';

/** The employee `npm start` and the tests book machine time on (EXACT_DEFAULT_EMPLOYEE_ID). */
export const SIMULATOR_EMPLOYEE_ID = '0e7a7c3e-5b1d-4c7a-9f00-00000000e001';

export interface ExactSimulatorOptions {
  division: number;
  /** Bearer tokens accepted as they are (no OAuth), e.g. for a fixed-token setup. */
  accessTokens?: readonly string[];
  /** Exact's OAuth2: 10-minute access tokens, single-use rotating refresh tokens. */
  oauth?: OAuthAuthorityOptions;
  /** Employee ids Exact knows from the start. */
  employees?: readonly string[];
  /** Exact's budget: perWindow calls a minute (windowMs) and perDay a day (dayMs, default 24 hours: a benchmark compresses its day). */
  rateLimit?: { perWindow: number; windowMs: number; perDay: number; dayMs?: number };
  pageSize?: number;
  /** Rows per page of the sync endpoints (Exact: 1000). */
  syncPageSize?: number;
  /** Chaos: this share of writes (0-1) commits and then loses its answer, drawn from `random`. */
  dropAfterCommit?: { rate: number; random: () => number };
}

/** The sync endpoints and the table each reads by Timestamp. */
const syncedTables: Partial<Record<ExactEntityPath, TablePath>> = {
  'sync/Manufacturing/ShopOrders': 'manufacturing/ShopOrders',
  'sync/Manufacturing/ShopOrderMaterialPlans': 'manufacturing/ShopOrderMaterialPlans',
  'sync/Manufacturing/ShopOrderRoutingStepPlans': 'manufacturing/ShopOrderRoutingStepPlans',
};

export const ExactFault = z.object({
  /**
   * 'dropResponse': commit, then cut the connection before answering (a lost acknowledgement).
   * 'delayResponse': commit, then answer only after delayMs (a slow ERP; a client may give up first).
   * 'status': answer with `status` without committing (a 429 as Exact sends it: empty, with its minutely reset a second away at most).
   */
  kind: z.enum(['dropResponse', 'delayResponse', 'status']),
  delayMs: z.number().int().positive().max(600_000).default(5000),
  method: z.enum(['GET', 'POST', 'DELETE']).default('POST'),
  path: z.string().min(1),
  status: z.number().int().min(400).max(599).optional(),
  /** With kind 'status': a Retry-After header, as Exact sends in maintenance. */
  retryAfterSeconds: z.number().int().positive().optional(),
  times: z.number().int().positive().default(1),
});
export type ExactFault = z.infer<typeof ExactFault>;

class ExactFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function createExactSimulator(options: ExactSimulatorOptions) {
  const pageSize = options.pageSize ?? 60;
  const syncPageSize = options.syncPageSize ?? 1000;
  const division = createExactDivision(options);
  const { tables, touch, ledger, glAccounts, journals, costCentres, batchesInStock, serialsInStock, employees } = division;
  const { seedShopOrder, editByHand, seedGlAccount, seedEmployee } = division.screens;
  const rateLimit = options.rateLimit ?? { perWindow: 60, windowMs: 60_000, perDay: 5000 };
  const dayMs = rateLimit.dayMs ?? 86_400_000;
  /** Per stock transaction id, the batch quantities and serial numbers it moved that no reversal has taken back yet. */
  const numbersMoved = new Map<string, { batches: Map<string, Big>; serials: Set<string> }>();
  /** DraftStockTransactionIDs a transaction has used: their reservations are spent. */
  const usedDrafts = new Set<string>();
  const authority = options.oauth ? createOAuthAuthority(options.oauth) : undefined;
  const staticTokens = new Set(options.accessTokens ?? []);
  let faults: ExactFault[] = [];
  /** Every API request that reached the simulator, answered or refused. */
  const requests = { GET: 0, POST: 0, DELETE: 0 };
  /** The latest API requests with their bodies, for tests to hold against Exact's contract. */
  const requestLog: { method: string; path: string; body: unknown }[] = [];
  let window = { start: 0, used: 0, refused: 0 };
  /** Finished rate-limit windows: calls let through (used) and refused with 429. */
  const windows: { start: number; used: number; refused: number }[] = [];
  let day = { start: Date.now(), used: 0 };

  /** Faults met so far, by kind (a status fault by its status). */
  const faultsMet = new Map<string, number>();
  function takeFault(method: string, path: string): ExactFault | undefined {
    let fault = faults.find((f) => f.method === method && path.endsWith(f.path));
    if (fault) {
      fault.times -= 1;
      faults = faults.filter((f) => f.times > 0);
    } else if (method === 'POST' && options.dropAfterCommit && options.dropAfterCommit.random() < options.dropAfterCommit.rate) {
      fault = ExactFault.parse({ kind: 'dropResponse', method, path });
    }
    if (fault) {
      const kind = fault.kind === 'status' ? String(fault.status ?? 503) : fault.kind;
      faultsMet.set(kind, (faultsMet.get(kind) ?? 0) + 1);
    }
    return fault;
  }

  /** Counts the call against the division's budget; answers false when it is spent. */
  function withinRateLimit(reply: FastifyReply): boolean {
    const now = Date.now();
    // Exact's minutely windows fall on the clock (its reset is a round minute in epoch ms).
    const start = Math.floor(now / rateLimit.windowMs) * rateLimit.windowMs;
    if (window.start !== start) {
      if (window.used + window.refused > 0) windows.push(window);
      window = { start, used: 0, refused: 0 };
    }
    if (now - day.start >= dayMs) day = { start: now, used: 0 };
    const minuteSpent = window.used >= rateLimit.perWindow;
    const daySpent = day.used >= rateLimit.perDay;
    if (!minuteSpent && !daySpent) {
      window.used += 1;
      day.used += 1;
    } else {
      window.refused += 1;
    }
    // A minutely 429 carries only the minutely headers, a daily one only the daily headers.
    if (!daySpent) {
      reply.header('X-RateLimit-Minutely-Limit', rateLimit.perWindow);
      reply.header('X-RateLimit-Minutely-Remaining', Math.max(0, rateLimit.perWindow - window.used));
      reply.header('X-RateLimit-Minutely-Reset', window.start + rateLimit.windowMs);
    }
    if (!minuteSpent) {
      reply.header('X-RateLimit-Limit', rateLimit.perDay);
      reply.header('X-RateLimit-Remaining', Math.max(0, rateLimit.perDay - day.used));
      reply.header('X-RateLimit-Reset', day.start + dayMs);
    }
    return !minuteSpent && !daySpent;
  }

  /** The shop order, if it can still take stock transactions, and a positive quantity. */
  function openShopOrder(id: unknown, body: Row): { shopOrder: Row; quantity: number } {
    const shopOrder = tables['manufacturing/ShopOrders'].find((row) => row.ID === id);
    if (!shopOrder) throw new ExactFailure(500, 'Ongeldige referentie: Productieorder');
    if (shopOrder.Status === ShopOrderStatus.Completed) {
      throw new ExactFailure(500, `Productieorder ${String(shopOrder.ShopOrderNumber)} is gereed gemeld en kan niet meer worden gewijzigd.`);
    }
    const quantity = body.Quantity as number;
    if (!(quantity > 0)) throw new ExactFailure(500, 'Ongeldig: Aantal');
    return { shopOrder, quantity };
  }

  /**
   * A stock transaction of a shop order (receipt, issue, by-product receipt) as Exact records
   * it, once its storage location and reserved batches pass (see takeReservations).
   * `moved` is what moves: the shop order (its product) or a plan line (its material), by Item, ItemCode and Unit.
   */
  function stockTransaction(shopOrder: Row, moved: Row, body: Row, quantity: number, type: number): Row {
    const item = tables['logistics/Items'].find((i) => sameId(i.ID, moved.Item))!;
    const warehouse = tables['inventory/Warehouses'].find((w) => sameId(w.ID, shopOrder.Warehouse))!;
    const taken = takeReservations(item, warehouse, body, quantity, type);
    const id = randomUUID();
    numbersMoved.set(id, { batches: batchQuantities(taken.filter((r) => r.BatchNumber !== undefined)), serials: new Set(taken.filter((r) => r.SerialNumber !== undefined).map((r) => String(r.SerialNumber))) });
    return {
      StockTransactionId: id,
      ShopOrder: shopOrder.ID,
      ShopOrderNumber: shopOrder.ShopOrderNumber,
      Item: moved.Item,
      ItemCode: moved.ItemCode,
      Quantity: quantity,
      Unit: moved.Unit,
      TransactionDate: toExactDate(parseEdmDateTime(body.TransactionDate)),
      StorageLocation: body.StorageLocation ?? null,
      DraftStockTransactionID: body.DraftStockTransactionID ?? null,
      Warehouse: warehouse.ID,
      WarehouseCode: warehouse.Code,
      IsBatch: item.IsBatchItem === 1 && taken.length > 0 ? 1 : 0,
      IsSerial: item.IsSerialItem === true ? 1 : 0,
      HasReversibleQuantity: true,
      CreatedDate: toExactDate(new Date()),
    };
  }

  function createReceipt(body: Row): Row {
    const { shopOrder, quantity } = openShopOrder(body.ShopOrder, body);
    // Of the stock transactions, only a receipt names its division.
    const record = { ...stockTransaction(shopOrder, shopOrder, body, quantity, StockTransactionType.ShopOrderReceipt), Division: options.division };
    shopOrder.ProducedQuantity = new Big(String(shopOrder.ProducedQuantity)).plus(String(quantity)).toNumber();
    shopOrder.Status = ShopOrderStatus.InProcess;
    touch(shopOrder);
    return record;
  }

  /**
   * Batch numbers (with a quantity) or serial numbers (one unit each) reserved ahead of a
   * stock transaction, under its DraftStockTransactionID; StockTransactionType says which kind.
   */
  function createReservation(kind: 'batch' | 'serial') {
    return (body: Row): Row => {
      const warehouse = tables['inventory/Warehouses'].find((w) => sameId(w.ID, body.Warehouse));
      if (!warehouse) throw new ExactFailure(500, 'Ongeldige referentie: Magazijn');
      if (!(Object.values(StockTransactionType) as unknown[]).includes(body.StockTransactionType)) throw new ExactFailure(500, 'Ongeldig: StockTransactionType');
      if (kind === 'batch' && !((body.Quantity as number) > 0)) throw new ExactFailure(500, 'Ongeldig: Aantal');
      if (usedDrafts.has(String(body.DraftStockTransactionID).toLowerCase())) throw new ExactFailure(500, 'Ongeldig: DraftStockTransactionID is al verwerkt');
      const item = body.Item ? tables['logistics/Items'].find((i) => sameId(i.ID, body.Item)) : undefined;
      if (body.Item && !item) throw new ExactFailure(500, 'Ongeldige referentie: Artikel');
      checkStorageLocation(body.StorageLocation, warehouse);
      return {
        ID: randomUUID(),
        Division: options.division,
        ...(kind === 'batch' ? { BatchNumber: body.BatchNumber, Quantity: body.Quantity } : { SerialNumber: body.SerialNumber }),
        DraftStockTransactionID: body.DraftStockTransactionID,
        Item: item?.ID ?? null,
        ItemCode: item?.Code ?? null,
        StockTransactionType: body.StockTransactionType,
        StorageLocation: body.StorageLocation ?? null,
        Warehouse: warehouse.ID,
        WarehouseCode: warehouse.Code,
        IsBlocked: 0,
      };
    };
  }

  function checkStorageLocation(id: unknown, warehouse: Row): void {
    if (id === undefined || id === null) return;
    const location = tables['inventory/StorageLocations'].find((l) => sameId(l.ID, id));
    if (!location || !sameId(location.Warehouse, warehouse.ID)) throw new ExactFailure(500, 'Ongeldige referentie: Locatie');
  }

  /**
   * What Exact checks of a stock transaction of an item: its storage location, and the batch
   * (or serial) numbers reserved for it under its DraftStockTransactionID, which it spends.
   * Returns the reservations it spent.
   */
  function takeReservations(item: Row, warehouse: Row, body: Row, quantity: number, type: number): Row[] {
    checkStorageLocation(body.StorageLocation, warehouse);
    const draft = body.DraftStockTransactionID === undefined || body.DraftStockTransactionID === null ? undefined : String(body.DraftStockTransactionID).toLowerCase();
    if (draft && usedDrafts.has(draft)) throw new ExactFailure(500, 'Ongeldig: DraftStockTransactionID is al verwerkt');
    const underDraft = (table: 'inventory/StockBatchNumbers' | 'inventory/StockSerialNumbers') =>
      draft ? tables[table].filter((r) => String(r.DraftStockTransactionID).toLowerCase() === draft) : [];
    if (item.IsSerialItem === true) return takeReservedSerials(item, underDraft('inventory/StockSerialNumbers'), draft, quantity, type);
    const reserved = underDraft('inventory/StockBatchNumbers');
    if (item.IsBatchItem !== 1) {
      if (reserved.length > 0) throw new ExactFailure(500, `Ongeldig: Batchnummer (artikel ${String(item.Code)} wordt niet per batch beheerd)`);
      return [];
    }
    if (reserved.length === 0) throw new ExactFailure(500, `Verplicht: Batchnummers (artikel ${String(item.Code)})`);
    for (const batch of reserved) {
      if (batch.StockTransactionType !== type) throw new ExactFailure(500, `Ongeldig: StockTransactionType ${String(batch.StockTransactionType)} bij deze transactie (${type})`);
      if (batch.Item !== null && !sameId(batch.Item, item.ID)) throw new ExactFailure(500, `Ongeldig: Batchnummer ${String(batch.BatchNumber)} hoort bij een ander artikel`);
      const inStock = batchesInStock.get(String(item.ID));
      if (type === StockTransactionType.RequirementIssue && !inStock?.has(String(batch.BatchNumber))) {
        throw new ExactFailure(500, `Ongeldig: Batchnummer ${String(batch.BatchNumber)} is niet op voorraad voor artikel ${String(item.Code)}`);
      }
    }
    const total = reserved.reduce((sum, batch) => sum.plus(String(batch.Quantity)), new Big(0));
    if (!total.eq(String(quantity))) throw new ExactFailure(500, `Ongeldig: Aantal (batchnummers ${total.toString()}, transactie ${quantity})`);
    usedDrafts.add(draft!);
    if (type === StockTransactionType.ShopOrderReceipt) {
      const inStock = batchesInStock.get(String(item.ID)) ?? new Set<string>();
      for (const batch of reserved) inStock.add(String(batch.BatchNumber));
      batchesInStock.set(String(item.ID), inStock);
    }
    return reserved;
  }

  /**
   * A serial item's transaction takes one reserved serial number per unit: an issue takes
   * serial numbers in stock out of it, a receipt puts new ones in (a serial number is unique per item).
   */
  function takeReservedSerials(item: Row, reserved: Row[], draft: string | undefined, quantity: number, type: number): Row[] {
    if (reserved.length === 0) throw new ExactFailure(500, `Verplicht: Serienummers (artikel ${String(item.Code)})`);
    if (reserved.length !== quantity) throw new ExactFailure(500, `Ongeldig: Aantal (serienummers ${reserved.length}, transactie ${quantity})`);
    const inStock = serialsInStock.get(String(item.ID)) ?? new Set<string>();
    const issue = type === StockTransactionType.RequirementIssue;
    for (const serial of reserved) {
      if (serial.StockTransactionType !== type) throw new ExactFailure(500, `Ongeldig: StockTransactionType ${String(serial.StockTransactionType)} bij deze transactie (${type})`);
      if (issue && !inStock.has(String(serial.SerialNumber))) {
        throw new ExactFailure(500, `Ongeldig: Serienummer ${String(serial.SerialNumber)} is niet op voorraad voor artikel ${String(item.Code)}`);
      }
      if (!issue && inStock.has(String(serial.SerialNumber))) throw new ExactFailure(500, `Ongeldig: Serienummer ${String(serial.SerialNumber)} bestaat al voor artikel ${String(item.Code)}`);
    }
    usedDrafts.add(draft!);
    for (const serial of reserved) {
      if (issue) inStock.delete(String(serial.SerialNumber));
      else inStock.add(String(serial.SerialNumber));
    }
    serialsInStock.set(String(item.ID), inStock);
    return reserved;
  }

  /** A material issue, or a by-product receipt: a stock transaction against a plan line of the order. */
  function createPlanTransaction(kind: 'issue' | 'byProduct') {
    const [planType, stockType] =
      kind === 'issue' ? [MaterialPlanType.Material, StockTransactionType.RequirementIssue] : [MaterialPlanType.ByProduct, StockTransactionType.ByProductReceipt];
    return (body: Row): Row => {
      const plan = tables['manufacturing/ShopOrderMaterialPlans'].find((row) => row.ID === body.ShopOrderMaterialPlan);
      if (!plan) throw new ExactFailure(500, 'Ongeldige referentie: Materiaalplan');
      if (plan.Type !== planType) throw new ExactFailure(500, `Ongeldig: Materiaalplan (artikel ${String(plan.ItemCode)} is ${kind === 'issue' ? 'een' : 'geen'} bijproduct)`);
      const { shopOrder, quantity } = openShopOrder(plan.ShopOrder, body);
      return {
        ...stockTransaction(shopOrder, plan, body, quantity, stockType),
        ShopOrderMaterialPlan: plan.ID,
        // Exact types IsBackflush as a byte on issues and a boolean on by-product receipts.
        ...(kind === 'issue' ? { Note: body.Note ?? null, IsBackflush: 0 } : { IsBackflush: false }),
      };
    };
  }

  /**
   * A warehouse transfer, or a location transfer when both warehouses are the same, posted
   * with its lines. Status 50 processes it at once, which Exact does for normal items only.
   */
  function createWarehouseTransfer(body: Row): Row {
    const from = tables['inventory/Warehouses'].find((w) => sameId(w.ID, body.WarehouseFrom));
    const to = tables['inventory/Warehouses'].find((w) => sameId(w.ID, body.WarehouseTo));
    if (!from || !to) throw new ExactFailure(500, 'Ongeldige referentie: Magazijn');
    const status = body.Status ?? WarehouseTransferStatus.Open;
    if (status !== WarehouseTransferStatus.Open && status !== WarehouseTransferStatus.Complete) throw new ExactFailure(500, 'Ongeldig: Status');
    const lines = body.WarehouseTransferLines as Row[];
    if (lines.length === 0) throw new ExactFailure(500, 'Verplicht: WarehouseTransferLines');
    const transferId = randomUUID();
    const recorded = lines.map((line, index): Row => {
      const item = tables['logistics/Items'].find((i) => sameId(i.ID, line.Item));
      if (!item) throw new ExactFailure(500, 'Ongeldige referentie: Artikel');
      if (!((line.Quantity as number) > 0)) throw new ExactFailure(500, 'Ongeldig: Aantal');
      if (status === WarehouseTransferStatus.Complete && (item.IsBatchItem === 1 || item.IsSerialItem === true)) {
        throw new ExactFailure(500, `Ongeldig: artikel ${String(item.Code)} heeft batch- of serienummers; deze overboeking kan niet direct worden verwerkt`);
      }
      checkStorageLocation(line.StorageLocationFrom, from);
      checkStorageLocation(line.StorageLocationTo, to);
      if (from === to) {
        if (!line.StorageLocationFrom) throw new ExactFailure(500, 'Verplicht: StorageLocationFrom');
        if (!line.StorageLocationTo) throw new ExactFailure(500, 'Verplicht: StorageLocationTo');
        if (sameId(line.StorageLocationFrom, line.StorageLocationTo)) throw new ExactFailure(500, 'Ongeldig: StorageLocationTo (gelijk aan StorageLocationFrom)');
      }
      const location = (id: unknown) => tables['inventory/StorageLocations'].find((l) => sameId(l.ID, id));
      return {
        ID: randomUUID(),
        TransferID: transferId,
        LineNumber: index + 1,
        Item: item.ID,
        ItemCode: item.Code,
        Quantity: line.Quantity,
        UnitCode: item.Unit,
        StorageLocationFrom: line.StorageLocationFrom ?? null,
        StorageLocationFromCode: location(line.StorageLocationFrom)?.Code ?? null,
        StorageLocationTo: line.StorageLocationTo ?? null,
        StorageLocationToCode: location(line.StorageLocationTo)?.Code ?? null,
        Description: line.Description ?? null,
      };
    });
    tables['inventory/WarehouseTransferLines'].push(...recorded);
    const entryDate = toExactDate(parseEdmDateTime(body.EntryDate));
    return {
      TransferID: transferId,
      TransferNumber: tables['inventory/WarehouseTransfers'].length + 1,
      Division: options.division,
      Description: body.Description ?? null,
      Remarks: body.Remarks ?? null,
      EntryDate: entryDate,
      Status: status,
      TransferDate: status === WarehouseTransferStatus.Complete ? entryDate : null,
      Source: 4,
      WarehouseFrom: from.ID,
      WarehouseFromCode: from.Code,
      WarehouseTo: to.ID,
      WarehouseToCode: to.Code,
      WarehouseTransferLines: recorded,
    };
  }

  /** A general journal entry (type 90): its lines must name known accounts and balance to zero. */
  function createJournalEntry(body: Row): Row {
    if (!journals.has(String(body.JournalCode))) throw new ExactFailure(500, `Ongeldige referentie: Dagboek ${String(body.JournalCode)}`);
    const lines = body.GeneralJournalEntryLines as Row[];
    if (lines.length === 0) throw new ExactFailure(500, 'Verplicht: GeneralJournalEntryLines');
    let balance = new Big(0);
    const entryId = randomUUID();
    const entryNumber = tables['generaljournalentry/GeneralJournalEntries'].length + 1;
    const dates = lines.map((line) => (line.Date ? parseEdmDateTime(line.Date) : new Date()));
    const recorded = lines.map((line, index): Row => {
      const code = glAccounts.get(String(line.GLAccount).toLowerCase());
      if (!code) throw new ExactFailure(500, 'Ongeldige referentie: Grootboekrekening');
      if (line.CostCenter && !costCentres.has(String(line.CostCenter))) throw new ExactFailure(500, `Ongeldige referentie: Kostenplaats ${String(line.CostCenter)}`);
      const amount = (line.AmountFC as number | undefined) ?? 0;
      balance = balance.plus(String(amount));
      return {
        ID: randomUUID(),
        EntryID: entryId,
        EntryNumber: entryNumber,
        LineNumber: index + 1,
        GLAccount: line.GLAccount,
        GLAccountCode: code,
        AmountFC: amount,
        AmountDC: amount,
        Date: toExactDate(dates[index]!),
        Description: line.Description ?? null,
        Notes: line.Notes ?? null,
        CostCenter: line.CostCenter ?? null,
        Quantity: line.Quantity ?? null,
      };
    });
    if (!balance.eq(0)) throw new ExactFailure(500, `Ongeldig: de boeking is niet in balans (verschil ${balance.toString()})`);
    tables['generaljournalentry/GeneralJournalEntryLines'].push(...recorded);
    return {
      EntryID: entryId,
      EntryNumber: entryNumber,
      JournalCode: body.JournalCode,
      FinancialYear: dates[0]!.getUTCFullYear(),
      FinancialPeriod: dates[0]!.getUTCMonth() + 1,
      Currency: body.Currency ?? 'EUR',
      Reversal: body.Reversal ?? false,
      Status: 20,
      Type: 90,
      GeneralJournalEntryLines: recorded,
    };
  }

  /** What reversals of an original have taken back so far. */
  function reversedOf(path: TablePath, originalId: unknown): Big {
    return tables[path].filter((r) => r.OriginalStockTransactionId === originalId).reduce((t, r) => t.plus(String(r.Quantity)), new Big(0));
  }

  /**
   * A material reversal takes back all that is left of the issue (no Quantity: its batch and
   * serial numbers go back with it) or a part, whose batch or serial numbers it must name.
   */
  function createMaterialReversal(body: Row): Row {
    const original = tables['manufacturing/MaterialIssues'].find((row) => row.StockTransactionId === body.OriginalStockTransactionId);
    if (!original) throw new ExactFailure(500, 'Ongeldige referentie: Oorspronkelijke voorraadtransactie');
    const reversible = new Big(String(original.Quantity)).minus(reversedOf('manufacturing/MaterialReversals', original.StockTransactionId));
    const partial = body.Quantity !== undefined && body.Quantity !== null;
    const quantity = partial ? new Big(String(body.Quantity)) : reversible;
    if (!reversible.gt(0)) throw new ExactFailure(500, 'Deze transactie heeft geen terug te boeken aantal.');
    if (!quantity.gt(0) || quantity.gt(reversible)) throw new ExactFailure(500, `Ongeldig: Aantal (maximaal ${reversible.toString()} terug te boeken)`);
    const moved = numbersMoved.get(String(original.StockTransactionId))!;
    const returned = partial ? namedNumbers(original, moved, body, quantity) : { batches: new Map(moved.batches), serials: [...moved.serials] };
    for (const [batch, batchQuantity] of returned.batches) moved.batches.set(batch, moved.batches.get(batch)!.minus(batchQuantity));
    const inStock = serialsInStock.get(String(original.Item)) ?? new Set<string>();
    for (const serial of returned.serials) {
      moved.serials.delete(serial);
      inStock.add(serial);
    }
    serialsInStock.set(String(original.Item), inStock);
    original.HasReversibleQuantity = reversible.gt(quantity);
    return {
      ReversalStockTransactionId: randomUUID(),
      OriginalStockTransactionId: original.StockTransactionId,
      ShopOrder: original.ShopOrder,
      ShopOrderNumber: original.ShopOrderNumber,
      ShopOrderMaterialPlan: original.ShopOrderMaterialPlan,
      Item: original.Item,
      ItemCode: original.ItemCode,
      IsBatch: original.IsBatch,
      IsSerial: original.IsSerial,
      Quantity: quantity.toNumber(),
      Unit: original.Unit,
      TransactionDate: toExactDate(parseEdmDateTime(body.TransactionDate)),
      StorageLocation: body.StorageLocation ?? original.StorageLocation,
      Warehouse: original.Warehouse,
      Note: body.Note ?? null,
      IsBackflush: false,
      BatchNumbers: [...returned.batches].map(([BatchNumber, q]) => ({ BatchNumber, Quantity: q.toNumber() })),
      SerialNumbers: returned.serials.map((SerialNumber) => ({ SerialNumber })),
    };
  }

  /** The batch or serial numbers a partial reversal names: those the issue moved, as many as it takes back. */
  function namedNumbers(original: Row, moved: { batches: Map<string, Big>; serials: Set<string> }, body: Row, quantity: Big): { batches: Map<string, Big>; serials: string[] } {
    const named = (field: 'BatchNumbers' | 'SerialNumbers') => (Array.isArray(body[field]) ? (body[field] as Row[]) : []);
    for (const row of [...named('BatchNumbers'), ...named('SerialNumbers')]) {
      if (row.StockTransactionType !== StockTransactionType.RequirementReversal) throw new ExactFailure(500, `Ongeldig: StockTransactionType ${String(row.StockTransactionType)} bij deze transactie (${StockTransactionType.RequirementReversal})`);
    }
    if (original.IsSerial === 1) {
      const serials = named('SerialNumbers').map((row) => String(row.SerialNumber));
      if (serials.length === 0) throw new ExactFailure(500, 'Verplicht: SerialNumbers');
      if (!quantity.eq(serials.length)) throw new ExactFailure(500, `Ongeldig: Aantal (serienummers ${serials.length}, terugboeking ${quantity.toString()})`);
      const foreign = serials.find((serial) => !moved.serials.has(serial));
      if (foreign !== undefined) throw new ExactFailure(500, `Ongeldig: Serienummer ${foreign} is niet uitgegeven met de oorspronkelijke transactie`);
      return { batches: new Map(), serials };
    }
    if (original.IsBatch === 1) {
      const batches = batchQuantities(named('BatchNumbers'));
      if (batches.size === 0) throw new ExactFailure(500, 'Verplicht: BatchNumbers');
      const total = [...batches.values()].reduce((t, q) => t.plus(q), new Big(0));
      if (!total.eq(quantity)) throw new ExactFailure(500, `Ongeldig: Aantal (batchnummers ${total.toString()}, terugboeking ${quantity.toString()})`);
      for (const [batch, batchQuantity] of batches) {
        if (!(moved.batches.get(batch) ?? new Big(0)).gte(batchQuantity)) throw new ExactFailure(500, `Ongeldig: Batchnummer ${batch} is niet uitgegeven met de oorspronkelijke transactie`);
      }
      return { batches, serials: [] };
    }
    if (named('BatchNumbers').length > 0 || named('SerialNumbers').length > 0) throw new ExactFailure(500, `Ongeldig: artikel ${String(original.ItemCode)} heeft geen batch- of serienummers`);
    return { batches: new Map(), serials: [] };
  }

  /** Receipts and by-product receipts are reversed whole: their reversals take no quantity. */
  function createWholeReversal(receipts: 'manufacturing/ShopOrderReceipts' | 'manufacturing/ByProductReceipts') {
    return (body: Row): Row => {
      const original = tables[receipts].find((row) => row.StockTransactionId === body.OriginalStockTransactionId);
      if (!original) throw new ExactFailure(500, 'Ongeldige referentie: Oorspronkelijke voorraadtransactie');
      if (original.HasReversibleQuantity !== true) throw new ExactFailure(500, 'Deze transactie heeft geen terug te boeken aantal.');
      // Its serial numbers leave stock with it: each must still be there.
      const moved = numbersMoved.get(String(original.StockTransactionId))!;
      const inStock = serialsInStock.get(String(original.Item)) ?? new Set<string>();
      const gone = [...moved.serials].find((serial) => !inStock.has(serial));
      if (gone !== undefined) throw new ExactFailure(500, `Ongeldig: Serienummer ${gone} is niet op voorraad voor artikel ${String(original.ItemCode)}`);
      for (const serial of moved.serials) inStock.delete(serial);
      moved.serials.clear();
      original.HasReversibleQuantity = false;
      if (receipts === 'manufacturing/ShopOrderReceipts') {
        const shopOrder = tables['manufacturing/ShopOrders'].find((row) => row.ID === original.ShopOrder)!;
        shopOrder.ProducedQuantity = new Big(String(shopOrder.ProducedQuantity)).minus(String(original.Quantity)).toNumber();
        touch(shopOrder);
      }
      return {
        ReversalStockTransactionId: randomUUID(),
        OriginalStockTransactionId: original.StockTransactionId,
        ShopOrder: original.ShopOrder,
        ShopOrderNumber: original.ShopOrderNumber,
        ...(original.ShopOrderMaterialPlan ? { ShopOrderMaterialPlan: original.ShopOrderMaterialPlan } : {}),
        ItemCode: original.ItemCode,
        Quantity: original.Quantity,
        TransactionDate: toExactDate(parseEdmDateTime(body.TransactionDate)),
        Note: body.Note ?? null,
      };
    };
  }

  function createTimeTransaction(body: Row): Row {
    if (!employees.has(String(body.Employee).toLowerCase())) throw new ExactFailure(500, 'Ongeldige referentie: Medewerker');
    const shopOrder = body.ShopOrder ? tables['manufacturing/ShopOrders'].find((row) => row.ID === body.ShopOrder) : undefined;
    if (body.ShopOrder && !shopOrder) throw new ExactFailure(500, 'Ongeldige referentie: Productieorder');
    if (shopOrder?.Status === ShopOrderStatus.Completed) {
      throw new ExactFailure(500, `Productieorder ${String(shopOrder.ShopOrderNumber)} is gereed gemeld en kan niet meer worden gewijzigd.`);
    }
    const step = body.RoutingStepPlan ? tables['manufacturing/ShopOrderRoutingStepPlans'].find((row) => row.ID === body.RoutingStepPlan) : undefined;
    if (body.RoutingStepPlan && (!step || step.ShopOrder !== body.ShopOrder)) throw new ExactFailure(500, 'Ongeldige referentie: Bewerking');
    if (body.WorkCenter && !tables['manufacturing/Workcenters'].some((row) => row.ID === body.WorkCenter)) throw new ExactFailure(500, 'Ongeldige referentie: Werkplek');
    const activity = body.Activity ?? TimeActivityCode.Run;
    if (activity !== TimeActivityCode.Setup && activity !== TimeActivityCode.Run) throw new ExactFailure(500, 'Ongeldig: Activiteit');
    const status = body.Status ?? TimeTransactionStatus.Draft;
    if (status === TimeTransactionStatus.Final) throw new ExactFailure(500, 'Uren kunnen via de API niet worden goedgekeurd.');
    for (const field of ['Hours', 'LaborHours', 'Quantity'] as const) {
      if (typeof body[field] === 'number' && (body[field] as number) < 0) throw new ExactFailure(500, `Ongeldig: ${field}`);
    }
    return {
      ID: randomUUID(),
      Division: options.division,
      Activity: activity,
      Date: body.Date ? toExactDate(parseEdmDateTime(body.Date)) : toExactDate(new Date()),
      Employee: body.Employee,
      Hours: body.Hours,
      LaborHours: body.LaborHours ?? 0,
      IsOperationFinished: body.IsOperationFinished ?? 0,
      Notes: body.Notes ?? null,
      Quantity: body.Quantity ?? 0,
      RoutingStepPlan: body.RoutingStepPlan ?? null,
      ShopOrder: body.ShopOrder ?? null,
      Status: status,
      WorkCenter: body.WorkCenter ?? step?.Workcenter ?? null,
    };
  }

  const creators: Partial<Record<ExactEntityPath, (body: Row) => Row>> = {
    'manufacturing/TimeTransactions': createTimeTransaction,
    'manufacturing/ShopOrderReceipts': createReceipt,
    'manufacturing/MaterialIssues': createPlanTransaction('issue'),
    'manufacturing/MaterialReversals': createMaterialReversal,
    'manufacturing/ShopOrderReversals': createWholeReversal('manufacturing/ShopOrderReceipts'),
    'manufacturing/ByProductReceipts': createPlanTransaction('byProduct'),
    'manufacturing/ByProductReversals': createWholeReversal('manufacturing/ByProductReceipts'),
    'inventory/StockBatchNumbers': createReservation('batch'),
    'inventory/StockSerialNumbers': createReservation('serial'),
    'inventory/WarehouseTransfers': createWarehouseTransfer,
    'generaljournalentry/GeneralJournalEntries': createJournalEntry,
  };

  const app = Fastify({ logger: false });

  // Exact reads bodies as JSON whatever else; a body that is not JSON is its own 400.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(new ExactFailure(400, 'Error processing request stream. The request should be a valid top-level resource object.'), undefined);
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof ExactFailure ? error.status : 500;
    const message = error instanceof Error ? error.message : String(error);
    void reply.status(status).type('application/json').send(exactErrorBody(message));
  });

  async function handleApi(request: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST' | 'DELETE') {
    requests[method] += 1;
    const { division, '*': segment } = request.params as { division: string; '*': string };
    requestLog.push({ method, path: segment.split('?')[0]!, body: request.body });
    if (requestLog.length > 10_000) requestLog.shift();
    // DELETE names one record: Entity(guid'…').
    const keyed = /^(.*)\(guid'([^']*)'\)$/.exec(segment);
    const entityPath = keyed ? keyed[1]! : segment;
    if (request.headers.authorization !== undefined && !/^Bearer /.test(request.headers.authorization)) {
      throw new ExactFailure(401, 'Unauthorized');
    }
    const token = request.headers.authorization?.slice('Bearer '.length);
    if (!token || !(staticTokens.has(token) || authority?.isValidAccessToken(token))) {
      return reply.status(401).type('application/json').send(exactErrorBody('Unauthorized'));
    }
    if (Number(division) !== options.division) throw new ExactFailure(403, 'Forbidden - WrongDivision');
    if (!withinRateLimit(reply)) return reply.status(429).send('');

    const endpoint = (exactContract() as Record<string, ExactEndpoint>)[entityPath];
    if (!endpoint || !endpoint.methods.includes(method) || (method === 'DELETE') !== Boolean(keyed)) {
      throw new ExactFailure(404, `Resource not found for the segment '${entityPath.split('/').pop() ?? ''}'.`);
    }
    const path = entityPath as ExactEntityPath;
    const fault = takeFault(method, path);
    if (fault?.kind === 'status') {
      if (fault.retryAfterSeconds) reply.header('Retry-After', fault.retryAfterSeconds);
      const status = fault.status ?? 503;
      // A 429 as Exact sends it: an empty body, the minutely window spent until its reset.
      if (status === 429) {
        reply.header('X-RateLimit-Minutely-Limit', rateLimit.perWindow);
        reply.header('X-RateLimit-Minutely-Remaining', 0);
        reply.header('X-RateLimit-Minutely-Reset', Date.now() + Math.min(rateLimit.windowMs, 1000));
        return reply.status(429).send('');
      }
      return reply.status(status).type('application/json').send(exactErrorBody(status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : `HTTP ${status}`));
    }

    if (method === 'GET') return reply.send({ d: listPage(request, path, endpoint) });
    if (path.startsWith('sync/')) throw new ExactFailure(405, 'Method not allowed');
    return write(request, reply, method, path as TablePath, endpoint, keyed, fault);
  }

  async function write(request: FastifyRequest, reply: FastifyReply, method: 'POST' | 'DELETE', path: TablePath, endpoint: ExactEndpoint, keyed: RegExpExecArray | null, fault: ExactFault | undefined) {
    if (method === 'DELETE') {
      const table = tables[path];
      const index = table.findIndex((row) => String(row[endpoint.key]).toLowerCase() === keyed![2]!.toLowerCase());
      if (index === -1) throw new ExactFailure(404, `The resource '${path.split('/').pop() ?? ''}' with key '${keyed![2]}' does not exist.`);
      if (path !== 'manufacturing/TimeTransactions') throw new ExactFailure(405, 'Method not allowed');
      if (table[index]!.Status === TimeTransactionStatus.Final) throw new ExactFailure(500, 'Goedgekeurde uren kunnen niet worden verwijderd.');
      const [record] = table.splice(index, 1);
      ledger.push({ entity: path, id: keyed![2]!, action: 'deleted', committedAt: new Date().toISOString(), record: record! });
      if (fault?.kind === 'dropResponse') {
        request.raw.socket.destroy();
        return reply.hijack();
      }
      return reply.status(204).send();
    }

    const body = validateBody(endpoint, request.body);
    const create = creators[path];
    if (!create) throw new ExactFailure(405, 'Method not allowed');
    const record = create(body);
    tables[path].push(record);
    ledger.push({ entity: path, id: String(record[endpoint.key]), action: 'created', committedAt: new Date().toISOString(), record });
    if (fault?.kind === 'dropResponse') {
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (fault?.kind === 'delayResponse') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    return reply.status(201).send({ d: project(record, undefined, endpoint) });
  }

  function listPage(request: FastifyRequest, path: ExactEntityPath, endpoint: ExactEndpoint) {
    const query = request.query as Record<string, string | undefined>;
    const predicate = compileFilter(query.$filter, endpoint);
    const select = query.$select ? query.$select.split(',').map((f) => f.trim()) : undefined;
    for (const field of select ?? []) {
      if (!(field in endpoint.fields)) throw new ExactFailure(400, `Bad Request - Error in query syntax. Unknown property '${field}'.`);
    }
    if (endpoint.hasSyncTwin && !query.$filter) throw new ExactFailure(400, 'Bad Request - A $filter is mandatory on this endpoint; read all records from its sync endpoint.');
    const synced = syncedTables[path];
    // A sync set is read by row version: `Timestamp gt n` is the cursor, rows come in Timestamp order.
    if (synced && !/\bTimestamp gt \d+L?\b/.test(query.$filter ?? '')) throw new ExactFailure(400, "Bad Request - a sync endpoint needs $filter=Timestamp gt <n>L.");
    const size = synced ? syncPageSize : pageSize;
    const rows = synced ? [...tables[synced]].sort((a, b) => Number(a.Timestamp) - Number(b.Timestamp)) : tables[path as TablePath];
    const skip = Number(query.$skiptoken ?? 0);
    const matching = rows.filter(predicate);
    const page = matching.slice(skip, skip + size).map((row) => project(row, select, endpoint));
    const next =
      skip + size < matching.length
        ? `${request.protocol}://${request.host}${request.url.split('?')[0]}?${new URLSearchParams({
            ...(query as Record<string, string>),
            $skiptoken: String(skip + size),
          }).toString()}`
        : undefined;
    return next ? { results: page, __next: next } : { results: page };
  }

  // Exact's token endpoint takes a form, like any OAuth2 server.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.post('/api/oauth2/token', async (request, reply) => {
    if (!authority) return reply.status(404).send('');
    const answer = authority.refresh((request.body ?? {}) as Record<string, string>);
    return reply.status(answer.status).send(answer.body);
  });
  /** Stands in for a user consenting in the browser: a new token chain. */
  app.post('/_simulator/oauth/consent', async (_request, reply) => (authority ? authority.consent() : reply.status(404).send({ error: 'the simulator runs without OAuth' })));
  app.get('/_simulator/oauth', async () => authority?.state() ?? { oauth: false });

  app.get('/api/v1/:division/*', (request, reply) => handleApi(request, reply, 'GET'));
  app.post('/api/v1/:division/*', (request, reply) => handleApi(request, reply, 'POST'));
  app.delete('/api/v1/:division/*', (request, reply) => handleApi(request, reply, 'DELETE'));

  app.get('/_simulator/ledger', async () => ({ entries: ledger }));
  /** The API requests so far by method, and the day's calls against the budget. */
  app.get('/_simulator/requests', async () => ({ ...requests, dayUsed: day.used, dayLimit: rateLimit.perDay }));
  app.delete('/_simulator/faults', async () => {
    faults = [];
    return { faults };
  });
  app.post('/_simulator/faults', async (request) => {
    const fault = ExactFault.parse(request.body);
    faults.push(fault);
    return { faults };
  });
  app.post('/_simulator/shop-orders', async (request, reply) => reply.status(201).send(seedShopOrder(request.body as ShopOrderSeed)));
  app.post('/_simulator/gl-accounts', async (request, reply) => reply.status(201).send({ ID: seedGlAccount(z.object({ code: z.string().min(1) }).parse(request.body).code) }));
  app.post('/_simulator/by-hand', async (request, reply) => {
    const body = z.union([z.strictObject({ documentId: z.string().min(1), quantity: z.number().positive() }), z.strictObject({ documentId: z.string().min(1), delete: z.literal(true) })]).parse(request.body);
    editByHand(body.documentId, 'delete' in body ? { delete: true } : { quantity: body.quantity });
    return reply.status(204).send();
  });
  app.post('/_simulator/employees', async (request, reply) => reply.status(201).send({ ID: seedEmployee((request.body as { ID?: string } | undefined)?.ID) }));

  return {
    app,
    ...division.screens,
    /** Present when the simulator runs OAuth2. */
    oauth: authority,
    injectFault: (fault: z.input<typeof ExactFault>) => faults.push(ExactFault.parse(fault)),
    /** Faults injected and not yet met. */
    pendingFaults: (): readonly ExactFault[] => faults,
    /** Faults met so far, by kind ('dropResponse', 'delayResponse', or the status answered). */
    faultsMet: (): Record<string, number> => Object.fromEntries(faultsMet),
    clearFaults: () => {
      faults = [];
    },
    ledger: (): readonly LedgerEntry[] => ledger,
    requestCounts: () => ({ ...requests }),
    /** Every rate-limit window so far, the current one last. */
    rateLimitWindows: () => [...windows, window],
    requestLog: (): readonly { method: string; path: string; body: unknown }[] => requestLog,
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      return app.listen({ port, host });
    },
    close: () => app.close(),
  };
}

export type ExactSimulator = ReturnType<typeof createExactSimulator>;

export function exactErrorBody(message: string) {
  return { error: { code: '', message: { lang: '', value: message } } };
}

/** Rejects what Exact rejects, with Exact's status and message. */
function validateBody(endpoint: ExactEndpoint, body: unknown): Row {
  const problem = exactBodyProblem(endpoint, body);
  if (problem) throw new ExactFailure(problem.status, problem.message);
  return body as Row;
}

/** Exact compares guids without regard to case. */
function sameId(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Batch records (StockBatchNumbers) as quantity per batch number. */
function batchQuantities(rows: readonly Row[]): Map<string, Big> {
  const batches = new Map<string, Big>();
  for (const row of rows) batches.set(String(row.BatchNumber), (batches.get(String(row.BatchNumber)) ?? new Big(0)).plus(String(row.Quantity)));
  return batches;
}

/** A row as served, `$select`ed; a row the fact table would not type so is the simulator's own bug. */
function project(row: Row, select: readonly string[] | undefined, endpoint: ExactEndpoint): Row {
  const served = select ? Object.fromEntries(select.map((field) => [field, row[field] ?? null])) : row;
  const problem = exactRowProblem(endpoint, served);
  if (problem) {
    console.error(`Exact simulator: it serves a row Exact would not: ${problem}`);
    throw new Error(`the simulator serves a row Exact would not: ${problem}`);
  }
  return served;
}

/** The OData subset the bridge uses: `Field eq value` clauses (guid, datetime, string, number), `Timestamp gt 123L` and `Modified gt datetime'…'`, joined by `and`. */
function compileFilter(filter: string | undefined, endpoint: ExactEndpoint): (row: Row) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const match = /^\s*(\w+)\s+(eq|gt)\s+(guid'[^']*'|datetime'[^']*'|'(?:[^']|'')*'|-?\d+(?:\.\d+)?L?)\s*$/.exec(clause);
    if (!match || !(match[1]! in endpoint.fields)) throw new ExactFailure(400, 'Bad Request - Error in query syntax.');
    const [, field, operator, literal] = match as unknown as [string, string, 'eq' | 'gt', string];
    if (operator === 'gt' && literal.startsWith('datetime') && endpoint.fields[field]!.edm === 'Edm.DateTime') {
      const after = parseEdmDateTime(literal.slice(9, -1)).getTime();
      return (row: Row) => row[field] !== undefined && row[field] !== null && parseEdmDateTime(row[field]).getTime() > after;
    }
    if (operator === 'gt') {
      // Edm.Int64 literals carry an L: compared as integers.
      if (!/^-?\d+L$/.test(literal)) throw new ExactFailure(400, 'Bad Request - Error in query syntax.');
      const bound = BigInt(literal.slice(0, -1));
      return (row: Row) => row[field] !== undefined && row[field] !== null && BigInt(String(row[field])) > bound;
    }
    if (literal.startsWith('datetime')) {
      const at = parseEdmDateTime(literal.slice(9, -1)).getTime();
      return (row: Row) => row[field] !== undefined && row[field] !== null && parseEdmDateTime(row[field]).getTime() === at;
    }
    const value: unknown = literal.startsWith('guid') ? literal.slice(5, -1) : literal.startsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : Number(literal);
    return (row: Row) => (typeof value === 'string' ? String(row[field]).toLowerCase() === value.toLowerCase() : row[field] === value);
  });
  return (row) => clauses.every((matches) => matches(row));
}
