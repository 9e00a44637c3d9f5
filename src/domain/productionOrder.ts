/**
 * The production order as the floor reports it, kept as a pure reducer: no I/O,
 * no clock, no Temporal. The workflow feeds it events, master data and posting
 * outcomes; tests can drive it directly. What the ERP must hold is derived from this
 * state by the posting plan (postingPlan.ts).
 */
import type { ErpSystem } from './erpSystem';
import {
  type CorrectableEvent,
  type EventCorrected,
  FloorEvent,
  type OrderReleased,
  type QualityResult,
  type RoutingStep,
  type TimeActivity,
  type TimeWindow,
  correctableEventTypes,
  implausibleTime,
} from './events';
import { describeProblems, fieldProblems } from './fieldProblems';
import { type PostingRules, RULES_BEFORE_CONNECTIONS, keepsKind } from './postingRules';
import { entryOf, hasEntry } from './keyed';
import { type InspectionRecord, inspectionResultKey, recordInspectionResult } from './inspectionResults';
import { HELD_CORRECTIONS_KEPT, hasSeen, heldEventsFull, keptRecent, keptRejections, rememberSeen } from './orderBounds';
import type { MasterDataLookup, OrderMasterData } from './masterData';
import type { Amounts, Posting } from './postings';
import { type Decimal, ZERO, add, compare, isPositive, isZero, multiply, negate } from './quantity';

export interface RejectedEvent {
  eventId: string;
  type: FloorEvent['type'];
  reason: string;
  /** Set when an operator has seen the rejection and dealt with it. */
  acknowledged?: string;
}


/** References an operator mapped because the ERP did not know the floor's. */
export interface MappingCorrections {
  erpOrderReference?: string;
  /** Floor material code → ERP item code. */
  materials?: Record<string, string>;
  /** Floor employee (badge) → ERP employee id. */
  employees?: Record<string, string>;
}

export interface Quantities {
  good: Decimal;
  scrap: Decimal;
  rework: Decimal;
}

export interface OperationProgress {
  operation: string;
  workCentre?: string;
  machine?: string;
  /** In the order's unit. */
  quantities: Quantities;
  reasonCode?: string;
  startedOn?: string;
  completedOn?: string;
  /** Date (YYYY-MM-DD) of the latest report counted here. */
  lastDate: string;
}

/** What the floor reported of one material, in one unit, batch and location: consumed, or yielded as a by-product. */
export interface MaterialLine {
  material: string;
  unit: string;
  batch?: string;
  storageLocation?: string;
  quantity: Decimal;
  /** The serial numbers of the units (serialized components), sorted. */
  serialNumbers?: string[];
  lastDate: string;
}

/** Stock of one material moved for the order along one way (warehouse and location, from and to). */
export interface TransferLine {
  material: string;
  unit: string;
  batch?: string;
  fromWarehouse?: string;
  fromStorageLocation?: string;
  toWarehouse?: string;
  toStorageLocation?: string;
  quantity: Decimal;
  lastDate: string;
}

export interface TimeLine {
  activity: TimeActivity;
  operation?: string;
  employee?: string;
  workCentre?: string;
  hours: Decimal;
  lastDate: string;
}

/** One of the order's most recent events: what it fed, and (if correctable) what it carried as applied. */
export interface RecentEvent {
  /** Order-local sequence number: the order's eventsReceived when it arrived. */
  seq: number;
  eventId: string;
  /** The totals this event fed (see sourcesOf); a posting of a line names the events that fed it. */
  sources: string[];
  applied?: CorrectableEvent;
  /** Its size as JSON, so the recent events are kept within CORRECTION_WINDOW_BYTES (absent in states from before). */
  bytes?: number;
}

export interface PlanningProblem {
  lineKey: string;
  message: string;
}

/**
 * The planning rules an order runs by, fixed when it starts:
 * 1. material issues and receipts only, without master data (orders started before the rest existed);
 * 2. all lines, with master data;
 * 3. as 2, and a line plans its next posting only once its last one has landed (postings
 *    gather events while the ERP is slow);
 * 4. as 3, and the batches of a material the ERP does not manage by batch are one line,
 *    rounded once (see consumptionLines in postingPlan.ts).
 */
export type PlanRevision = 1 | 2 | 3 | 4;

