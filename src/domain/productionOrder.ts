/**
 * The production order as the floor reports it, kept as a pure reducer: no I/O,
 * no clock, no Temporal. The workflow feeds it events and posting outcomes; tests
 * can drive it directly.
 */
import type { ErpSystem } from './erpSystem';
import type { FloorEvent } from './events';
import { type Posting, type PostingContent, type PostingError, postingIdempotencyKey } from './postings';
import { type Decimal, ZERO, add, compare, subtract } from './quantity';

/** Where the order stands on the floor. */
export type OrderStatus = 'AwaitingRelease' | 'Released' | 'InProduction' | 'Completed';
/** Whether the ERP holds everything the floor reported. */
export type ErpSyncStatus = 'InSync' | 'Pending' | 'NeedsAttention';

export interface RejectedEvent {
  eventId: string;
  type: FloorEvent['type'];
  reason: string;
}

/**
 * How many recent event ids an order remembers to recognise a resent event, across
 * continue-as-new too. A resend of an event older than the last 10,000 events of the
 * same order is not recognised; MES retries come within minutes, far inside that.
 */
export const DEDUPLICATION_WINDOW = 10_000;

/** References an operator corrected because the ERP did not know the floor's. */
export interface MappingCorrections {
  erpOrderReference?: string;
  /** Floor material code → ERP item code. */
  materials?: Record<string, string>;
}

/** What the floor consumed of one material (in one unit, from one batch and location). */
export interface Consumption {
  material: string;
  unit: string;
  batch?: string;
  storageLocation?: string;
  quantity: Decimal;
  /** Date (YYYY-MM-DD) of the latest consumption counted here. */
  lastDate: string;
}

export interface ProductionOrderState {
  workflowId: string;
  plant: string;
  productionOrder: string;
  erpSystem: ErpSystem;
  released?: { material: string; plannedQuantity: Decimal; unit: string };
  /** Date (YYYY-MM-DD) the floor declared the order complete. */
  completedOn?: string;
  startedProduction: boolean;
  /** Quantity-reporting events held until the release tells the order's unit. */
  heldQuantityReports: Extract<FloorEvent, { type: 'QuantityReported' }>[];
  good: Decimal;
  scrap: Decimal;
  /** Keyed by consumptionKey(material, unit, batch, storageLocation). */
  consumption: Record<string, Consumption>;
  /** The most recent event ids, oldest first, at most DEDUPLICATION_WINDOW. */
  seenEventIds: string[];
  /** Distinct events received, applied or rejected. */
  eventsReceived: number;
  duplicatesIgnored: number;
  mappings: MappingCorrections;
  rejectedEvents: RejectedEvent[];
  postings: Posting[];
  lastEventAt?: string;
}

export function initialState(init: {
  workflowId: string;
  plant: string;
  productionOrder: string;
  erpSystem: ErpSystem;
}): ProductionOrderState {
  return {
    ...init,
    startedProduction: false,
    heldQuantityReports: [],
    good: ZERO,
    scrap: ZERO,
    consumption: {},
    seenEventIds: [],
    eventsReceived: 0,
    duplicatesIgnored: 0,
    mappings: {},
    rejectedEvents: [],
    postings: [],
  };
}

/** Applies one floor event. Duplicates (same eventId) change nothing but a counter. */
export function applyEvent(state: ProductionOrderState, event: FloorEvent): ProductionOrderState {
  if (state.seenEventIds.includes(event.eventId)) {
    return { ...state, duplicatesIgnored: state.duplicatesIgnored + 1 };
  }
  const seen: ProductionOrderState = {
    ...state,
    seenEventIds: [...state.seenEventIds, event.eventId].slice(-DEDUPLICATION_WINDOW),
    eventsReceived: state.eventsReceived + 1,
    lastEventAt: latest(state.lastEventAt, event.occurredAt),
  };
  const mismatch = referenceMismatch(state, event);
  if (mismatch) return reject(seen, event, mismatch);

  switch (event.type) {
    case 'OrderReleased': {
      const released = { material: event.material, plannedQuantity: event.plannedQuantity, unit: event.unit };
      const held = seen.heldQuantityReports;
      return held.reduce(countQuantity, { ...seen, released, heldQuantityReports: [] });
    }
    case 'QuantityReported':
      return seen.released ? countQuantity(seen, event) : { ...seen, heldQuantityReports: [...seen.heldQuantityReports, event] };
    case 'MaterialConsumed':
      return countConsumption(seen, event);
    case 'OrderCompleted':
      return { ...seen, completedOn: seen.completedOn ?? event.occurredAt.slice(0, 10) };
  }
}

export function consumptionKey(c: { material: string; unit: string; batch?: string; storageLocation?: string }): string {
  return [c.material, c.unit, c.batch ?? '', c.storageLocation ?? ''].join('|');
}

