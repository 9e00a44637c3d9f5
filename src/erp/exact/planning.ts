/**
 * Exact Online's planning, read through its sync endpoints: shop orders, their material
 * plans and routing step plans changed since a Timestamp (Exact's row version, higher on
 * every insert or change). The cursor holds the highest Timestamp read of each set; a set
 * read is one page (`$select`ed, ordered by Timestamp), and the next read goes on from there.
 *
 * Items, work centres and bills of materials (versions, and their lines by `sysmodified`)
 * have no sync set: they are read by `Modified gt` the highest Modified of the last complete
 * read, one page of 60 a turn, following `__next` (kept in the cursor) until the read is
 * complete. A row changed while a read pages through is read again by the next one, so none
 * is missed.
 *
 * Exact's fact table has no sync set for deletions (`sync/Deleted`), so every
 * `fullReadEveryMs`, or when asked, a full read reads the sets again from their beginning
 * (Timestamp 1, Modified 1970). A row changed or added while it runs has a higher Timestamp
 * than any read so far, so it is still read before the set's read ends; what a set's read
 * to the end did not see is gone from Exact. Work centres and BOM lines are read in full
 * too. Items are not: a material master is the operator's as much as Exact's, and is never
 * removed because Exact lost an item.
 */
import type { ErpBomLine, ErpBomVersion, ErpItem, ErpWorkCentre, PlannedComponent, PlannedOperation, PlannedOrder, PlannedOrderStatus, PlanningChanges, PlanningSet } from '../../domain/planning';
import type { ErpPlanningReader } from '../adapter';
import { MaterialPlanType, ShopOrderStatus, parseEdmDateTime } from './contract';
import { divide } from '../../domain/quantity';
import { fromEdmDouble } from './mapping';
import type { ExactPage, ExactTransport } from './transport';

const syncSets = {
  orders: 'sync/Manufacturing/ShopOrders',
  components: 'sync/Manufacturing/ShopOrderMaterialPlans',
  operations: 'sync/Manufacturing/ShopOrderRoutingStepPlans',
} as const;
type SyncSet = keyof typeof syncSets;

/** The sets read by the time they were last modified, and the field that holds it. */
const modifiedSets = {
  items: { path: 'logistics/Items', field: 'Modified' },
  workCentres: { path: 'manufacturing/Workcenters', field: 'Modified' },
  bomVersions: { path: 'manufacturing/BillOfMaterialVersions', field: 'Modified' },
  bomLines: { path: 'manufacturing/BillOfMaterialMaterials', field: 'sysmodified' },
} as const;
type ModifiedSet = keyof typeof modifiedSets;
const modifiedSetNames = Object.keys(modifiedSets) as ModifiedSet[];

/** A read by Modified: rows modified after `after`; `max` is the highest Modified seen in the read under way, `next` its next page; `readAt` when the last read completed. */
interface ModifiedCursor {
  after: number;
  max: number;
  next?: string;
  readAt?: number;
}

/** A full read under way: its id, and the sets it has not yet read to the end. */
interface FullReadCursor {
  id: string;
  pending: PlanningSet[];
}

/**
 * The highest Timestamp read of each sync set, as decimal strings (Edm.Int64 may exceed a
 * double); where the reads by Modified stand; the full read under way, or when the last ended.
 */
type ExactPlanningCursor = Record<SyncSet, string> & Record<ModifiedSet, ModifiedCursor> & { fullRead?: FullReadCursor; fullReadAt?: number };

const fullReadSets: PlanningSet[] = ['orders', 'components', 'operations', 'workCentres', 'bomLines'];

interface ItemRow {
  ID: string;
  Code: string;
  Description: string | null;
  Unit: string | null;
  IsFractionAllowedItem: boolean | null;
  IsBatchItem: number | null;
  IsSerialItem: boolean | null;
  IsStockItem: boolean | null;
  Modified: string;
}

interface WorkcenterRow {
  ID: string;
  Code: string;
  Description: string | null;
  Costcenter: string | null;
  SetupLaborRate: number | null;
  RunLaborRate: number | null;
  MachineBurdenRate: number | null;
  GeneralBurdenRate: number | null;
  Modified: string;
}

interface BomVersionRow {
  ID: string;
  Item: string;
  IsDefault: number | null;
  Modified: string;
}

interface BomLineRow {
  ID: string;
  ItemVersion: string;
  PartItemCode: string;
  Quantity: number | null;
  WastePercentage: number | null;
  Type: number | null;
  sysmodified: string;
}

interface Timestamped {
  Timestamp: number | string;
}