export interface ProductionOrderState {
  workflowId: string;
  plant: string;
  productionOrder: string;
  erpSystem: ErpSystem;
  /** The ERP connection the order posts to (absent in orders started before connections: the one of their ERP). */
  erpConnection?: string;
  /** Its ERP's name for people, e.g. in alerts (absent before connections). */
  erpTitle?: string;
  /** How that connection holds postings (absent in orders started before connections: RULES_BEFORE_CONNECTIONS). */
  postingRules?: PostingRules;
  planRevision: PlanRevision;
  released?: {
    material: string;
    plannedQuantity: Decimal;
    unit: string;
    erpOrder?: string;
    outputBatch?: string;
    outputStorageLocation?: string;
    operations?: RoutingStep[];
  };
  /** Date (YYYY-MM-DD) the floor declared the order complete. */
  completedOn?: string;
  /** Cancelled (in the ERP's planning, or by the MES): what would post to the order is refused until a later release. */
  cancelled?: { at: string; source: string; reason?: string };
  startedProduction: boolean;
  /** The order's output, in the order's unit: conforming (good) and non-conforming quantities. */
  output: Quantities & { lastDate?: string; /** Of the good units of a serialized product, sorted. */ serialNumbers?: string[] };
  operations: Record<string, OperationProgress>;
  /** Keyed by materialLineKey(material, unit, batch, storageLocation). */
  consumption: Record<string, MaterialLine>;
  /** By-products yielded, keyed like consumption (absent in states carried over from before by-products). */
  byProducts?: Record<string, MaterialLine>;
  /** Stock moved for the order, keyed by transferKey (absent in states carried over from before transfers). */
  transfers?: Record<string, TransferLine>;
  /** Keyed by timeKey(activity, operation, employee, workCentre). */
  time: Record<string, TimeLine>;
  /** held: good output on hold by quality decisions (block less release), in the order's unit; absent in states from before holds. */
  quality: { inspections: number; rejected: Decimal; held?: Decimal };
  /**
   * The latest result per inspection and characteristic, keyed inspectionResultKey(inspection,
   * characteristic): kept only for a connection that records results (its rules keep
   * InspectionResult), at most INSPECTION_RESULTS_KEPT of them.
   */
  inspectionResults?: Record<string, InspectionRecord>;
  /** Events waiting for what they need: the release (routing, unit) or master data (unit conversion). */
  heldEvents: CorrectableEvent[];
  /** Corrections whose event has not arrived yet. */
  heldCorrections: EventCorrected[];
  recent: RecentEvent[];
  /** Digests (eventDigest) of the most recent event ids, oldest first, at most DEDUPLICATION_WINDOW (absent in states carried from before digests). */
  seenEvents?: string[];
  /** The raw ids states carried from before digests were kept; read until they age out. */
  seenEventIds?: string[];
  /** Distinct events received, applied or rejected. */
  eventsReceived: number;
  duplicatesIgnored: number;
  mappings: MappingCorrections;
  rejectedEvents: RejectedEvent[];
  /** Loaded by the workflow after the release; undefined until then. */
  masterData?: OrderMasterData;
  postings: Posting[];
  /** Net amounts of settled postings compacted out of `postings`, by line. */
  archivedLines: Record<string, Amounts>;
  lastEventAt?: string;
}

const noQuantities = (): Quantities => ({ good: ZERO, scrap: ZERO, rework: ZERO });

/** The posting rules the order's plan follows. */
export function postingRulesOf(state: Pick<ProductionOrderState, 'postingRules'>): PostingRules {
  return state.postingRules ?? RULES_BEFORE_CONNECTIONS;
}

/** Where an order posts, as it starts: its ERP, and since connections, its connection, the ERP's name and its posting rules. */
export type OrderErp = Pick<ProductionOrderState, 'erpSystem' | 'erpConnection' | 'erpTitle' | 'postingRules'>;

export function initialState(init: Pick<ProductionOrderState, 'workflowId' | 'plant' | 'productionOrder'> & OrderErp & { planRevision?: PlanRevision }): ProductionOrderState {
  return {
    planRevision: 4,
    ...init,
    startedProduction: false,
    output: noQuantities(),
    operations: {},
    consumption: {},
    byProducts: {},
    transfers: {},
    time: {},
    quality: { inspections: 0, rejected: ZERO },
    heldEvents: [],
    heldCorrections: [],
    recent: [],
    seenEvents: [],
    eventsReceived: 0,
    duplicatesIgnored: 0,
    mappings: {},
    rejectedEvents: [],
    postings: [],
    archivedLines: {},
  };
}

/**
 * Takes a floor event as it arrived (a signal's payload): validated again here, since any
 * client can signal and payloads recorded under an older schema replay through this too
 * (defaults fill what they lack). A payload that is not a valid event is recorded as a
 * rejected event, never dropped and never allowed to fail the workflow.
 */
