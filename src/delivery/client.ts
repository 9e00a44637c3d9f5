/**
 * How a floor event reaches its production order, from whichever source it came (the
 * starter API, MQTT, a machine workflow): signal-with-start of the order's workflow, which
 * also starts it on its first event; and, if the order has closed, a new run from the
 * state it closed with. Resolves only once Temporal holds the event: a source may then let
 * go of it (answer 202, acknowledge the MQTT message).
 */
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { DeliveryRefused, type OrderDelivery } from './orderDelivery';
import type { FloorEvent } from '../domain/events';
import type { OrderAssignment } from '../domain/machine';
import { type OrderRoute, UnservedPlantError } from '../erp/connections';
import {
  type ProductionOrderInput,
  type ProductionOrderTiming,
  floorEventSignal,
  floorEventsSignal,
  productionOrder,
  productionOrderWorkflowId,
} from '../workflows/productionOrder/workflow';
import { type MachineInput, type MachineTiming, type OrderOffMachine, machine, machineReadingSignal, machineWorkflowId, orderOffMachineUpdate, orderOnMachineSignal } from '../workflows/machine/workflow';
import { ErpConnectionKey, ErpSystemKey, MachineKey, OrderStatusKey, PlantKey, ProductionOrderKey } from '../workflows/searchAttributes';

export interface OrderDeliveryOptions {
  client: Client;
  taskQueue: string;
  machines: { timing: MachineTiming };
  orders: { timing: ProductionOrderTiming };
  /** The ERP connection that serves a plant (throws UnservedPlantError for a plant none serves). */
  route: (plant: string) => OrderRoute;
}