interface SyncShopOrder extends Timestamped {
  ID: string;
  ShopOrderNumber: number;
  ItemCode: string;
  Description: string | null;
  PlannedQuantity: number;
  ProducedQuantity: number | null;
  Unit: string;
  Status: number;
  IsReleased: number;
  PlannedStartDate: string | null;
  PlannedDate: string | null;
}

interface SyncMaterialPlan extends Timestamped {
  ID: string;
  ShopOrder: string;
  LineNumber: number | null;
  ItemCode: string;
  PlannedQuantity: number | null;
  Unit: string;
  Backflush: number;
  Type: number;
}

interface SyncRoutingStep extends Timestamped {
  ID: string;
  ShopOrder: string;
  LineNumber: number | null;
  OperationCode: string | null;
  Description: string | null;
  WorkcenterCode: string | null;
  PlannedSetupHours: number | null;
  PlannedRunHours: number | null;
  Backflush: number;
}

const select: Record<SyncSet, string[]> = {
  orders: ['Timestamp', 'ID', 'ShopOrderNumber', 'ItemCode', 'Description', 'PlannedQuantity', 'ProducedQuantity', 'Unit', 'Status', 'IsReleased', 'PlannedStartDate', 'PlannedDate'],
  components: ['Timestamp', 'ID', 'ShopOrder', 'LineNumber', 'ItemCode', 'PlannedQuantity', 'Unit', 'Backflush', 'Type'],
  operations: ['Timestamp', 'ID', 'ShopOrder', 'LineNumber', 'OperationCode', 'Description', 'WorkcenterCode', 'PlannedSetupHours', 'PlannedRunHours', 'Backflush'],
};

const selectModified: Record<ModifiedSet, string[]> = {
  items: ['ID', 'Code', 'Description', 'Unit', 'IsFractionAllowedItem', 'IsBatchItem', 'IsSerialItem', 'IsStockItem', 'Modified'],
  workCentres: ['ID', 'Code', 'Description', 'Costcenter', 'SetupLaborRate', 'RunLaborRate', 'MachineBurdenRate', 'GeneralBurdenRate', 'Modified'],
  bomVersions: ['ID', 'Item', 'IsDefault', 'Modified'],
  bomLines: ['ID', 'ItemVersion', 'PartItemCode', 'Quantity', 'WastePercentage', 'Type', 'sysmodified'],
};