export function receiveEvent(state: ProductionOrderState, payload: unknown, clock?: { now: number; window: TimeWindow }): ProductionOrderState {
  const parsed = FloorEvent.safeParse(payload);
  const implausible = parsed.success && clock ? implausibleTime(parsed.data.occurredAt, clock.now, clock.window) : undefined;
  if (parsed.success && !implausible) return applyEvent(state, parsed.data);
  const raw = (typeof payload === 'object' && payload !== null ? payload : {}) as { eventId?: unknown; type?: unknown };
  const problems = implausible ? `occurredAt: ${implausible}` : describeProblems(parsed.error!, '(event)');
  const rejected: RejectedEvent = {
    eventId: typeof raw.eventId === 'string' ? raw.eventId : '(no eventId)',
    type: (typeof raw.type === 'string' ? raw.type : '(no type)') as FloorEvent['type'],
    reason: `not a valid floor event: ${problems}`,
  };
  return { ...state, eventsReceived: state.eventsReceived + 1, rejectedEvents: keptRejections(state.rejectedEvents, rejected) };
}

/** Applies one floor event. Duplicates (same eventId) change nothing but a counter. */
export function applyEvent(state: ProductionOrderState, event: FloorEvent): ProductionOrderState {
  if (hasSeen(state, event.eventId)) {
    return { ...state, duplicatesIgnored: state.duplicatesIgnored + 1 };
  }
  // Refused, not remembered: once the order can take it, the same event sent again counts.
  const cancelledRefusal = cancellationRefusal(state, event);
  if (cancelledRefusal) return { ...reject(state, event, cancelledRefusal), eventsReceived: state.eventsReceived + 1 };
  const full = correctableEventTypes.includes(event.type) && mustWait(state, event as CorrectableEvent) ? heldEventsFull(state) : undefined;
  if (full) return { ...reject(state, event, full), eventsReceived: state.eventsReceived + 1 };
  const seq = state.eventsReceived + 1;
  const seen: ProductionOrderState = {
    ...state,
    ...rememberSeen(state, event.eventId),
    eventsReceived: seq,
    lastEventAt: latest(state.lastEventAt, event.occurredAt),
  };
  const next = applyNew(seen, event, seq);
  // Every event the order took (applied or rejected) is remembered, so a correction can say what became of it.
  const taken = !next.heldEvents.includes(event as CorrectableEvent) && next.recent.at(-1)?.eventId !== event.eventId;
  return taken ? remember(next, seq, event.eventId, []) : next;
}

function applyNew(seen: ProductionOrderState, event: FloorEvent, seq: number): ProductionOrderState {
  if (event.plant !== seen.plant || event.productionOrder !== seen.productionOrder) {
    return reject(seen, event, `event is for ${event.plant}/${event.productionOrder}, this order is ${seen.plant}/${seen.productionOrder}`);
  }
  switch (event.type) {
    case 'OrderReleased':
      return release(seen, event);
    case 'OrderCancelled':
      return { ...seen, cancelled: { at: event.occurredAt, source: event.source, ...(event.reason ? { reason: event.reason } : {}) } };
    case 'OperationStarted': {
      const refusal = unknownOperation(seen, event.operation);
      if (refusal) return reject(seen, event, refusal);
      const progress = operationProgress(seen, event.operation, event.occurredAt);
      const started = {
        ...progress,
        startedOn: progress.startedOn ?? dateOf(event.occurredAt),
        ...(event.workCentre ? { workCentre: event.workCentre } : {}),
        ...(event.machine ? { machine: event.machine } : {}),
      };
      return { ...seen, startedProduction: true, operations: { ...seen.operations, [event.operation]: started } };
    }
    case 'OperationCompleted': {
      const refusal = unknownOperation(seen, event.operation);
      if (refusal) return reject(seen, event, refusal);
      const progress = operationProgress(seen, event.operation, event.occurredAt);
      const completed = { ...progress, completedOn: progress.completedOn ?? dateOf(event.occurredAt) };
      return remember({ ...seen, operations: { ...seen.operations, [event.operation]: completed } }, seq, event.eventId, [`operation|${event.operation}`]);
    }
    case 'OrderCompleted':
      return { ...seen, completedOn: seen.completedOn ?? dateOf(event.occurredAt) };
    case 'EventCorrected':
      return correct(seen, event);
    default:
      return applyCorrectable(seen, event, seq);
  }
}

/**
 * Why a cancelled order refuses the event: everything but a release (a release after the
 * cancellation lifts it) and a cancellation. Undefined when the order takes it.
 */
function cancellationRefusal(state: ProductionOrderState, event: FloorEvent): string | undefined {
  const { cancelled } = state;
  if (!cancelled || event.type === 'OrderReleased' || event.type === 'OrderCancelled') return undefined;
  return `order was cancelled by ${cancelled.source} at ${cancelled.at}${cancelled.reason ? ` (${cancelled.reason})` : ''}: nothing more is booked on it; release it again, then send this event again`;
}

