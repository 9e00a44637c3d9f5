/**
 * One machine's life as its PLC reports it: readings (absolute counters, state) arrive as
 * the `machineReading` signal from the OPC UA, MQTT or Sparkplug source; the order running
 * on it arrives as the `orderOnMachine` signal (from the MES's OperationStarted, or the PLC's
 * own running-order value) and leaves by the `orderOffMachine` update (the MES's
 * OperationCompleted), which answers once the machine's work is handed to the order, so
 * that the order hears of it before it hears the operation is complete. Every
 * `handOverEvery`, what the machine produced and ran goes to the order on it as floor
 * events (see src/domain/machine).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { DeliveryActivities } from '../../activities/delivery';
import { type TimeWindow, implausibleTime } from '../../domain/events';
import { describeProblems } from '../../domain/fieldProblems';
import {
  MachineReading,
  type MachineState,
  type MachineView,
  OrderAssignment,
  applyReading,
  assignOrder,
  eventsToForward,
  handOverMoment,
  initialMachineState,
  machineView,
} from '../../domain/machine';
import { MachineKey, PlantKey, ProductionOrderKey } from '../searchAttributes';

export interface MachineTiming {
  /** How often what the machine did goes to its order. */
  handOverEvery: Duration;
  continueAsNewAfterEvents: number;
  /** Readings dated outside it (around workflow time) are refused; absent: 400 days back, 10 minutes ahead. */
  floorTimeWindow?: TimeWindow;
}

export interface MachineInput {
  plant: string;
  machine: string;
  timing: MachineTiming;
  state?: MachineState;
}

/** An order (operation) that no longer runs on the machine. */
export interface OrderOffMachine {
  productionOrder: string;
  operation?: string;
  /** When it left (the floor's OperationCompleted): the machine's running time up to then is the order's. */
  at?: string;
}

/** An order put on the machine, or (without one) taken off, and when. */
interface OrderChange {
  assignment?: OrderAssignment;
  at?: string;
}

/** Machines that began before this hand over at the last reading, whatever the time of an order change. */
const HAND_OVER_AT_CHANGE = 'hand-over-at-change';
/** Machines that began before this take a reading at once, even one taken after an order change not made yet. */
const READINGS_AFTER_CHANGE = 'readings-after-change';
/** Machines started before this set the readings' handler before the order changes' handlers. */
const ORDER_CHANGES_FIRST = 'order-changes-first';
/** Machines started before this took readings of any date. */
const PLAUSIBLE_TIME = 'plausible-time';

export const machineReadingSignal = defineSignal<[unknown]>('machineReading');
/** The order now running on the machine: an OrderAssignment, checked on arrival. */
export const orderOnMachineSignal = defineSignal<[unknown]>('orderOnMachine');
/** Takes the order off once what the machine did for it is handed over; tookOff is false when it was not on. */
export const orderOffMachineUpdate = defineUpdate<{ tookOff: boolean }, [OrderOffMachine]>('orderOffMachine');
export const machineStatusQuery = defineQuery<MachineView & { rejectedReadings: string[] }>('status');

export function machineWorkflowId(plant: string, machine: string): string {
  return `machine/${plant}/${machine}`;
}