export function createExactPlanningReader(transport: ExactTransport, options: { masterDataReadEveryMs: number; fullReadEveryMs: number }): ErpPlanningReader {
  /** One page of a sync set after the cursor's Timestamp (Exact starts at `gt 1`). */
  async function readSet<T extends Timestamped>(set: SyncSet, after: string) {
    return transport.firstPage<T>(syncSets[set], { filter: `Timestamp gt ${after}L`, select: select[set] });
  }

  /**
   * One page of a set read by Modified: the next page of a read under way, or the first of a
   * new one once `masterDataReadEveryMs` has passed since the last (master data changes
   * seldom, and every call spends the division's budget).
   */
  async function readModified<T>(set: ModifiedSet, at: ModifiedCursor, onlyPaging: boolean): Promise<{ page: ExactPage<T>; cursor: ModifiedCursor; complete: boolean }> {
    const notDue = at.readAt !== undefined && Date.now() - at.readAt < options.masterDataReadEveryMs;
    if (at.next === undefined && (onlyPaging || notDue)) return { page: { rows: [], more: false }, cursor: at, complete: false };
    const { path, field } = modifiedSets[set];
    const page = at.next
      ? await transport.nextPage<T>(at.next)
      : await transport.firstPage<T>(path, { filter: `${field} gt datetime'${edmDateTimeLiteral(at.after)}'`, select: selectModified[set] });
    const max = page.rows.reduce((m, row) => Math.max(m, parseEdmDateTime((row as Record<string, string>)[field]!).getTime()), at.max);
    return page.next ? { page, cursor: { after: at.after, max, next: page.next }, complete: false } : { page, cursor: { after: max, max, readAt: Date.now() }, complete: true };
  }

  /** A full read starts every `fullReadEveryMs` (and the first read is one), or when asked, unless one runs. */
  function withFullRead(cursor: ExactPlanningCursor, asked: boolean): ExactPlanningCursor {
    const due = cursor.fullReadAt === undefined || Date.now() - cursor.fullReadAt >= options.fullReadEveryMs;
    if (cursor.fullRead || !(asked || due)) return cursor;
    return {
      ...cursor,
      orders: '1',
      components: '1',
      operations: '1',
      workCentres: { after: 0, max: 0 },
      bomLines: { after: 0, max: 0 },
      fullRead: { id: String(Date.now()), pending: [...fullReadSets] },
    };
  }

  return {
    async changesSince(cursorText, { fullRead: asked = false } = {}) {
      const cursor = withFullRead(parseCursor(cursorText), asked);
      // While a read by Modified pages through, a turn reads only its next pages: every call spends the division's budget.
      const paging = modifiedSetNames.some((set) => cursor[set].next !== undefined);
      const skipped = { rows: [], more: false };
      const [orders, components, operations, items, workCentres, bomVersions, bomLines] = await Promise.all([
        paging ? skipped : readSet<SyncShopOrder>('orders', cursor.orders),
        paging ? skipped : readSet<SyncMaterialPlan>('components', cursor.components),
        paging ? skipped : readSet<SyncRoutingStep>('operations', cursor.operations),
        readModified<ItemRow>('items', cursor.items, paging),
        readModified<WorkcenterRow>('workCentres', cursor.workCentres, paging),
        readModified<BomVersionRow>('bomVersions', cursor.bomVersions, paging),
        readModified<BomLineRow>('bomLines', cursor.bomLines, paging),
      ]);
      // A set is read to its end when a turn read it and Exact held nothing after the page.
      const readToTheEnd: Record<PlanningSet, boolean> = {
        orders: !paging && !orders.more,
        components: !paging && !components.more,
        operations: !paging && !operations.more,
        workCentres: workCentres.complete,
        bomLines: bomLines.complete,
      };
      const running = cursor.fullRead;
      const complete = running ? running.pending.filter((set) => readToTheEnd[set]) : [];
      const pending = running ? running.pending.filter((set) => !readToTheEnd[set]) : [];
      const next: ExactPlanningCursor = {
        orders: highest(cursor.orders, orders.rows),
        components: highest(cursor.components, components.rows),
        operations: highest(cursor.operations, operations.rows),
        items: items.cursor,
        workCentres: workCentres.cursor,
        bomVersions: bomVersions.cursor,
        bomLines: bomLines.cursor,
        ...(running && pending.length > 0 ? { fullRead: { id: running.id, pending } } : {}),
        ...(running && pending.length === 0 ? { fullReadAt: Date.now() } : cursor.fullReadAt !== undefined ? { fullReadAt: cursor.fullReadAt } : {}),
      };
      const changes: PlanningChanges = {
        orders: orders.rows.map(plannedOrder),
        components: components.rows.map(plannedComponent),
        operations: operations.rows.map(plannedOperation),
        items: items.page.rows.map(erpItem),
        workCentres: workCentres.page.rows.map(erpWorkCentre),
        bomVersions: bomVersions.page.rows.map(erpBomVersion),
        bomLines: bomLines.page.rows.map(erpBomLine),
        ...(running ? { fullRead: { id: running.id, complete, ended: pending.length === 0 } } : {}),
        cursor: JSON.stringify(next),
      };
      // A turn that only paged on reads the sync sets again at once: they may have more too.
      return { ...changes, more: paging || orders.more || components.more || operations.more || [items, workCentres, bomVersions, bomLines].some((read) => read.page.more) };
    },
  };
}

/** Exact's datetimes carry no zone: the literal is the same wall-clock time its /Date(ms)/ values give. */
function edmDateTimeLiteral(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

/** A cursor from before items and work centres were read starts their reads from the beginning; one from before full reads starts one. */
function parseCursor(text: string | undefined): ExactPlanningCursor {
  const parsed = (text ? JSON.parse(text) : {}) as Partial<Record<keyof ExactPlanningCursor, unknown>>;
  const valid = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? value : '1');
  const modified = (value: unknown): ModifiedCursor => {
    const at = (value ?? {}) as Partial<ModifiedCursor>;
    const after = typeof at.after === 'number' ? at.after : 0;
    return {
      after,
      max: typeof at.max === 'number' ? at.max : after,
      ...(typeof at.next === 'string' ? { next: at.next } : {}),
      ...(typeof at.readAt === 'number' ? { readAt: at.readAt } : {}),
    };
  };
  const fullRead = parsed.fullRead as FullReadCursor | undefined;
  return {
    orders: valid(parsed.orders),
    components: valid(parsed.components),
    operations: valid(parsed.operations),
    items: modified(parsed.items),
    workCentres: modified(parsed.workCentres),
    bomVersions: modified(parsed.bomVersions),
    bomLines: modified(parsed.bomLines),
    ...(fullRead && typeof fullRead.id === 'string' && Array.isArray(fullRead.pending) ? { fullRead: { id: fullRead.id, pending: fullRead.pending.filter((set) => fullReadSets.includes(set)) } } : {}),
    ...(typeof parsed.fullReadAt === 'number' ? { fullReadAt: parsed.fullReadAt } : {}),
  };
}