function release(state: ProductionOrderState, event: OrderReleased): ProductionOrderState {
  if (state.cancelled && event.occurredAt >= state.cancelled.at) {
    const { cancelled: _lifted, ...rest } = state;
    return release(rest, event);
  }
  const before = state.released;
  if (before && (before.material !== event.material || before.unit !== event.unit)) {
    return reject(state, event, `order was released for ${before.material} in ${before.unit}; a release for ${event.material} in ${event.unit} cannot change that`);
  }
  const released = {
    material: event.material,
    plannedQuantity: event.plannedQuantity,
    unit: event.unit,
    ...(event.erpOrder ?? before?.erpOrder ? { erpOrder: event.erpOrder ?? before?.erpOrder } : {}),
    ...(event.outputBatch ?? before?.outputBatch ? { outputBatch: event.outputBatch ?? before?.outputBatch } : {}),
    ...(event.outputStorageLocation ?? before?.outputStorageLocation ? { outputStorageLocation: event.outputStorageLocation ?? before?.outputStorageLocation } : {}),
    ...(event.operations ?? before?.operations ? { operations: event.operations ?? before?.operations } : {}),
  };
  const next = applyHeldEvents({ ...state, released });
  const destinationChanged = before && (released.outputBatch !== before.outputBatch || released.outputStorageLocation !== before.outputStorageLocation);
  return destinationChanged ? resendReceiptsTo(next, released) : next;
}

/**
 * A release that names the output's batch or location anew (e.g. after the ERP asked for a
 * batch): receipts that needed attention take it and are sent again.
 */
function resendReceiptsTo(state: ProductionOrderState, destination: { outputBatch?: string; outputStorageLocation?: string }): ProductionOrderState {
  const postings = state.postings.map((p): Posting => {
    if (p.status !== 'NeedsAttention' || p.content.kind !== 'FinishedGoodsReceipt') return p;
    const { batch: _batch, storageLocation: _location, ...receipt } = p.content;
    const content = {
      ...receipt,
      ...(destination.outputBatch ? { batch: destination.outputBatch } : {}),
      ...(destination.outputStorageLocation ? { storageLocation: destination.outputStorageLocation } : {}),
    };
    return { ...p, content, status: 'Pending', error: undefined };
  });
  return { ...state, postings };
}

/** A quantity-bearing event: applied now, or held until the order knows what it needs. */
function applyCorrectable(state: ProductionOrderState, event: CorrectableEvent, seq: number): ProductionOrderState {
  if (mustWait(state, event)) return { ...state, heldEvents: [...state.heldEvents, event] };
  const applied = applyQuantities(state, event, 1);
  if (typeof applied === 'string') return remember(reject(state, event, applied), seq, event.eventId, []);
  const withEvent = remember(applied, seq, event.eventId, sourcesOf(state, event), event);
  return applyHeldCorrections(withEvent, event.eventId);
}

/**
 * Output reports need the release (routing, unit); reports in another unit need master
 * data too. Output keeps its order: once one report waits, the ones after it wait behind
 * it (an inspection must not judge units whose report is still waiting).
 */
function mustWait(state: ProductionOrderState, event: CorrectableEvent): boolean {
  if (event.type !== 'QuantityReported' && event.type !== 'QualityResult') return false;
  if (!state.released || state.heldEvents.length > 0) return true;
  return event.unit !== undefined && event.unit !== state.released.unit && !state.masterData;
}

/** Re-applies held events, in the order they arrived, once the release or master data has come. */
function applyHeldEvents(state: ProductionOrderState): ProductionOrderState {
  const held = state.heldEvents;
  if (held.length === 0) return state;
  return held.reduce<ProductionOrderState>(
    (s, event) => (mustWait(s, event) ? { ...s, heldEvents: [...s.heldEvents, event] } : applyCorrectable(s, event, s.eventsReceived)),
    { ...state, heldEvents: [] },
  );
}

/**
 * Adds (sign 1) or takes away (sign -1) what an event carries. Returns the reason when
 * the event cannot be applied; the state is then unchanged.
 */