function countConsumption(state: ProductionOrderState, event: Extract<FloorEvent, { type: 'MaterialConsumed' }>): ProductionOrderState {
  const key = consumptionKey(event);
  const date = event.occurredAt.slice(0, 10);
  const before = state.consumption[key];
  const counted: Consumption = {
    material: event.material,
    unit: event.unit,
    ...(event.batch ? { batch: event.batch } : {}),
    ...(event.storageLocation ? { storageLocation: event.storageLocation } : {}),
    quantity: add(before?.quantity ?? ZERO, event.quantity),
    lastDate: before && before.lastDate > date ? before.lastDate : date,
  };
  return { ...state, startedProduction: true, consumption: { ...state.consumption, [key]: counted } };
}

function countQuantity(
  state: ProductionOrderState,
  event: Extract<FloorEvent, { type: 'QuantityReported' }>,
): ProductionOrderState {
  if (state.released && event.unit !== state.released.unit) {
    return reject(
      state,
      event,
      `unit "${event.unit}" differs from the order's unit "${state.released.unit}"; no conversion is configured`,
    );
  }
  return { ...state, startedProduction: true, good: add(state.good, event.good), scrap: add(state.scrap, event.scrap) };
}

function referenceMismatch(state: ProductionOrderState, event: FloorEvent): string | undefined {
  if (event.plant !== state.plant || event.productionOrder !== state.productionOrder) {
    return `event is for ${event.plant}/${event.productionOrder}, this order is ${state.plant}/${state.productionOrder}`;
  }
  return undefined;
}

function reject(state: ProductionOrderState, event: FloorEvent, reason: string): ProductionOrderState {
  return { ...state, rejectedEvents: [...state.rejectedEvents, { eventId: event.eventId, type: event.type, reason }] };
}

function latest(a: string | undefined, b: string): string {
  return a === undefined || Date.parse(b) > Date.parse(a) ? b : a;
}

/**
 * Adds the postings the ERP still needs, from what the floor reported minus what
 * earlier postings already carry (whatever their status: a skipped posting is not
 * planned again). Nothing is planned before the release names the order's material.
 * - material issues: as consumption arrives, one per material, unit, batch and location;
 * - the finished-goods receipt: the good quantity, once the order is complete.
 */
export function planPostings(state: ProductionOrderState): ProductionOrderState {
  if (!state.released) return state;
  let next = state;
  for (const [key, consumed] of Object.entries(state.consumption)) {
    const issued = sumPostings(next, (c) => c.kind === 'MaterialIssue' && consumptionKey(c) === key);
    const outstanding = subtract(consumed.quantity, issued);
    if (compare(outstanding, ZERO) > 0) {
      next = addPosting(next, {
        kind: 'MaterialIssue',
        plant: state.plant,
        productionOrder: state.productionOrder,
        erpOrderReference: erpOrderReference(state),
        material: consumed.material,
        erpMaterial: erpMaterial(state, consumed.material),
        quantity: outstanding,
        unit: consumed.unit,
        ...(consumed.batch ? { batch: consumed.batch } : {}),
        ...(consumed.storageLocation ? { storageLocation: consumed.storageLocation } : {}),
        transactionDate: consumed.lastDate,
      });
    }
  }
  if (state.completedOn) {
    const outstanding = subtract(state.good, sumPostings(next, (c) => c.kind === 'FinishedGoodsReceipt'));
    if (compare(outstanding, ZERO) > 0) {
      next = addPosting(next, {
        kind: 'FinishedGoodsReceipt',
        plant: state.plant,
        productionOrder: state.productionOrder,
        erpOrderReference: erpOrderReference(state),
        material: erpMaterial(state, state.released.material),
        quantity: outstanding,
        unit: state.released.unit,
        transactionDate: state.completedOn,
      });
    }
  }
  return next;
}

function sumPostings(state: ProductionOrderState, matches: (content: PostingContent) => boolean): Decimal {
  return state.postings.filter((p) => matches(p.content)).reduce<Decimal>((total, p) => add(total, p.content.quantity), ZERO);
}

function addPosting(state: ProductionOrderState, content: PostingContent): ProductionOrderState {
  const sequence = state.postings.length + 1;
  const posting: Posting = { sequence, idempotencyKey: postingIdempotencyKey(state.workflowId, sequence), status: 'Pending', content };
  return { ...state, postings: [...state.postings, posting] };
}

function erpOrderReference(state: ProductionOrderState): string {
  return state.mappings.erpOrderReference ?? state.productionOrder;
}

function erpMaterial(state: ProductionOrderState, material: string): string {
  return state.mappings.materials?.[material] ?? material;
}

export function nextPendingPosting(state: ProductionOrderState): Posting | undefined {
  return state.postings.find((p) => p.status === 'Pending');
}

export function recordPosted(state: ProductionOrderState, sequence: number, erpDocumentId: string): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Posted', erpDocumentId, error: undefined });
}

export function recordNeedsAttention(state: ProductionOrderState, sequence: number, error: PostingError): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'NeedsAttention', error });
}

/** An operator sends a posting that needs attention to the ERP again, unchanged. */
export function retryPosting(state: ProductionOrderState, sequence: number): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Pending', error: undefined });
}

