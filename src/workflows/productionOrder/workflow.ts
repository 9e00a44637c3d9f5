/**
 * One production order's life, from release to the last ERP posting. Floor events
 * arrive as the `floorEvent` signal; the order's state is the pure reducer in
 * src/domain/productionOrder; ERP postings are retrying activities.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { ErpPostingActivities } from '../../activities/erpPostings';
import type { ErpSystem } from '../../domain/erpSystem';
import type { FloorEvent } from '../../domain/events';
import {
  type ProductionOrderState,
  type ProductionOrderView,
  applyEvent,
  describe,
  initialState,
  isSettled,
  nextPendingPosting,
  planPostings,
  postedDocumentIds,
  recordNeedsAttention,
  recordPosted,
  viewOf,
} from '../../domain/productionOrder';
import { ErpSyncStatusKey, ErpSystemKey, OrderStatusKey, PlantKey, ProductionOrderKey } from '../searchAttributes';

export interface ProductionOrderTiming {
  /** How long a settled order stays open for late events before it closes. */
  closeAfter: Duration;
  /** First retry delay of an ERP posting; it doubles up to a minute, without an attempt limit. */
  postingRetryInitialInterval: Duration;
}

export interface ProductionOrderInput {
  plant: string;
  productionOrder: string;
  erpSystem: ErpSystem;
  timing: ProductionOrderTiming;
}

export const floorEventSignal = defineSignal<[FloorEvent]>('floorEvent');
export const statusQuery = defineQuery<ProductionOrderView>('status');

export function productionOrderWorkflowId(plant: string, productionOrder: string): string {
  return `production-order/${plant}/${productionOrder}`;
}

export async function productionOrder(input: ProductionOrderInput): Promise<ProductionOrderView> {
  const { postToErp } = proxyActivities<ErpPostingActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: input.timing.postingRetryInitialInterval, backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let state: ProductionOrderState = initialState({
    workflowId: workflowInfo().workflowId,
    plant: input.plant,
    productionOrder: input.productionOrder,
    erpSystem: input.erpSystem,
  });
  let eventsSeen = 0;
  let published = '';

  const publish = () => {
    const view = viewOf(state);
    const details = describe(view);
    if (details === published) return;
    published = details;
    setCurrentDetails(details);
    upsertSearchAttributes([
      { key: ProductionOrderKey, value: input.productionOrder },
      { key: PlantKey, value: input.plant },
      { key: ErpSystemKey, value: input.erpSystem },
      { key: OrderStatusKey, value: view.orderStatus },
      { key: ErpSyncStatusKey, value: view.erpSyncStatus },
    ]);
  };

  setHandler(floorEventSignal, (event) => {
    eventsSeen += 1;
    state = planPostings(applyEvent(state, event));
  });
  setHandler(statusQuery, () => viewOf(state));

  for (;;) {
    publish();
    const posting = nextPendingPosting(state);
    if (posting) {
      try {
        const result = await postToErp({
          erpSystem: input.erpSystem,
          content: posting.content,
          idempotencyKey: posting.idempotencyKey,
          knownDocumentIds: postedDocumentIds(state, posting.content.kind),
        });
        state = recordPosted(state, posting.sequence, result.erpDocumentId);
      } catch (error) {
        if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
        state = recordNeedsAttention(state, posting.sequence, {
          type: error.cause.type ?? 'Error',
          message: error.cause.message,
        });
      }
      continue;
    }
    const seen = eventsSeen;
    if (isSettled(state)) {
      const lateEvent = await condition(() => eventsSeen !== seen, input.timing.closeAfter);
      if (!lateEvent) break;
    } else {
      await condition(() => eventsSeen !== seen);
    }
  }

  await condition(allHandlersFinished);
  return viewOf(state);
}