function applyQuantities(state: ProductionOrderState, event: CorrectableEvent, sign: 1 | -1): ProductionOrderState | string {
  const signed = (q: Decimal) => (sign === 1 ? q : negate(q));
  const date = dateOf(event.occurredAt);
  switch (event.type) {
    case 'MaterialConsumed':
      return { ...state, startedProduction: true, consumption: countMaterial(state.consumption, event, sign, date) };
    case 'ByProductReported':
      return { ...state, startedProduction: true, byProducts: countMaterial(state.byProducts ?? {}, event, sign, date) };
    case 'StockTransferred': {
      const key = transferKey(event);
      const before = entryOf(state.transfers, key);
      const { material, unit, batch, fromWarehouse, fromStorageLocation, toWarehouse, toStorageLocation } = event;
      const way = Object.fromEntries(Object.entries({ batch, fromWarehouse, fromStorageLocation, toWarehouse, toStorageLocation }).filter(([, v]) => v !== undefined));
      const line: TransferLine = { material, unit, ...way, quantity: add(before?.quantity ?? ZERO, signed(event.quantity)), lastDate: later(before?.lastDate, date) };
      return { ...state, transfers: { ...state.transfers, [key]: line } };
    }
    case 'TimeBooked': {
      const key = timeKey(event);
      const before = entryOf(state.time, key);
      const line: TimeLine = {
        activity: event.activity,
        ...(event.operation ? { operation: event.operation } : {}),
        ...(event.employee ? { employee: event.employee } : {}),
        ...(event.workCentre ? { workCentre: event.workCentre } : {}),
        hours: add(before?.hours ?? ZERO, signed(event.hours)),
        lastDate: later(before?.lastDate, date),
      };
      return { ...state, startedProduction: true, time: { ...state.time, [key]: line } };
    }
    case 'QuantityReported': {
      const refusal = event.operation ? unknownOperation(state, event.operation) : undefined;
      if (refusal) return refusal;
      const factor = toOrderUnit(state, event.unit);
      if ('problem' in factor) return factor.problem;
      const inOrderUnit = (q: Decimal) => signed(multiply(q, factor.factor));
      const delta: Quantities = { good: inOrderUnit(event.good), scrap: inOrderUnit(event.scrap), rework: inOrderUnit(event.rework) };
      const counted = addOutput({ ...state, startedProduction: true }, delta, event.operation, date, event.reasonCode);
      return event.serialNumbers && isOrderOutput(state, event.operation) ? countOutputSerials(counted, event.serialNumbers, sign) : counted;
    }
    case 'QualityResult': {
      if (sign === 1) state = { ...state, quality: { ...state.quality, inspections: state.quality.inspections + 1 } };
      if (event.characteristic && keepsKind(postingRulesOf(state), 'InspectionResult')) {
        const results = state.inspectionResults ?? {};
        const recorded = recordInspectionResult(results, event as QualityResult & { characteristic: string }, sign, date);
        if (typeof recorded === 'string') return recorded;
        if (recorded !== results) state = { ...state, inspectionResults: recorded };
      }
      if (event.quantity === undefined || (event.result !== 'rejected' && event.disposition !== 'release')) return state;
      const refusal = event.operation ? unknownOperation(state, event.operation) : undefined;
      if (refusal) return refusal;
      const factor = toOrderUnit(state, event.unit!);
      if ('problem' in factor) return factor.problem;
      if (event.disposition === 'block' || event.disposition === 'release') return changeHold(state, event.disposition, multiply(event.quantity, factor.factor), sign, event.operation);
      const rejected = multiply(event.quantity, factor.factor);
      const good = event.operation ? (entryOf(state.operations, event.operation)?.quantities.good ?? ZERO) : state.output.good;
      if (sign === 1 && compare(rejected, good) > 0) {
        return `rejects ${rejected} ${state.released!.unit} but only ${good} good ${event.operation ? `of operation ${event.operation} ` : ''}have been reported`;
      }
      const moved = signed(rejected);
      const delta: Quantities = { ...noQuantities(), good: negate(moved), [event.disposition ?? 'scrap']: moved };
      const counted = addOutput(state, delta, event.operation, date, event.reasonCode);
      // Rejected serialized units leave the good output by their serial numbers (and come back when the rejection is withdrawn).
      const withOutput = event.serialNumbers && isOrderOutput(state, event.operation) ? countOutputSerials(counted, event.serialNumbers, sign === 1 ? -1 : 1) : counted;
      const judged = { ...withOutput, quality: { ...withOutput.quality, rejected: add(withOutput.quality.rejected, moved) } };
      // Units on hold are good output: a rejection may not take the good output below them.
      return (sign === 1 && holdProblem(state, judged)) || judged;
    }
  }
}

/**
 * Puts good output on hold (block) or takes it off (release); sign -1 takes a decision back
 * (a correction, which checks the outcome once the corrected event is applied: holdProblem).
 */
