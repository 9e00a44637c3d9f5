/**
 * How an order looks to the people who run it: where it stands on the floor, whether
 * the ERP holds everything the floor reported, and what needs a person. Derived from the
 * state (and its posting plan) on demand, never stored, so it cannot go stale.
 */
import type { ErpSystem } from './erpSystem';
import { entryOf } from './keyed';
import { planPostings } from './postingPlan';
import { lineTargets } from './postingTargets';
import { type Posting, describePosting } from './postings';
import { type MaterialLine, type TransferLine, type MappingCorrections, type OperationProgress, type PlanningProblem, type ProductionOrderState, type RejectedEvent, type TimeLine, materialsWithoutMasterData } from './productionOrder';
import { erpOrderReference } from './orderActions';
import type { Decimal } from './quantity';

/** Where the order stands on the floor. */
export type OrderStatus = 'AwaitingRelease' | 'Released' | 'InProduction' | 'Completed' | 'Cancelled';
/** Whether the ERP holds everything the floor reported. */
export type ErpSyncStatus = 'InSync' | 'Pending' | 'NeedsAttention';

export function orderStatus(state: ProductionOrderState): OrderStatus {
  if (state.cancelled) return 'Cancelled';
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

/** Complete on the floor (or cancelled) and nothing left for the ERP: the order may close. */
export function isSettled(state: ProductionOrderState): boolean {
  const status = orderStatus(state);
  return (status === 'Completed' || status === 'Cancelled') && erpSyncStatus(state) === 'InSync';
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
  /** Who cancelled the order, when and why: it refuses floor events until a later release. */
  cancelled?: { at: string; source: string; reason?: string };
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
    ...(state.cancelled ? { cancelled: state.cancelled } : {}),
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

/** Something about the order that needs a person: what, why, and the command that deals with it. */
export interface OpenProblem {
  what: string;
  reason: string;
  /** What to do, as the CLI line that does it (npm run cli -- …). */
  fix: string;
}

const cli = (line: string) => `npm run cli -- ${line}`;

/** What the ERP's refusal of a posting asks of a person, by the refusal's type. */
function postingFix(view: ProductionOrderView, posting: Posting): string {
  const order = `${view.plant} ${view.productionOrder}`;
  const skip = cli(`skip ${order} ${posting.sequence} "<why the ERP shall not get it>"`);
  const material = 'erpMaterial' in posting.content ? posting.content.material : undefined;
  switch (posting.error?.type) {
    case 'UnknownShopOrder':
    case 'UnknownProductionOrder':
    case 'UnmappableOrderReference':
      return `name the ERP's order: ${cli(`map ${order} order <ERP order number>`)}, or ${skip}`;
    case 'UnknownMaterial':
      return `name the ERP's item${material ? ` for ${material}` : ''}: ${cli(`map ${order} material ${material ?? '<floor code>'}=<ERP item code>`)}, or ${skip}`;
    case 'UnknownEmployee':
      return `name the ERP's employee: ${cli(`map ${order} employee <floor id>=<ERP employee>`)}, or ${skip}`;
    default:
      return `put it right in the ERP, then ${cli(`retry ${order} ${posting.sequence}`)}; or ${skip}`;
  }
}

/** Every problem of the order a person must deal with, each with the CLI line that does it. */
export function openProblems(view: ProductionOrderView): OpenProblem[] {
  const order = `${view.plant} ${view.productionOrder}`;
  return [
    ...view.postings
      .filter((p) => p.status === 'NeedsAttention')
      .map((p) => ({ what: `posting ${p.sequence}: ${describePosting(p.content)}`, reason: `${p.error?.type ?? 'Error'}: ${p.error?.message ?? 'refused'}`, fix: postingFix(view, p) })),
    ...view.rejectedEvents
      .filter((r) => !r.acknowledged)
      .map((r) => ({ what: `event ${r.eventId} (${r.type}) rejected`, reason: r.reason, fix: `have the sender correct and resend it, then ${cli(`acknowledge ${order} ${r.eventId} "<what was done>"`)}` })),
    ...view.planningProblems.map((p) => ({ what: `line ${p.lineKey} cannot be planned`, reason: p.message, fix: `correct the master data (PUT /v1/master-data/…), then ${cli(`reload ${order}`)}` })),
  ];
}

/** How many of the latest postings the story tells. */
const LATEST_POSTINGS = 3;

/**
 * The order's story for the Temporal Web UI's current details and the CLI's `show`: where it
 * stands, each open problem with its reason and fix, the latest postings, and, for a settled
 * order, until when it stays open for late events (the badge still says Running then).
 */
export function describe(view: ProductionOrderView, options: { openUntil?: string } = {}): string {
  const qty = view.unit ? ` ${view.unit}` : '';
  const posted = view.postings.filter((p) => p.status === 'Posted').length;
  const problems = openProblems(view);
  const lines = [
    `**${view.orderStatus}** · ERP ${view.erpSyncStatus}`,
    `good ${view.good}${qty}, scrap ${view.scrap}${qty}, rework ${view.rework}${qty}` + (view.plannedQuantity ? ` of ${view.plannedQuantity}${qty} planned` : ''),
    `postings: ${posted}/${view.postings.length} posted` + (problems.length ? ` · ${problems.length} need attention` : '') + (view.eventsWaiting ? ` · ${view.eventsWaiting} event(s) waiting` : ''),
  ];
  if (view.cancelled) {
    lines.splice(1, 0, `cancelled by ${view.cancelled.source} at ${view.cancelled.at}${view.cancelled.reason ? ` (${view.cancelled.reason})` : ''}: floor events are refused until it is released again`);
  }
  if (problems.length > 0) {
    lines.push(['**Needs attention**', ...problems.map((p) => `- ${p.what}: ${p.reason}
  fix: \`${p.fix}\``)].join('\n'));
  }
  const latest = view.postings.slice(-LATEST_POSTINGS).reverse();
  if (latest.length > 0) {
    lines.push(['**Latest postings**', ...latest.map((p) => `- #${p.sequence} ${p.status}: ${describePosting(p.content)}${p.erpDocumentId ? ` (ERP ${p.erpDocumentId})` : ''}`)].join('\n'));
  }
  if (options.openUntil) {
    lines.push(`Complete and in the ERP; open for late events until ${options.openUntil} (the workflow runs until then: a late event or correction is still taken and posted).`);
  }
  return lines.join('\n\n');
}
