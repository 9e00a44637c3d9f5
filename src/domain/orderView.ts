/**
 * How an order looks to the people who run it: where it stands on the floor, whether
 * the ERP holds everything the floor reported, and what needs a person. Derived from the
 * state (and its posting plan) on demand, never stored, so it cannot go stale.
 */
import type { ErpSystem } from './erpSystem';
import { entryOf } from './keyed';
import { planPostings } from './postingPlan';
import { lineTargets } from './postingTargets';
import type { Posting } from './postings';
import { type MaterialLine, type TransferLine, type MappingCorrections, type OperationProgress, type PlanningProblem, type ProductionOrderState, type RejectedEvent, type TimeLine, materialsWithoutMasterData } from './productionOrder';
import { erpOrderReference } from './orderActions';
import type { Decimal } from './quantity';

/** Where the order stands on the floor. */
export type OrderStatus = 'AwaitingRelease' | 'Released' | 'InProduction' | 'Completed';
/** Whether the ERP holds everything the floor reported. */
export type ErpSyncStatus = 'InSync' | 'Pending' | 'NeedsAttention';

export function orderStatus(state: ProductionOrderState): OrderStatus {
  if (!state.released) return 'AwaitingRelease';
  if (state.completedOn) return 'Completed';
  return state.startedProduction ? 'InProduction' : 'Released';
}

export function openRejections(state: ProductionOrderState): RejectedEvent[] {
  return state.rejectedEvents.filter((r) => !r.acknowledged);
}

/** What keeps lines of the plan from being planned (a unit master data cannot convert, …). */
export function planningProblems(state: ProductionOrderState): PlanningProblem[] {
  return lineTargets(state).problems;
}

/**
 * InSync only when the ERP holds everything: no posting on its way, nothing the plan would
 * still add (events inside a batch window, before a master data lookup), no event waiting.
 */
export function erpSyncStatus(state: ProductionOrderState): ErpSyncStatus {
  if (openRejections(state).length > 0 || planningProblems(state).length > 0 || state.postings.some((p) => p.status === 'NeedsAttention')) {
    return 'NeedsAttention';
  }
  const waiting =
    state.postings.some((p) => p.status === 'Pending') ||
    state.heldEvents.length > 0 ||
    state.heldCorrections.length > 0 ||
    (state.completedOn !== undefined && !state.released) ||
    materialsWithoutMasterData(state).length > 0 ||
    planPostings(state).postings.length > state.postings.length;
  return waiting ? 'Pending' : 'InSync';
}

/** Complete on the floor and nothing left for the ERP: the order may close. */
export function isSettled(state: ProductionOrderState): boolean {
  return orderStatus(state) === 'Completed' && erpSyncStatus(state) === 'InSync';
}

/** What an operator (or the MES) sees when asking about the order. */
export interface ProductionOrderView {
  workflowId: string;
  plant: string;
  productionOrder: string;
  erpOrderReference: string;
  erpSystem: ErpSystem;
  orderStatus: OrderStatus;
  erpSyncStatus: ErpSyncStatus;
  material?: string;
  plannedQuantity?: Decimal;
  unit?: string;
  good: Decimal;
  scrap: Decimal;
  rework: Decimal;
  operations: OperationProgress[];
  consumption: (MaterialLine & { backflush: string })[];
  byProducts: MaterialLine[];
  transfers: TransferLine[];
  time: TimeLine[];
  quality: { inspections: number; rejected: Decimal };
  completedOn?: string;
  eventsApplied: number;
  duplicatesIgnored: number;
  /** Events waiting for the release, master data, or (corrections) the event they correct. */
  eventsWaiting: number;
  rejectedEvents: RejectedEvent[];
  planningProblems: PlanningProblem[];
  mappings: MappingCorrections;
  postings: Posting[];
  lastEventAt?: string;
}

export function viewOf(state: ProductionOrderState): ProductionOrderView {
  const routing = state.released?.operations?.map((s) => s.operation) ?? [];
  const byRouting = (a: OperationProgress, b: OperationProgress) => routing.indexOf(a.operation) - routing.indexOf(b.operation) || a.operation.localeCompare(b.operation);
  return {
    workflowId: state.workflowId,
    plant: state.plant,
    productionOrder: state.productionOrder,
    erpOrderReference: erpOrderReference(state),
    erpSystem: state.erpSystem,
    orderStatus: orderStatus(state),
    erpSyncStatus: erpSyncStatus(state),
    material: state.released?.material,
    plannedQuantity: state.released?.plannedQuantity,
    unit: state.released?.unit,
    good: state.output.good,
    scrap: state.output.scrap,
    rework: state.output.rework,
    operations: Object.values(state.operations).sort(byRouting),
    consumption: Object.values(state.consumption).map((c) => ({ ...c, backflush: entryOf(state.masterData?.materials, c.material)?.backflush ?? 'actual' })),
    byProducts: Object.values(state.byProducts ?? {}),
    transfers: Object.values(state.transfers ?? {}),
    time: Object.values(state.time),
    quality: state.quality,
    completedOn: state.completedOn,
    eventsApplied: state.eventsReceived - state.rejectedEvents.length,
    duplicatesIgnored: state.duplicatesIgnored,
    eventsWaiting: state.heldEvents.length + state.heldCorrections.length,
    rejectedEvents: state.rejectedEvents,
    planningProblems: planningProblems(state),
    mappings: state.mappings,
    postings: state.postings,
    lastEventAt: state.lastEventAt,
  };
}

/** A few lines for the Temporal Web UI's current details. */
export function describe(view: ProductionOrderView): string {
  const qty = view.unit ? ` ${view.unit}` : '';
  const posted = view.postings.filter((p) => p.status === 'Posted').length;
  const attention = view.postings.filter((p) => p.status === 'NeedsAttention').length;
  const open = view.rejectedEvents.filter((r) => !r.acknowledged).length;
  return [
    `**${view.orderStatus}** · ERP ${view.erpSyncStatus}`,
    `good ${view.good}${qty}, scrap ${view.scrap}${qty}, rework ${view.rework}${qty}` + (view.plannedQuantity ? ` of ${view.plannedQuantity}${qty} planned` : ''),
    `postings: ${posted}/${view.postings.length} posted` +
      (attention ? ` · ${attention} need attention` : '') +
      (open ? ` · ${open} rejected event(s)` : '') +
      (view.planningProblems.length ? ` · ${view.planningProblems.length} planning problem(s)` : '') +
      (view.eventsWaiting ? ` · ${view.eventsWaiting} event(s) waiting` : ''),
  ].join('\n\n');
}
