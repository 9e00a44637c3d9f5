/**
 * One machine's life as its PLC reports it: readings (absolute counters, state) arrive as
 * the `machineReading` signal from the OPC UA, MQTT or Sparkplug source; the order running
 * on it arrives as `orderOnMachine` (from the MES's OperationStarted / OperationCompleted,
 * or the PLC's own running-order value). Every `handOverEvery`, what the machine produced
 * and ran goes to that order as floor events (see src/domain/machine).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { DeliveryActivities } from '../../activities/delivery';
import {
  MachineReading,
  type MachineState,
  type MachineView,
  OrderAssignment,
  applyReading,
  assignOrder,
  eventsToForward,
  initialMachineState,
  machineView,
} from '../../domain/machine';
import { MachineKey, PlantKey, ProductionOrderKey } from '../searchAttributes';

export interface MachineTiming {
  /** How often what the machine did goes to its order. */
  handOverEvery: Duration;
  continueAsNewAfterEvents: number;
}

export interface MachineInput {
  plant: string;
  machine: string;
  timing: MachineTiming;
  state?: MachineState;
}

/** The order running on the machine, or (running: false) no longer running on it. */
export type OrderOnMachine = { running: true; assignment: unknown } | { running: false; productionOrder: string; operation?: string; at: string };

export const machineReadingSignal = defineSignal<[unknown]>('machineReading');
export const orderOnMachineSignal = defineSignal<[OrderOnMachine]>('orderOnMachine');
export const machineStatusQuery = defineQuery<MachineView & { rejectedReadings: string[] }>('status');

export function machineWorkflowId(plant: string, machine: string): string {
  return `machine/${plant}/${machine}`;
}

export async function machine(input: MachineInput): Promise<void> {
  const { deliverFloorEvents } = proxyActivities<DeliveryActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  let state = input.state ?? initialMachineState({ workflowId: workflowInfo().workflowId, plant: input.plant, machine: input.machine });
  /** Order changes, in the order they came; each first hands the machine's work over to the order before. */
  const changes: (OrderAssignment | null)[] = [];
  const rejectedReadings: string[] = [];
  let published = '';

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

  setHandler(machineReadingSignal, (payload) => {
    const parsed = MachineReading.safeParse(payload);
    if (!parsed.success) {
      rejectedReadings.push(parsed.error.issues.map((i) => `${i.path.join('.') || '(reading)'}: ${i.message}`).join('; '));
      rejectedReadings.splice(0, rejectedReadings.length - 20);
      return;
    }
    state = applyReading(state, parsed.data);
    const plcOrder = parsed.data.runningOrder;
    if (plcOrder && plcOrder !== state.order?.productionOrder && !changes.some((c) => c?.productionOrder === plcOrder)) {
      changes.push({ at: parsed.data.at, productionOrder: plcOrder, unit: 'pc' });
    }
  });
  setHandler(orderOnMachineSignal, (change) => {
    if (change.running) {
      const parsed = OrderAssignment.safeParse(change.assignment);
      if (parsed.success) changes.push(parsed.data);
      else rejectedReadings.push(`orderOnMachine: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    } else if (state.order?.productionOrder === change.productionOrder && (!change.operation || change.operation === state.order.operation)) {
      changes.push(null);
    }
  });
  setHandler(machineStatusQuery, () => ({ ...machineView(state), rejectedReadings: [...rejectedReadings] }));

  const handOver = async () => {
    const { events, state: next } = eventsToForward(state, state.lastReadingAt ?? new Date().toISOString());
    state = next;
    // The event ids are fixed in the state before delivery: a retried delivery is de-duplicated by the order.
    if (events.length === 0) return;
    try {
      await deliverFloorEvents(events);
    } catch (error) {
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
      // The order was terminated: what the machine did for it is kept here, in plain sight.
      rejectedReadings.push(`could not hand ${events.map((e) => e.eventId).join(', ')} to the order: ${error.cause.message}`);
      rejectedReadings.splice(0, rejectedReadings.length - 20);
    }
  };

  for (;;) {
    publish();
    await condition(() => changes.length > 0, input.timing.handOverEvery);
    while (changes.length > 0) {
      await handOver();
      state = assignOrder(state, changes.shift() ?? undefined);
      publish();
    }
    await handOver();
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= input.timing.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      await handOver();
      return continueAsNew<typeof machine>({ ...input, state });
    }
  }
}
