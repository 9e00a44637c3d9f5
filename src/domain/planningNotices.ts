/**
 * What the floor is told when the ERP's planning changes: an order released for
 * production, an order on the floor that changed (quantity, dates, materials, routing,
 * status), an order cancelled (deleted from the ERP's planning, or its release withdrawn).
 * Each notice becomes a floor event for the order's workflow (the release starts it) and a
 * message to every MES that subscribes. Pure: the store keeps what was told last, per order.
 */
import { sha256Hex } from './digest';
import type { OrderCancelled, OrderReleased, RoutingStep } from './events';
import type { PlannedOrderDetail, PlannedOrderStatus } from './planning';

export type PlanningNoticeType = 'orderReleased' | 'orderChanged' | 'orderCancelled';

/** What the floor was last told of an order: its status then and the fingerprint of what it was told. */
export interface ToldOrder {
  status: PlannedOrderStatus;
  fingerprint: string;
}

/** Orders in these states are on the floor: released, or in process. */
const ON_THE_FLOOR: readonly PlannedOrderStatus[] = ['released', 'inProcess'];
const onTheFloor = (status: PlannedOrderStatus | undefined) => status !== undefined && ON_THE_FLOOR.includes(status);

/**
 * What the floor reads of an order, fingerprinted: the order's plan, not its progress (the
 * produced quantity grows with every receipt the bridge posts, and is no news to the floor).
 */
export function orderFingerprint(order: PlannedOrderDetail): string {
  const plan = {
    status: order.status,
    material: order.material,
    plannedQuantity: order.plannedQuantity,
    unit: order.unit,
    plannedStart: order.plannedStart ?? null,
    plannedFinish: order.plannedFinish ?? null,
    components: order.components.map((c) => [c.line ?? null, c.material, c.plannedQuantity, c.unit, c.backflush, c.byProduct]),
    operations: order.operations.map((s) => [s.sequence, s.operation, s.workCentre ?? null, s.plannedSetupHours ?? null, s.plannedRunHours ?? null, s.backflush]),
  };
  return sha256Hex(JSON.stringify(plan)).slice(0, 32);
}

/**
 * The notice an order's change makes, if any. `now` is absent for an order gone from the
 * ERP's planning. An order is released once it reaches the floor; changed while it is on
 * the floor (a change to finished or completed is the last); cancelled when it leaves
 * the floor back to planning, or the ERP deletes it.
 */
export function noticeType(told: ToldOrder | undefined, now: { status: PlannedOrderStatus; fingerprint: string } | undefined): PlanningNoticeType | undefined {
  const wasOnTheFloor = onTheFloor(told?.status);
  if (!now) return wasOnTheFloor ? 'orderCancelled' : undefined;
  if (!wasOnTheFloor) return onTheFloor(now.status) ? 'orderReleased' : undefined;
  if (now.status === 'planned') return 'orderCancelled';
  return now.fingerprint !== told!.fingerprint ? 'orderChanged' : undefined;
}

/** One change of the ERP's planning, as the floor is told it. */
export interface PlanningNotice {
  /** The same for the same change, however often it is sent: a receiver de-duplicates on it. */
  messageId: string;
  type: PlanningNoticeType;
  plant: string;
  /** The ERP connection whose planning changed. */
  erpConnection: string;
  erpOrder: string;
  erpId: string;
  /** When the bridge saw the change (the ERP's feeds tell no time of change). */
  at: string;
  /** The order as the ERP plans it now, with its components and routing; absent for an order the ERP deleted. */
  order?: PlannedOrderDetail;
  /** Why the order is cancelled. */
  reason?: string;
}

export function planningNotice(
  type: PlanningNoticeType,
  subject: { plant: string; erpConnection: string; erpOrder: string; erpId: string; order?: PlannedOrderDetail; fingerprint: string },
  at: string,
): PlanningNotice {
  const reason = type !== 'orderCancelled' ? undefined : subject.order ? 'its release was withdrawn in the ERP' : "deleted from the ERP's planning";
  return {
    messageId: `${type}:${subject.erpConnection}:${subject.erpId}:${subject.fingerprint}`,
    type,
    plant: subject.plant,
    erpConnection: subject.erpConnection,
    erpOrder: subject.erpOrder,
    erpId: subject.erpId,
    at,
    ...(subject.order ? { order: subject.order } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** At most this many operations go with a release (the floor event's limit). */
const MAX_OPERATIONS = 100;

/**
 * The floor event the notice is for the order's workflow: a release (or a change, as a
 * release that updates it) with the ERP's routing, or a cancellation. Its id is the notice's,
 * so the order takes each change once, however often it is delivered; the order's number
 * on the floor is the ERP's. An order the ERP has finished or completed is news for the MES
 * only: the floor finished it (undefined).
 */
export function floorEventOf(notice: PlanningNotice): OrderReleased | OrderCancelled | undefined {
  const envelope = {
    version: 'v1' as const,
    eventId: `erp-planning:${notice.messageId}`,
    occurredAt: notice.at,
    source: `erp:${notice.erpConnection}`,
    plant: notice.plant,
    productionOrder: notice.erpOrder,
  };
  if (notice.type === 'orderCancelled' || !notice.order) {
    return { ...envelope, type: 'OrderCancelled', ...(notice.reason ? { reason: notice.reason } : {}) };
  }
  if (!onTheFloor(notice.order.status)) return undefined;
  const seen = new Set<string>();
  const operations: RoutingStep[] = [];
  for (const step of notice.order.operations) {
    if (seen.has(step.operation) || operations.length === MAX_OPERATIONS) continue;
    seen.add(step.operation);
    operations.push({ operation: step.operation, ...(step.workCentre ? { workCentre: step.workCentre } : {}) });
  }
  return {
    ...envelope,
    type: 'OrderReleased',
    material: notice.order.material,
    plannedQuantity: notice.order.plannedQuantity,
    unit: notice.order.unit,
    erpOrder: notice.erpOrder,
    ...(operations.length > 0 ? { operations } : {}),
  };
}