/** An operator decides the ERP shall not get a posting; its quantity is not planned again. */
export function skipPosting(state: ProductionOrderState, sequence: number, reason: string): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Skipped', skipReason: reason, error: undefined });
}

/**
 * An operator corrects a reference the ERP did not know. Postings not yet in the ERP
 * take the corrected reference, and those that needed attention are sent again.
 */
export function correctMapping(state: ProductionOrderState, correction: MappingCorrections): ProductionOrderState {
  const mappings: MappingCorrections = {
    ...state.mappings,
    ...(correction.erpOrderReference !== undefined ? { erpOrderReference: correction.erpOrderReference } : {}),
    ...(correction.materials ? { materials: { ...state.mappings.materials, ...correction.materials } } : {}),
  };
  const corrected = { ...state, mappings };
  const postings = state.postings.map((p): Posting => {
    if (p.status !== 'Pending' && p.status !== 'NeedsAttention') return p;
    const content: PostingContent =
      p.content.kind === 'MaterialIssue'
        ? { ...p.content, erpOrderReference: erpOrderReference(corrected), erpMaterial: erpMaterial(corrected, p.content.material) }
        : { ...p.content, erpOrderReference: erpOrderReference(corrected) };
    return { ...p, content, status: 'Pending', error: undefined };
  });
  return { ...corrected, postings };
}

/** Why an operator's action on a posting cannot be taken, or undefined when it can. */
export function operatorActionRefusal(state: ProductionOrderState, sequence: number): string | undefined {
  const posting = state.postings.find((p) => p.sequence === sequence);
  if (!posting) return `order ${state.workflowId} has no posting ${sequence}`;
  if (posting.status !== 'NeedsAttention') return `posting ${sequence} is ${posting.status}, not NeedsAttention`;
  return undefined;
}

function updatePosting(state: ProductionOrderState, sequence: number, change: Partial<Posting>): ProductionOrderState {
  return { ...state, postings: state.postings.map((p) => (p.sequence === sequence ? { ...p, ...change } : p)) };
}

/** ERP document ids this order already holds for postings of the same kind (for check-before-post). */
export function postedDocumentIds(state: ProductionOrderState, kind: Posting['content']['kind']): string[] {
  return state.postings.flatMap((p) =>
    p.content.kind === kind && p.status === 'Posted' && p.erpDocumentId ? [p.erpDocumentId] : [],
  );
}

export function orderStatus(state: ProductionOrderState): OrderStatus {
  if (!state.released) return 'AwaitingRelease';
  if (state.completedOn) return 'Completed';
  return state.startedProduction ? 'InProduction' : 'Released';
}

export function erpSyncStatus(state: ProductionOrderState): ErpSyncStatus {
  if (state.rejectedEvents.length > 0 || state.postings.some((p) => p.status === 'NeedsAttention')) {
    return 'NeedsAttention';
  }
  const waiting = state.postings.some((p) => p.status === 'Pending') || state.heldQuantityReports.length > 0;
  return waiting || (state.completedOn !== undefined && !state.released) ? 'Pending' : 'InSync';
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
  erpSystem: ErpSystem;
  orderStatus: OrderStatus;
  erpSyncStatus: ErpSyncStatus;
  material?: string;
  plannedQuantity?: Decimal;
  unit?: string;
  good: Decimal;
  scrap: Decimal;
  consumption: Consumption[];
  completedOn?: string;
  eventsApplied: number;
  duplicatesIgnored: number;
  rejectedEvents: RejectedEvent[];
  mappings: MappingCorrections;
  postings: Posting[];
  lastEventAt?: string;
}

export function viewOf(state: ProductionOrderState): ProductionOrderView {
  return {
    workflowId: state.workflowId,
    plant: state.plant,
    productionOrder: state.productionOrder,
    erpSystem: state.erpSystem,
    orderStatus: orderStatus(state),
    erpSyncStatus: erpSyncStatus(state),
    material: state.released?.material,
    plannedQuantity: state.released?.plannedQuantity,
    unit: state.released?.unit,
    good: state.good,
    scrap: state.scrap,
    consumption: Object.values(state.consumption),
    completedOn: state.completedOn,
    eventsApplied: state.eventsReceived - state.rejectedEvents.length,
    duplicatesIgnored: state.duplicatesIgnored,
    rejectedEvents: state.rejectedEvents,
    mappings: state.mappings,
    postings: state.postings,
    lastEventAt: state.lastEventAt,
  };
}

/** One line for the Temporal Web UI's current details. */
export function describe(view: ProductionOrderView): string {
  const qty = view.unit ? ` ${view.unit}` : '';
  const posted = view.postings.filter((p) => p.status === 'Posted').length;
  return [
    `**${view.orderStatus}** · ERP ${view.erpSyncStatus}`,
    `good ${view.good}${qty}, scrap ${view.scrap}${qty}` + (view.plannedQuantity ? ` of ${view.plannedQuantity}${qty} planned` : ''),
    `postings: ${posted}/${view.postings.length} posted` +
      (view.rejectedEvents.length ? ` · ${view.rejectedEvents.length} rejected event(s)` : ''),
  ].join('\n\n');
}
