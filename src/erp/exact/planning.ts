/**
 * Exact Online's planning, read through its sync endpoints: shop orders, their material
 * plans and routing step plans changed since a Timestamp (Exact's row version, higher on
 * every insert or change). The cursor holds the highest Timestamp read of each set; a set
 * read is one page (`$select`ed, ordered by Timestamp), and the next read goes on from there.
 * Exact has no sync set for deletions of these in the fact table: a deleted plan line stays.
 */
import type { PlannedComponent, PlannedOperation, PlannedOrder, PlannedOrderStatus, PlanningChanges } from '../../domain/planning';
import type { ErpPlanningReader } from '../adapter';
import { MaterialPlanType, ShopOrderStatus, parseEdmDateTime } from './contract';
import { fromEdmDouble } from './mapping';
import type { ExactTransport } from './transport';

const syncSets = {
  orders: 'sync/Manufacturing/ShopOrders',
  components: 'sync/Manufacturing/ShopOrderMaterialPlans',
  operations: 'sync/Manufacturing/ShopOrderRoutingStepPlans',
} as const;
type SyncSet = keyof typeof syncSets;

/** The highest Timestamp read of each sync set, as decimal strings (Edm.Int64 may exceed a double). */
type ExactPlanningCursor = Record<SyncSet, string>;

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

export function createExactPlanningReader(transport: ExactTransport): ErpPlanningReader {
  /** One page of a sync set after the cursor's Timestamp (Exact starts at `gt 1`). */
  async function readSet<T extends Timestamped>(set: SyncSet, after: string) {
    return transport.firstPage<T>(syncSets[set], { filter: `Timestamp gt ${after}L`, select: select[set] });
  }

  return {
    async changesSince(cursorText) {
      const cursor = parseCursor(cursorText);
      const [orders, components, operations] = await Promise.all([
        readSet<SyncShopOrder>('orders', cursor.orders),
        readSet<SyncMaterialPlan>('components', cursor.components),
        readSet<SyncRoutingStep>('operations', cursor.operations),
      ]);
      const next: ExactPlanningCursor = {
        orders: highest(cursor.orders, orders.rows),
        components: highest(cursor.components, components.rows),
        operations: highest(cursor.operations, operations.rows),
      };
      const changes: PlanningChanges = {
        orders: orders.rows.map(plannedOrder),
        components: components.rows.map(plannedComponent),
        operations: operations.rows.map(plannedOperation),
        cursor: JSON.stringify(next),
      };
      return { ...changes, more: orders.more || components.more || operations.more };
    },
  };
}

function parseCursor(text: string | undefined): ExactPlanningCursor {
  if (!text) return { orders: '1', components: '1', operations: '1' };
  const parsed = JSON.parse(text) as Partial<ExactPlanningCursor>;
  const valid = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? value : '1');
  return { orders: valid(parsed.orders), components: valid(parsed.components), operations: valid(parsed.operations) };
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