function changeHold(state: ProductionOrderState, disposition: 'block' | 'release', quantity: Decimal, sign: 1 | -1, operation: string | undefined): ProductionOrderState | string {
  if (!isOrderOutput(state, operation)) return `a ${disposition} holds the order's output, not the output of operation ${operation}`;
  const change = (disposition === 'block') === (sign === 1) ? quantity : negate(quantity);
  const next = { ...state, quality: { ...state.quality, held: add(state.quality.held ?? ZERO, change) } };
  return (sign === 1 && holdProblem(state, next)) || next;
}

/** What is on hold never falls below nothing nor exceeds the good output: why `after` breaks that, if it does. */
function holdProblem(before: ProductionOrderState, after: ProductionOrderState): string | undefined {
  const unit = after.released?.unit ?? '';
  const [was, held] = [before.quality.held ?? ZERO, after.quality.held ?? ZERO];
  // Nothing was ever held (every order before holds existed): nothing to keep within bounds.
  if (isZero(was) && isZero(held)) return undefined;
  if (compare(held, ZERO) < 0) return `takes ${add(was, negate(held))} ${unit} off hold but only ${was} ${unit} are on hold`;
  if (compare(held, after.output.good) <= 0) return undefined;
  if (compare(held, was) > 0) return `puts ${add(held, negate(was))} ${unit} on hold but only ${add(after.output.good, negate(was))} good ${unit} are not on hold yet`;
  return `leaves ${after.output.good} good ${unit}, fewer than the ${held} ${unit} on hold: release some first`;
}

/**
 * The factor that turns a quantity in `unit` into the order's unit, or why there is none.
 * Only multiplication is used, so no precision is lost: another unit converts only where
 * the master data's base unit is the order's unit.
 */
function toOrderUnit(state: ProductionOrderState, unit: string): { factor: Decimal } | { problem: string } {
  const { unit: orderUnit, material } = state.released!;
  if (unit === orderUnit) return { factor: '1' };
  const master = entryOf(state.masterData?.materials, material);
  const factor = master?.baseUnit === orderUnit ? entryOf(master.conversions, unit) : undefined;
  return factor
    ? { factor }
    : { problem: `unit "${unit}" differs from the order's unit "${orderUnit}" and the master data of ${material} converts no "${unit}" to "${orderUnit}"` };
}

/** Counts output at its operation, and as the order's output where it is the last operation's (or no routing is known). */
function addOutput(state: ProductionOrderState, delta: Quantities, operation: string | undefined, date: string, reasonCode: string | undefined): ProductionOrderState {
  const plus = (a: Quantities, b: Quantities): Quantities => ({ good: add(a.good, b.good), scrap: add(a.scrap, b.scrap), rework: add(a.rework, b.rework) });
  let next = state;
  if (isOrderOutput(state, operation)) {
    next = { ...next, output: { ...next.output, ...plus(next.output, delta), lastDate: later(next.output.lastDate, date) } };
  }
  if (operation) {
    const progress = operationProgress(next, operation, date);
    const reported = isPositive(delta.scrap) || isPositive(delta.rework) ? reasonCode : undefined;
    next = {
      ...next,
      operations: {
        ...next.operations,
        [operation]: { ...progress, quantities: plus(progress.quantities, delta), lastDate: later(progress.lastDate, date), ...(reported ? { reasonCode: reported } : {}) },
      },
    };
  }
  return next;
}

function isOrderOutput(state: ProductionOrderState, operation: string | undefined): boolean {
  const routing = state.released?.operations;
  return !operation || !routing || routing.at(-1)!.operation === operation;
}

function unknownOperation(state: ProductionOrderState, operation: string): string | undefined {
  const routing = state.released?.operations;
  if (!routing || routing.some((step) => step.operation === operation)) return undefined;
  return `operation ${operation} is not in the order's routing (${routing.map((s) => s.operation).join(', ')})`;
}

function operationProgress(state: ProductionOrderState, operation: string, occurredAt: string): OperationProgress {
  const routed = state.released?.operations?.find((s) => s.operation === operation);
  return (
    entryOf(state.operations, operation) ?? {
      operation,
      ...(routed?.workCentre ? { workCentre: routed.workCentre } : {}),
      quantities: noQuantities(),
      lastDate: dateOf(occurredAt),
    }
  );
}

