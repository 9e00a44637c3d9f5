/**
 * A machine as its PLC (over OPC UA, MQTT or Sparkplug B) reports it, kept as a pure
 * reducer. Readings are absolute: cumulative counters and the current state, each with
 * the time the machine took it. So a duplicate or a replay changes nothing (a reading no
 * newer than the last is ignored), a counter that went backwards has wrapped or been reset
 * (a restarted PLC), and time accrues per state from the readings' own timestamps. What the
 * machine produced and ran goes to the production order running on it, as floor events with
 * ids the machine fixes, so that delivering them twice counts them once.
 */
import { z } from 'zod';
import type { FloorEvent, QuantityReported, TimeBooked } from './events';
import { Reference, text } from './events';
import { type Decimal, ZERO, add, compare, divide, isPositive, round, subtract } from './quantity';

/** Counter values are whole numbers (PLC integers), sent as numbers or decimal strings. */
const Counter = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'must be a whole number')]).transform(String);

export const MachineReading = z.strictObject({
  /** When the machine took the values (the OPC UA source timestamp, the Sparkplug timestamp, ...). */
  at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
  good: Counter.optional(),
  scrap: Counter.optional(),
  /** running, idle, down (anything else counts as down), or the PLC's own word for it. */
  state: text(40).optional(),
  /** The order the PLC says it runs, where it says so. */
  runningOrder: Reference.optional(),
  /** Where it came from: opcua, mqtt, sparkplug. */
  source: text(100),
});
export type MachineReading = z.infer<typeof MachineReading>;

export const OrderAssignment = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  productionOrder: Reference,
  operation: text(20).optional(),
  workCentre: text(40).optional(),
  /** The unit the order counts in; the machine's counters count it. */
  unit: text(10).default('pc'),
});
export type OrderAssignment = z.infer<typeof OrderAssignment>;

export type MachineStateName = 'running' | 'idle' | 'down';

interface CounterTrack {
  /** The last absolute value read, null before the first reading. */
  last: string | null;
  /** Units counted since the machine workflow began (resets and wraps included). */
  total: Decimal;
  /** Of `total`, what has been handed to orders (or counted while none ran). */
  forwarded: Decimal;
}

export interface MachineState {
  workflowId: string;
  plant: string;
  machine: string;
  /** The largest counter value before it wraps to 0. */
  counterMax: string;
  lastReadingAt?: string;
  good: CounterTrack;
  scrap: CounterTrack;
  state?: { name: MachineStateName; since: string };
  /** Milliseconds spent per state, since the workflow began. */
  millis: Record<MachineStateName, number>;
  /** Running milliseconds already handed to orders as machine hours (or run while none ran). */
  forwardedRunMillis: number;
  order?: OrderAssignment;
  /** What the machine produced and ran while no order was assigned: kept, not posted. */
  unassigned: { good: Decimal; scrap: Decimal; runMillis: number };
  resets: number;
  wraps: number;
  readingsIgnored: number;
  /** Sequence of the events the machine has handed to orders; their ids are `<workflowId>#<n>`. */
  eventsForwarded: number;
}

export function initialMachineState(init: { workflowId: string; plant: string; machine: string; counterMax?: string }): MachineState {
  const track = (): CounterTrack => ({ last: null, total: ZERO, forwarded: ZERO });
  return {
    ...init,
    counterMax: init.counterMax ?? '4294967295',
    good: track(),
    scrap: track(),
    millis: { running: 0, idle: 0, down: 0 },
    forwardedRunMillis: 0,
    unassigned: { good: ZERO, scrap: ZERO, runMillis: 0 },
    resets: 0,
    wraps: 0,
    readingsIgnored: 0,
    eventsForwarded: 0,
  };
}

export function stateName(plcState: string): MachineStateName {
  const s = plcState.toLowerCase();
  if (s === 'running' || s === 'run' || s === 'producing' || s === 'execute') return 'running';
  if (s === 'idle' || s === 'stopped' || s === 'ready' || s === 'waiting' || s === 'starved' || s === 'blocked') return 'idle';
  return 'down';
}

/** Applies a reading; one no newer than the last is a duplicate or a replay and changes nothing. */
export function applyReading(state: MachineState, reading: MachineReading): MachineState {
  if (state.lastReadingAt && Date.parse(reading.at) <= Date.parse(state.lastReadingAt)) {
    return { ...state, readingsIgnored: state.readingsIgnored + 1 };
  }
  let next: MachineState = { ...state, lastReadingAt: reading.at };
  if (reading.good !== undefined) next = count(next, 'good', reading.good);
  if (reading.scrap !== undefined) next = count(next, 'scrap', reading.scrap);
  if (reading.state !== undefined) next = changeState(next, stateName(reading.state), reading.at);
  else if (next.state) next = accrue(next, reading.at);
  return next;
}

function count(state: MachineState, which: 'good' | 'scrap', value: string): MachineState {
  const track = state[which];
  if (track.last === null) return { ...state, [which]: { ...track, last: value } };
  let delta = subtract(value, track.last);
  let { resets, wraps } = state;
  if (compare(delta, ZERO) < 0) {
    // Backwards: near the top it wrapped past counterMax; otherwise the PLC restarted its count at 0.
    const headroom = subtract(state.counterMax, track.last);
    if (compare(headroom, divide(state.counterMax, '10')) <= 0) {
      delta = add(add(headroom, '1'), value);
      wraps += 1;
    } else {
      delta = value;
      resets += 1;
    }
  }
  return { ...state, resets, wraps, [which]: { ...track, last: value, total: add(track.total, delta) } };
}