export async function machine(input: MachineInput): Promise<void> {
  const { deliverFloorEvents } = proxyActivities<DeliveryActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const plausibleTime = patched(PLAUSIBLE_TIME);
  let state = input.state ?? initialMachineState({ workflowId: workflowInfo().workflowId, plant: input.plant, machine: input.machine });
  /** Order changes, in the order they came; each first hands the machine's work over to the order before. */
  const changes: OrderChange[] = [];
  let changesQueued = 0;
  let changesApplied = 0;
  /** Queues an order change; returns its number, which changesApplied reaches once it is made. */
  const queueChange = (change: OrderChange) => {
    changes.push(change);
    return ++changesQueued;
  };
  const rejectedReadings: string[] = [];
  /** Refused readings and failed hand-overs: the last 20 are shown by the status query. */
  const reject = (line: string) => {
    rejectedReadings.push(line);
    rejectedReadings.splice(0, rejectedReadings.length - 20);
  };
  let published = '';
  /** A reading arrived since the last hand-over: without one, there is nothing to hand over. */
  let readSinceHandOver = input.state?.lastReadingAt !== undefined;

  const publish = () => {
    const view = machineView(state);
    const details = `**${view.state ?? 'no state yet'}**${view.order ? ` · order ${view.order.productionOrder}${view.order.operation ? ` op ${view.order.operation}` : ''}` : ' · no order'}\n\ncounted good ${view.counted.good}, scrap ${view.counted.scrap}; running ${view.hours.running} h`;
    if (details === published) return;
    published = details;
    setCurrentDetails(details);
    upsertSearchAttributes([
      { key: PlantKey, value: input.plant },
      { key: MachineKey, value: input.machine },
      { key: ProductionOrderKey, value: view.order?.productionOrder ?? null },
    ]);
  };

  const takeReading = (reading: MachineReading) => {
    const before = state.lastReadingAt;
    state = applyReading(state, reading);
    if (state.lastReadingAt !== before) readSinceHandOver = true;
    const plcOrder = reading.runningOrder;
    if (plcOrder && plcOrder !== state.order?.productionOrder && !changes.some((c) => c.assignment?.productionOrder === plcOrder)) {
      queueChange({ assignment: { at: reading.at, productionOrder: plcOrder, unit: 'pc' }, at: reading.at });
    }
  };
  /** Readings taken after an order change that is not made yet: what they count is the next order's, so they wait for it. */
  let heldReadings: MachineReading[] = [];
  const waitsForChange = (reading: MachineReading) => changes.some((c) => c.at !== undefined && Date.parse(c.at) < Date.parse(reading.at));
  const takeHeldReadings = () => {
    const ready = heldReadings.filter((r) => !waitsForChange(r)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    heldReadings = heldReadings.filter((r) => waitsForChange(r));
    ready.forEach(takeReading);
  };
  const takeReadings = () =>
    setHandler(machineReadingSignal, (payload) => {
      const parsed = MachineReading.safeParse(payload);
      if (!parsed.success) {
        reject(describeProblems(parsed.error, '(reading)'));
        return;
      }
      const implausible = plausibleTime ? implausibleTime(parsed.data.at, Date.now(), input.timing.floorTimeWindow) : undefined;
      if (implausible) {
        reject(`at: ${implausible}`);
        return;
      }
      if (waitsForChange(parsed.data) && patched(READINGS_AFTER_CHANGE)) heldReadings.push(parsed.data);
      else takeReading(parsed.data);
    });
  const takeOrderChanges = () => {
    setHandler(orderOnMachineSignal, (assignment) => {
      const parsed = OrderAssignment.safeParse(assignment);
      if (!parsed.success) {
        reject(`orderOnMachine: ${describeProblems(parsed.error, '(assignment)')}`);
        return;
      }
      queueChange({ assignment: parsed.data, at: parsed.data.at });
    });
    setHandler(orderOffMachineUpdate, async (off) => {
      const current = changes.length > 0 ? changes[changes.length - 1]!.assignment : state.order;
      if (!current || current.productionOrder !== off.productionOrder || (off.operation && current.operation && off.operation !== current.operation)) {
        return { tookOff: false };
      }
      const mine = queueChange(off.at ? { at: off.at } : {});
      await condition(() => changesApplied >= mine);
      return { tookOff: true };
    });
  };
  // Signals that came before a handler was set are handed to it when it is set: with the order
  // changes' handlers first, a first task that holds an order's start and readings after it
  // sees them in the order they came (the readings then wait for the change).
  if (patched(ORDER_CHANGES_FIRST)) {
    takeOrderChanges();
    takeReadings();
  } else {
    takeReadings();
    takeOrderChanges();
  }
  setHandler(machineStatusQuery, () => ({ ...machineView(state), rejectedReadings: [...rejectedReadings] }));

  /** Hands over what the machine did up to the last reading, or up to an order change later than it. */
  const handOver = async (change?: OrderChange) => {
    const at = (patched(HAND_OVER_AT_CHANGE) ? handOverMoment(state, change) : state.lastReadingAt) ?? new Date().toISOString();
    const { events, state: next } = eventsToForward(state, at);
    state = next;
    readSinceHandOver = false;
    // The event ids are fixed in the state before delivery: a retried delivery is de-duplicated by the order.
    if (events.length === 0) return;
    try {
      await deliverFloorEvents(events);
    } catch (error) {
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
      // The order was terminated: what the machine did for it is kept here, in plain sight.
      reject(`could not hand ${events.map((e) => e.eventId).join(', ')} to the order: ${error.cause.message}`);
    }
  };

  for (;;) {
    publish();
    // An idle machine costs no timers: the clock starts with the first reading after a hand-over.
    await condition(() => changes.length > 0 || readSinceHandOver);
    await condition(() => changes.length > 0, input.timing.handOverEvery);
    while (changes.length > 0) {
      const change = changes[0]!;
      await handOver(change);
      changes.shift();
      state = assignOrder(state, change.assignment);
      changesApplied += 1;
      takeHeldReadings();
      publish();
    }
    await handOver();
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= input.timing.continueAsNewAfterEvents) {
      // An order change waiting for this loop keeps its update handler busy: take it first.
      await condition(() => allHandlersFinished() || changes.length > 0);
      // What arrived since the hand-over is in `state` and goes over in the next run.
      if (changes.length === 0) return continueAsNew<typeof machine>({ ...input, state });
    }
  }
}