/** The totals an event feeds: a posting line names the events that fed its source. */
function sourcesOf(state: ProductionOrderState, event: CorrectableEvent): string[] {
  switch (event.type) {
    case 'MaterialConsumed':
      return [`consumption|${materialLineKey(event)}`];
    case 'ByProductReported':
      return [`by-product|${materialLineKey(event)}`];
    case 'StockTransferred':
      return [`transfer|${transferKey(event)}`];
    case 'TimeBooked':
      return [`time|${timeKey(event)}`];
    case 'QualityResult': {
      const result = event.characteristic && keepsKind(postingRulesOf(state), 'InspectionResult') ? [`result|${inspectionResultKey(event.inspection, event.characteristic)}`] : [];
      if (event.disposition === 'block' || event.disposition === 'release') return ['hold', ...result];
      return [...(isOrderOutput(state, event.operation) ? ['output'] : []), ...(event.operation ? [`operation|${event.operation}`] : []), ...result];
    }
    case 'QuantityReported':
      return [...(isOrderOutput(state, event.operation) ? ['output'] : []), ...(event.operation ? [`operation|${event.operation}`] : [])];
  }
}

function remember(state: ProductionOrderState, seq: number, eventId: string, sources: string[], applied?: CorrectableEvent): ProductionOrderState {
  const entry: RecentEvent = { seq, eventId, sources, ...(applied ? { applied } : {}) };
  return { ...state, recent: keptRecent(state.recent, entry) };
}

/**
 * Applies a correction to the event it names: what that event added is taken away and
 * the corrected event (or nothing, for a cancellation) is applied in its place. A
 * correction that arrives before its event waits for it.
 */
function correct(state: ProductionOrderState, correction: EventCorrected): ProductionOrderState {
  const id = correction.correctsEventId;
  const held = state.heldEvents.find((e) => e.eventId === id);
  if (held) {
    const replaced = correctedEvent(held, correction);
    if (typeof replaced === 'string') return reject(state, correction, replaced);
    const heldEvents = state.heldEvents.flatMap((e) => (e !== held ? [e] : replaced ? [replaced] : []));
    return { ...state, heldEvents };
  }
  const entry = state.recent.findLast((e) => e.eventId === id);
  if (!entry) {
    if (hasSeen(state, id)) return reject(state, correction, `event ${id} is older than the recent events this order keeps (${state.recent.length}) and can no longer be corrected; send a new event for the difference`);
    if (state.heldCorrections.length >= HELD_CORRECTIONS_KEPT) return reject(state, correction, `event ${id} has not arrived, and ${HELD_CORRECTIONS_KEPT} corrections already wait for theirs; send the correction again once the event is in`);
    return { ...state, heldCorrections: [...state.heldCorrections, correction] };
  }
  if (!entry.applied) {
    const what = state.rejectedEvents.some((r) => r.eventId === id) ? 'was rejected' : `is not one of ${correctableEventTypes.join(', ')}`;
    return reject(state, correction, `event ${id} ${what}; there is nothing a correction could change`);
  }
  const replaced = correctedEvent(entry.applied, correction);
  if (typeof replaced === 'string') return reject(state, correction, replaced);
  const withdrawn = applyQuantities(state, entry.applied, -1);
  if (typeof withdrawn === 'string') return reject(state, correction, withdrawn);
  const reapplied = replaced ? applyQuantities(withdrawn, replaced, 1) : withdrawn;
  if (typeof reapplied === 'string') return reject(state, correction, `the corrected event cannot be applied: ${reapplied}`);
  const onHold = holdProblem(state, reapplied);
  if (onHold) return reject(state, correction, onHold);
  const sources = [...new Set([...entry.sources, ...(replaced ? sourcesOf(state, replaced) : [])])];
  const recent = reapplied.recent.map((e): RecentEvent => {
    if (e !== entry) return e;
    const { applied: _old, ...rest } = e;
    return replaced ? { ...rest, applied: replaced } : rest;
  });
  return remember({ ...reapplied, recent }, state.eventsReceived, correction.eventId, sources);
}

/** The event as the correction says it should have been, undefined for a cancellation, or why it cannot be. */
function correctedEvent(original: CorrectableEvent, correction: EventCorrected): CorrectableEvent | undefined | string {
  if (!correction.replacement) return undefined;
  const parsed = FloorEvent.safeParse({ ...original, ...correction.replacement });
  if (!parsed.success) {
    const first = fieldProblems(parsed.error, 'replacement', ['replacement'])[0]!;
    return `${first.field}: ${first.message} for a ${original.type}`;
  }
  const stray = Object.keys(correction.replacement).filter((field) => !(field in parsed.data));
  if (stray.length > 0) return `replacement.${stray[0]}: is not a field of ${original.type}`;
  return parsed.data as CorrectableEvent;
}

/** Applies the corrections that arrived before the event they name. */
function applyHeldCorrections(state: ProductionOrderState, eventId: string): ProductionOrderState {
  const waiting = state.heldCorrections.filter((c) => c.correctsEventId === eventId);
  if (waiting.length === 0) return state;
  const rest = { ...state, heldCorrections: state.heldCorrections.filter((c) => c.correctsEventId !== eventId) };
  return waiting.reduce(correct, rest);
}