/** Time in the current state runs up to `at`; time accrued up to a later moment (a hand-over) is not counted again. */
function accrue(state: MachineState, at: string): MachineState {
  if (!state.state || Date.parse(at) <= Date.parse(state.state.since)) return state;
  const elapsed = Date.parse(at) - Date.parse(state.state.since);
  return { ...state, millis: { ...state.millis, [state.state.name]: state.millis[state.state.name] + elapsed }, state: { ...state.state, since: at } };
}

function changeState(state: MachineState, name: MachineStateName, at: string): MachineState {
  const accrued = accrue(state, at);
  const since = accrued.state && (accrued.state.name === name || Date.parse(accrued.state.since) > Date.parse(at)) ? accrued.state.since : at;
  return { ...accrued, state: { name, since } };
}

/**
 * The moment an order change hands the machine's work over: when the floor says the order
 * left or came (a machine reports nothing while nothing changes, so its state holds until
 * then), or the last reading where that is later.
 */
export function handOverMoment(state: MachineState, change: { at?: string } | undefined): string | undefined {
  const candidates = [state.lastReadingAt, change?.at].filter((t): t is string => t !== undefined);
  return candidates.sort((a, b) => Date.parse(a) - Date.parse(b)).pop();
}

/**
 * Puts an order on the machine (or takes it off). What the machine did before is handed to
 * the previous order first: call eventsToForward before assigning.
 */
export function assignOrder(state: MachineState, assignment: OrderAssignment | undefined): MachineState {
  const { order: _previous, ...rest } = state;
  return assignment ? { ...rest, order: assignment } : rest;
}

/**
 * The floor events that hand what the machine produced and ran since the last hand-over to
 * the order running on it, and the state once they are handed over. Without an order, the
 * amounts are kept as unassigned instead (shown, not posted).
 */
export function eventsToForward(state: MachineState, at: string): { events: FloorEvent[]; state: MachineState } {
  const accrued = accrue(state, at);
  const good = subtract(accrued.good.total, accrued.good.forwarded);
  const scrap = subtract(accrued.scrap.total, accrued.scrap.forwarded);
  const runMillis = accrued.millis.running - accrued.forwardedRunMillis;
  // Hours go over as the rounded total less what was sent: no fraction of a second is lost.
  const hoursBefore = round(divide(String(accrued.forwardedRunMillis), '3600000'), 4);
  const hoursNow = round(divide(String(accrued.millis.running), '3600000'), 4);
  const hours = subtract(hoursNow, hoursBefore);
  const handedOver: MachineState = {
    ...accrued,
    good: { ...accrued.good, forwarded: accrued.good.total },
    scrap: { ...accrued.scrap, forwarded: accrued.scrap.total },
    forwardedRunMillis: accrued.millis.running,
  };
  const order = accrued.order;
  if (!order) {
    const unassigned = { good: add(accrued.unassigned.good, good), scrap: add(accrued.unassigned.scrap, scrap), runMillis: accrued.unassigned.runMillis + runMillis };
    return { events: [], state: { ...handedOver, unassigned } };
  }
  let sequence = accrued.eventsForwarded;
  const envelope = () => ({
    version: 'v1' as const,
    eventId: `${accrued.workflowId}#${++sequence}`,
    occurredAt: at,
    source: `machine:${accrued.machine}`,
    plant: accrued.plant,
    productionOrder: order.productionOrder,
  });
  const events: FloorEvent[] = [];
  if (isPositive(good) || isPositive(scrap)) {
    const report: QuantityReported = {
      ...envelope(),
      type: 'QuantityReported',
      good,
      scrap,
      rework: ZERO,
      unit: order.unit,
      ...(order.operation ? { operation: order.operation } : {}),
      ...(order.workCentre ? { workCentre: order.workCentre } : {}),
    };
    events.push(report);
  }
  if (isPositive(hours)) {
    const time: TimeBooked = {
      ...envelope(),
      type: 'TimeBooked',
      activity: 'machine',
      hours,
      workCentre: order.workCentre ?? accrued.machine,
      ...(order.operation ? { operation: order.operation } : {}),
    };
    events.push(time);
  }
  return { events, state: { ...handedOver, eventsForwarded: sequence } };
}

/** What an operator sees of the machine. */
export interface MachineView {
  workflowId: string;
  plant: string;
  machine: string;
  state?: MachineStateName;
  stateSince?: string;
  order?: OrderAssignment;
  counted: { good: Decimal; scrap: Decimal };
  hours: Record<MachineStateName, Decimal>;
  unassigned: { good: Decimal; scrap: Decimal; runHours: Decimal };
  resets: number;
  wraps: number;
  readingsIgnored: number;
  lastReadingAt?: string;
}

export function machineView(state: MachineState): MachineView {
  const hours = (ms: number) => round(divide(String(ms), '3600000'), 4);
  return {
    workflowId: state.workflowId,
    plant: state.plant,
    machine: state.machine,
    ...(state.state ? { state: state.state.name, stateSince: state.state.since } : {}),
    ...(state.order ? { order: state.order } : {}),
    counted: { good: state.good.total, scrap: state.scrap.total },
    hours: { running: hours(state.millis.running), idle: hours(state.millis.idle), down: hours(state.millis.down) },
    unassigned: { good: state.unassigned.good, scrap: state.unassigned.scrap, runHours: hours(state.unassigned.runMillis) },
    resets: state.resets,
    wraps: state.wraps,
    readingsIgnored: state.readingsIgnored,
    ...(state.lastReadingAt ? { lastReadingAt: state.lastReadingAt } : {}),
  };
}
