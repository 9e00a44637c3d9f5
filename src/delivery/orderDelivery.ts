/**
 * How sources hand floor events to production orders and readings to machines, whichever
 * source they came from (the starter API, MQTT, OPC UA, a machine workflow). The client
 * side that does it over Temporal is client.ts; this interface is all a source or an
 * activity needs, so none of them depends on the workflows.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { FloorEvent } from '../domain/events';

export interface OrderDelivery {
  /**
   * The order's workflow id once Temporal holds the event; undefined when the order was
   * terminated or failed. An OperationStarted naming a machine puts the order on that
   * machine; an OperationCompleted naming one first takes it off, once the machine's work
   * for it has reached the order. Throws DeliveryRefused for an event the configuration
   * gives no order to take (no ERP connection serves its plant).
   */
  deliver(event: FloorEvent): Promise<string | undefined>;
  /**
   * Several events of one order, in floor order, as one signal (one workflow task for them
   * all); otherwise as deliver: the workflow id once Temporal holds them, undefined for an
   * order that ended, DeliveryRefused for a plant no connection serves.
   */
  deliverToOrder(events: readonly FloorEvent[]): Promise<string | undefined>;
  /**
   * The event for an order whose workflow runs now, or (`start`) one that never ran, which
   * it starts; false, and nothing delivered, for an order that has closed (or, without
   * `start`, never ran): news from the ERP's planning, which need not reopen a closed order.
   */
  deliverUnlessClosed(event: FloorEvent, options: { start: boolean }): Promise<boolean>;
  /**
   * An operator's update of an order, whether its workflow runs or has closed: a closed order
   * is reopened from the state it closed with and takes the update (a refused update leaves
   * it to close again). Throws WorkflowNotFoundError for an order that never ran.
   */
  updateOrder<Ret, Args extends [unknown, ...unknown[]]>(plant: string, productionOrder: string, update: UpdateDefinition<Ret, Args>, args: Args): Promise<Ret>;
  /** A machine's reading (validated by the machine workflow); resolves once Temporal holds it. */
  deliverReading(plant: string, machine: string, reading: unknown): Promise<string>;
}

/** An event no order can take as configured (no ERP connection serves its plant): refused and recorded, never retried. */
export class DeliveryRefused extends Error {
  override readonly name = 'DeliveryRefused';
}
