/**
 * Activities that hand floor events to production orders: the machine workflow gives an
 * order what its machine produced and ran. Delivery is signal-with-start (and reopening a
 * closed order), so a retried hand-over is de-duplicated by the order (the events' ids are
 * fixed by the machine).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FloorEvent } from '../domain/events';
import { DeliveryRefused, type OrderDelivery } from '../delivery/orderDelivery';

export function createDeliveryActivities({ delivery }: { delivery: OrderDelivery }) {
  return {
    async deliverFloorEvents(events: FloorEvent[]): Promise<void> {
      for (const event of events) {
        const workflowId = await delivery.deliver(event).catch((error: unknown) => {
          throw error instanceof DeliveryRefused ? ApplicationFailure.nonRetryable(error.message, 'DeliveryRefused') : error;
        });
        if (workflowId === undefined) {
          throw ApplicationFailure.nonRetryable(`production order ${event.plant}/${event.productionOrder} was terminated or failed; event ${event.eventId} cannot be delivered`, 'OrderEnded');
        }
      }
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