export function materialLineKey(c: { material: string; unit: string; batch?: string; storageLocation?: string }): string {
  return [c.material, c.unit, c.batch ?? '', c.storageLocation ?? ''].join('|');
}

/** Adds (sign 1) or takes away (sign -1) a quantity of a material, and its serial numbers, on its line (per unit, batch and location). */
function countMaterial(
  lines: Record<string, MaterialLine>,
  event: { material: string; unit: string; quantity: Decimal; batch?: string | undefined; storageLocation?: string | undefined; serialNumbers?: string[] | undefined },
  sign: 1 | -1,
  date: string,
): Record<string, MaterialLine> {
  const key = materialLineKey(event);
  const before = entryOf(lines, key);
  const counted: MaterialLine = {
    material: event.material,
    unit: event.unit,
    ...(event.batch ? { batch: event.batch } : {}),
    ...(event.storageLocation ? { storageLocation: event.storageLocation } : {}),
    quantity: add(before?.quantity ?? ZERO, sign === 1 ? event.quantity : negate(event.quantity)),
    ...withSerialNumbers(before?.serialNumbers, event.serialNumbers, sign),
    lastDate: later(before?.lastDate, date),
  };
  return { ...lines, [key]: counted };
}

/** The serial numbers of good output counted in (sign 1) or out (sign -1). */
function countOutputSerials(state: ProductionOrderState, serials: readonly string[], sign: 1 | -1): ProductionOrderState {
  const { serialNumbers: before, ...output } = state.output;
  return { ...state, output: { ...output, ...withSerialNumbers(before, serials, sign) } };
}

/** Serial numbers counted in (sign 1) or out (sign -1): `{ serialNumbers }` sorted, or nothing when none are left. */
function withSerialNumbers(before: readonly string[] | undefined, event: readonly string[] | undefined, sign: 1 | -1): { serialNumbers?: string[] } {
  const serials = new Set(before);
  for (const serial of event ?? []) {
    if (sign === 1) serials.add(serial);
    else serials.delete(serial);
  }
  return serials.size > 0 ? { serialNumbers: [...serials].sort() } : {};
}

export function transferKey(t: { material: string; unit: string; batch?: string; fromWarehouse?: string; fromStorageLocation?: string; toWarehouse?: string; toStorageLocation?: string }): string {
  return [t.material, t.unit, t.batch ?? '', t.fromWarehouse ?? '', t.fromStorageLocation ?? '', t.toWarehouse ?? '', t.toStorageLocation ?? ''].join('|');
}

export function timeKey(t: { activity: TimeActivity; operation?: string; employee?: string; workCentre?: string }): string {
  return [t.activity, t.operation ?? '', t.employee ?? '', t.workCentre ?? ''].join('|');
}

function reject(state: ProductionOrderState, event: FloorEvent, reason: string): ProductionOrderState {
  return { ...state, rejectedEvents: keptRejections(state.rejectedEvents, { eventId: event.eventId, type: event.type, reason }) };
}

function dateOf(occurredAt: string): string {
  return occurredAt.slice(0, 10);
}

function later(a: string | undefined, b: string): string {
  return a !== undefined && a > b ? a : b;
}

function latest(a: string | undefined, b: string): string {
  return a === undefined || Date.parse(b) > Date.parse(a) ? b : a;
}

/** Master data for the order's materials, as the workflow loaded it; held events that waited for it are applied. */
export function recordMasterData(state: ProductionOrderState, lookup: MasterDataLookup): ProductionOrderState {
  const materials = { ...state.masterData?.materials, ...lookup.materials };
  const costs = lookup.costs ?? state.masterData?.costs;
  return applyHeldEvents({ ...state, masterData: { materials, bom: lookup.bom ?? state.masterData?.bom ?? [], ...(costs ? { costs } : {}) } });
}

/** Materials the order needs master data of and has not looked up yet (empty before the release). */
export function materialsWithoutMasterData(state: ProductionOrderState): string[] {
  if (!state.released || state.planRevision < 2) return [];
  const known = state.masterData?.materials ?? {};
  const wanted = [
    state.released.material,
    ...Object.values(state.consumption).map((c) => c.material),
    ...Object.values(state.byProducts ?? {}).map((b) => b.material),
    ...Object.values(state.transfers ?? {}).map((t) => t.material),
    ...(state.masterData?.bom.map((c) => c.component) ?? []),
  ];
  return [...new Set(wanted)].filter((m) => !hasEntry(known, m));
}