export function createOrderDelivery(deps: OrderDeliveryOptions): OrderDelivery {
  const routeOf = (plant: string) => {
    try {
      return deps.route(plant);
    } catch (error) {
      throw error instanceof UnservedPlantError ? new DeliveryRefused(error.message) : error;
    }
  };

  /**
   * Signals the event to its order's workflow, starting the workflow if this is its first
   * event, and reopening it from the state it closed with if it has closed. Returns
   * undefined when the order ended otherwise (terminated, failed) and cannot take events.
   */
  /** A new order's input: the connection that serves its plant. */
  function inputFor(event: Pick<FloorEvent, 'plant' | 'productionOrder'>): ProductionOrderInput {
    const route = routeOf(event.plant);
    return {
      plant: event.plant,
      productionOrder: event.productionOrder,
      erpSystem: route.erpSystem,
      erpConnection: route.erpConnection,
      erpTitle: route.erpTitle,
      postingRules: route.postingRules,
      timing: deps.orders.timing,
      postingTaskQueue: route.postingTaskQueue,
    };
  }

  async function deliver(events: readonly FloorEvent[]): Promise<string | undefined> {
    const event = events[0]!;
    const workflowId = productionOrderWorkflowId(event.plant, event.productionOrder);
    const input = inputFor(event);
    try {
      await signalWithStart(events, input, WorkflowIdReusePolicy.REJECT_DUPLICATE);
      return workflowId;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    // The order closed. If it closed normally, a late event reopens it with all it knew
    // (event ids for de-duplication, ERP documents for reversals); concurrent reopeners
    // are safe: once one has started the new run, signal-with-start only signals it.
    const handle = deps.client.workflow.getHandle<typeof productionOrder>(workflowId);
    const { status } = await handle.describe();
    if (status.name !== 'COMPLETED') return undefined;
    await signalWithStart(events, await reopening(handle, input), WorkflowIdReusePolicy.ALLOW_DUPLICATE);
    return workflowId;
  }

  /** The input of a new run of an order that closed normally: the state it closed with. */
  async function reopening(handle: WorkflowHandle<typeof productionOrder>, input: ProductionOrderInput): Promise<ProductionOrderInput> {
    const closing = await handle.result();
    // It goes on posting where it posted: its state names its connection (or, from before connections, its ERP).
    return { ...input, erpSystem: closing.state.erpSystem, state: closing.state };
  }

  async function signalWithStart(events: readonly FloorEvent[], input: ProductionOrderInput, reuse: WorkflowIdReusePolicy) {
    const options = startOptions(input, reuse);
    // One event as floorEvent, which every worker knows; several as one floorEvents signal.
    if (events.length === 1) await deps.client.workflow.signalWithStart(productionOrder, { ...options, signal: floorEventSignal, signalArgs: [events[0]!] });
    else await deps.client.workflow.signalWithStart(productionOrder, { ...options, signal: floorEventsSignal, signalArgs: [[...events]] });
  }

  /** How the order's workflow starts: its id, search attributes and what the Web UI shows of it. */
  function startOptions(input: ProductionOrderInput, reuse: WorkflowIdReusePolicy) {
    const { plant, productionOrder: order, erpSystem } = input;
    const connection = input.state ? input.state.erpConnection : input.erpConnection;
    const title = input.state ? input.state.erpTitle : input.erpTitle;
    const erp = connection ? `${title ?? 'ERP'} (connection ${connection})` : erpSystem;
    const options = {
      workflowId: productionOrderWorkflowId(plant, order),
      taskQueue: deps.taskQueue,
      args: [input] as [ProductionOrderInput],
      workflowIdReusePolicy: reuse,
      typedSearchAttributes: [
        { key: ProductionOrderKey, value: order },
        { key: PlantKey, value: plant },
        { key: ErpSystemKey, value: erpSystem },
        ...(connection ? [{ key: ErpConnectionKey, value: connection }] : []),
        { key: OrderStatusKey, value: 'AwaitingRelease' },
      ],
      staticSummary: `Production order ${order} · plant ${plant} · ${erp}`,
      staticDetails: `Floor events for production order **${order}** in plant **${plant}**, posted to ${erp}. Query \`status\` for quantities and postings.`,
    };
    return options;
  }


  /** Starts the machine's workflow on its first reading or order. */
  function machineStart(plant: string, machineName: string) {
    return {
      workflowId: machineWorkflowId(plant, machineName),
      taskQueue: deps.taskQueue,
      args: [{ plant, machine: machineName, timing: deps.machines.timing }] as [MachineInput],
      typedSearchAttributes: [
        { key: PlantKey, value: plant },
        { key: MachineKey, value: machineName },
      ],
      staticSummary: `Machine ${machineName} · plant ${plant}`,
      staticDetails: `Readings of machine **${machineName}** in plant **${plant}**; what it produces and runs goes to the order running on it. Query \`status\`.`,
    };
  }

  /** Waits until what the machine did for the order is handed to it; a machine never heard of did nothing. */
  async function orderOffMachine(plant: string, machineName: string, off: OrderOffMachine): Promise<void> {
    try {
      await deps.client.workflow.getHandle(machineWorkflowId(plant, machineName)).executeUpdate(orderOffMachineUpdate, { args: [off] });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  /** An operation that starts or completes on a machine moves the order on or off it: such an event goes on its own. */
  const movesMachine = (event: FloorEvent) => (event.type === 'OperationCompleted' || event.type === 'OperationStarted') && event.machine !== undefined;

  async function deliverOne(event: FloorEvent): Promise<string | undefined> {
    // The machine's count so far reaches the order before the order hears the operation is complete.
    if (event.type === 'OperationCompleted' && event.machine) {
      await orderOffMachine(event.plant, event.machine, { productionOrder: event.productionOrder, operation: event.operation, at: event.occurredAt });
    }
    const workflowId = await deliver([event]);
    if (workflowId && event.type === 'OperationStarted' && event.machine) {
      const assignment: OrderAssignment = {
        at: event.occurredAt,
        productionOrder: event.productionOrder,
        operation: event.operation,
        unit: 'pc',
        ...(event.workCentre ? { workCentre: event.workCentre } : {}),
      };
      await deps.client.workflow.signalWithStart(machine, { ...machineStart(event.plant, event.machine), signal: orderOnMachineSignal, signalArgs: [assignment] });
    }
    return workflowId;
  }

  return {
    deliver: deliverOne,
    async deliverToOrder(events) {
      let workflowId: string | undefined;
      // Runs of ordinary events go as one signal each; an event that moves a machine goes alone, in its place.
      for (let i = 0; i < events.length; ) {
        let end = i + 1;
        if (!movesMachine(events[i]!)) while (end < events.length && !movesMachine(events[end]!)) end += 1;
        workflowId = end - i === 1 ? await deliverOne(events[i]!) : await deliver(events.slice(i, end));
        if (workflowId === undefined) return undefined;
        i = end;
      }
      return workflowId;
    },
    async deliverUnlessClosed(event, { start }) {
      try {
        if (start) await signalWithStart([event], inputFor(event), WorkflowIdReusePolicy.REJECT_DUPLICATE);
        else await deps.client.workflow.getHandle(productionOrderWorkflowId(event.plant, event.productionOrder)).signal(floorEventSignal, event);
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError || error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      }
    },
    async updateOrder(plant, order, update, args) {
      const handle = deps.client.workflow.getHandle<typeof productionOrder>(productionOrderWorkflowId(plant, order));
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') return handle.executeUpdate(update, { args });
      if (status.name !== 'COMPLETED') throw new DeliveryRefused(`order ${handle.workflowId} ended ${status.name.toLowerCase()}: it takes no action`);
      // Closed: a new run from the state it closed with takes the action, as a late event would reopen it.
      const input = await reopening(handle, inputFor({ plant, productionOrder: order }));
      return deps.client.workflow.executeUpdateWithStart(update, {
        args,
        startWorkflowOperation: new WithStartWorkflowOperation(productionOrder, { ...startOptions(input, WorkflowIdReusePolicy.ALLOW_DUPLICATE), workflowIdConflictPolicy: 'USE_EXISTING' }),
      });
    },
    async deliverReading(plant, machineName, reading) {
      const start = machineStart(plant, machineName);
      await deps.client.workflow.signalWithStart(machine, { ...start, signal: machineReadingSignal, signalArgs: [reading] });
      return start.workflowId;
    },
  };
}