/** The highest of the cursor's Timestamp and the rows' (compared as integers, not doubles). */
function highest(current: string, rows: readonly Timestamped[]): string {
  return rows.reduce((max, row) => (BigInt(String(row.Timestamp)) > BigInt(max) ? String(row.Timestamp) : max), current);
}

function plannedStatus(order: SyncShopOrder): PlannedOrderStatus {
  switch (order.Status) {
    case ShopOrderStatus.InProcess:
      return 'inProcess';
    case ShopOrderStatus.Finished:
      return 'finished';
    case ShopOrderStatus.Completed:
      return 'completed';
    default:
      return order.IsReleased === 1 ? 'released' : 'planned';
  }
}

const dateOf = (value: string | null) => (value ? parseEdmDateTime(value).toISOString().slice(0, 10) : undefined);

function plannedOrder(row: SyncShopOrder): PlannedOrder {
  const plannedStart = dateOf(row.PlannedStartDate);
  const plannedFinish = dateOf(row.PlannedDate);
  return {
    erpId: row.ID,
    erpOrder: String(row.ShopOrderNumber),
    material: row.ItemCode,
    ...(row.Description ? { description: row.Description } : {}),
    plannedQuantity: fromEdmDouble(row.PlannedQuantity),
    producedQuantity: fromEdmDouble(row.ProducedQuantity ?? 0),
    unit: row.Unit,
    status: plannedStatus(row),
    ...(plannedStart ? { plannedStart } : {}),
    ...(plannedFinish ? { plannedFinish } : {}),
  };
}

function plannedComponent(row: SyncMaterialPlan): PlannedComponent {
  return {
    erpId: row.ID,
    erpOrderId: row.ShopOrder,
    ...(row.LineNumber !== null ? { line: row.LineNumber } : {}),
    material: row.ItemCode,
    plannedQuantity: fromEdmDouble(row.PlannedQuantity ?? 0),
    unit: row.Unit,
    backflush: row.Backflush === 1,
    byProduct: row.Type === MaterialPlanType.ByProduct,
  };
}

function erpItem(row: ItemRow): ErpItem {
  return {
    erpId: row.ID,
    code: row.Code,
    ...(row.Description ? { description: row.Description } : {}),
    unit: row.Unit ?? '',
    fractionAllowed: row.IsFractionAllowedItem === true,
    batch: row.IsBatchItem === 1,
    serial: row.IsSerialItem === true,
    stock: row.IsStockItem === true,
  };
}

function erpWorkCentre(row: WorkcenterRow): ErpWorkCentre {
  const rate = (value: number | null) => (value === null ? undefined : fromEdmDouble(value));
  const rates = { setupLabourRate: rate(row.SetupLaborRate), runLabourRate: rate(row.RunLaborRate), machineBurdenRate: rate(row.MachineBurdenRate), generalBurdenRate: rate(row.GeneralBurdenRate) };
  return {
    erpId: row.ID,
    code: row.Code,
    ...(row.Description ? { description: row.Description } : {}),
    ...(row.Costcenter ? { costCentre: row.Costcenter } : {}),
    ...Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined)),
  };
}

function erpBomVersion(row: BomVersionRow): ErpBomVersion {
  return { erpId: row.ID, itemErpId: row.Item, isDefault: row.IsDefault === 1 };
}

/** Exact's waste is a whole percentage (1 to 9999) on top of the quantity. */
function erpBomLine(row: BomLineRow): ErpBomLine {
  return {
    erpId: row.ID,
    versionErpId: row.ItemVersion,
    partCode: row.PartItemCode,
    quantityPer: fromEdmDouble(row.Quantity ?? 0),
    scrapAllowance: divide(fromEdmDouble(row.WastePercentage ?? 0), '100'),
    byProduct: row.Type === MaterialPlanType.ByProduct,
  };
}

function plannedOperation(row: SyncRoutingStep): PlannedOperation {
  return {
    erpId: row.ID,
    erpOrderId: row.ShopOrder,
    sequence: row.LineNumber ?? 0,
    operation: row.OperationCode ?? String(row.LineNumber ?? ''),
    ...(row.Description ? { description: row.Description } : {}),
    ...(row.WorkcenterCode ? { workCentre: row.WorkcenterCode } : {}),
    ...(row.PlannedSetupHours !== null ? { plannedSetupHours: fromEdmDouble(row.PlannedSetupHours) } : {}),
    ...(row.PlannedRunHours !== null ? { plannedRunHours: fromEdmDouble(row.PlannedRunHours) } : {}),
    backflush: row.Backflush === 1,
  };
}
