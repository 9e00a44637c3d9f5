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
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
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
import type { Posting } from '../../domain/postings';
import {
  type MappingCorrections,
  type ProductionOrderState,
  type ProductionOrderView,
  type RejectedEvent,
  applyEvent,
  correctMapping,
  describe,
  initialState,
  isSettled,
  nextPendingPosting,
  operatorActionRefusal,
  planPostings,
  postedDocumentIds,
  recordNeedsAttention,
  recordPosted,
  retryPosting,
  skipPosting,
  viewOf,
} from '../../domain/productionOrder';
import { ErpSyncStatusKey, ErpSystemKey, OrderStatusKey, PlantKey, ProductionOrderKey } from '../searchAttributes';

export interface ProductionOrderTiming {
  /** How long a settled order stays open for late events before it closes. */
  closeAfter: Duration;
  /** First retry delay of an ERP posting; it doubles up to a minute, without an attempt limit. */
  postingRetryInitialInterval: Duration;
  /**
   * How long one attempt to post may take before Temporal retries it (a worker that died mid-post).
   * Optional because orders started before it existed carry no value: they keep one minute.
   */
  postingAttemptTimeout?: Duration;
  /**
   * Batching: events that arrive within this window after the first unposted one go to
   * the ERP in one posting per material (and receipt). A completed order, or `batchSize`
   * unposted events, flushes at once. Absent or zero: post as events arrive.
   */
  batchWindow?: Duration;
  batchSize?: number;
  /** History length after which the order continues as new (Temporal also suggests it at 4,096 events or 4 MB). */
  continueAsNewAfterEvents: number;
}

export interface ProductionOrderInput {
  plant: string;
  productionOrder: string;
  erpSystem: ErpSystem;
  timing: ProductionOrderTiming;
  /** The state a previous run carried over when it continued as new. */
  state?: ProductionOrderState;
}

export const floorEventSignal = defineSignal<[FloorEvent]>('floorEvent');
export const statusQuery = defineQuery<ProductionOrderView>('status');
/** Postings not yet in the ERP: waiting to be sent, or waiting for an operator. */
export const pendingPostingsQuery = defineQuery<Posting[]>('pendingPostings');
export const postedPostingsQuery = defineQuery<Posting[]>('postedPostings');
/** What needs a person: postings the ERP refused and events the order could not apply. */
export const errorsQuery = defineQuery<{ postings: Posting[]; rejectedEvents: RejectedEvent[] }>('errors');

/** Operator: send a posting that needs attention to the ERP again. */
export const retryPostingUpdate = defineUpdate<ProductionOrderView, [{ sequence: number }]>('retryPosting');
/** Operator: the ERP shall not get this posting; the reason is kept. */
export const skipPostingUpdate = defineUpdate<ProductionOrderView, [{ sequence: number; reason: string }]>('skipPosting');
/** Operator: correct a reference the ERP did not know (its order number, the material code), then post again. */
export const correctMappingUpdate = defineUpdate<ProductionOrderView, [MappingCorrections]>('correctMapping');

export function productionOrderWorkflowId(plant: string, productionOrder: string): string {
  return `production-order/${plant}/${productionOrder}`;
}

export async function productionOrder(input: ProductionOrderInput): Promise<ProductionOrderView> {
  const { postToErp } = proxyActivities<ErpPostingActivities>({
    startToCloseTimeout: input.timing.postingAttemptTimeout ?? '1 minute',
    retry: { initialInterval: input.timing.postingRetryInitialInterval, backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let state: ProductionOrderState =
    input.state ??
    initialState({
      workflowId: workflowInfo().workflowId,
      plant: input.plant,
      productionOrder: input.productionOrder,
      erpSystem: input.erpSystem,
    });
  /** Counts every change from outside (events, operator actions), so the main loop wakes on any of them. */
  let changes = 0;
  /** Events applied since postings were last planned. */
  let unplannedEvents = 0;
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

  const change = (next: ProductionOrderState): ProductionOrderView => {
    state = next;
    changes += 1;
    return viewOf(state);
  };
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };

  setHandler(floorEventSignal, (event) => {
    unplannedEvents += 1;
    change(applyEvent(state, event));
  });
  setHandler(statusQuery, () => viewOf(state));
  setHandler(pendingPostingsQuery, () => state.postings.filter((p) => p.status === 'Pending' || p.status === 'NeedsAttention'));
  setHandler(postedPostingsQuery, () => state.postings.filter((p) => p.status === 'Posted'));
  setHandler(errorsQuery, () => ({
    postings: state.postings.filter((p) => p.status === 'NeedsAttention'),
    rejectedEvents: state.rejectedEvents,
  }));
  setHandler(retryPostingUpdate, ({ sequence }) => change(retryPosting(state, sequence)), {
    validator: ({ sequence }) => refuse(operatorActionRefusal(state, sequence)),
  });
  setHandler(skipPostingUpdate, ({ sequence, reason }) => change(skipPosting(state, sequence, reason.trim())), {
    validator: ({ sequence, reason }) =>
      refuse(typeof reason === 'string' && reason.trim() !== '' ? operatorActionRefusal(state, sequence) : 'reason: must say why the posting is skipped'),
  });
  setHandler(correctMappingUpdate, (correction) => change(correctMapping(state, correction)), {
    validator: (correction) => refuse(mappingCorrectionRefusal(correction)),
  });

  const batchSize = input.timing.batchSize ?? Number.POSITIVE_INFINITY;
  const flushNow = () => unplannedEvents >= batchSize || state.completedOn !== undefined;
  for (;;) {
    if (unplannedEvents > 0) {
      if (input.timing.batchWindow && !flushNow()) await condition(flushNow, input.timing.batchWindow);
      unplannedEvents = 0;
      state = planPostings(state);
    }
    publish();
    const posting = nextPendingPosting(state);
    if (posting) {
      try {
        const result = await postToErp({
          erpSystem: input.erpSystem,
          workflowId: state.workflowId,
          sequence: posting.sequence,
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
    if (shouldContinueAsNew(input.timing)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof productionOrder>({ ...input, state });
    }
    const seen = changes;
    if (isSettled(state)) {
      const lateChange = await condition(() => changes !== seen, input.timing.closeAfter);
      if (!lateChange) break;
    } else {
      await condition(() => changes !== seen);
    }
  }

  await condition(allHandlersFinished);
  return viewOf(state);
}

function shouldContinueAsNew(timing: ProductionOrderTiming): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= timing.continueAsNewAfterEvents;
}

/** Why a mapping correction cannot be taken, naming the field, or undefined when it can. */
function mappingCorrectionRefusal(correction: MappingCorrections | undefined): string | undefined {
  const { erpOrderReference, materials, ...unknown } = correction ?? {};
  const [stray] = Object.keys(unknown);
  if (stray) return `${stray}: is not a reference that can be corrected (erpOrderReference, materials)`;
  if (erpOrderReference === undefined && materials === undefined) return 'give erpOrderReference or materials to correct';
  if (erpOrderReference !== undefined && (typeof erpOrderReference !== 'string' || erpOrderReference.trim() === '')) {
    return 'erpOrderReference: must be a non-empty string';
  }
  if (materials !== undefined) {
    if (typeof materials !== 'object' || materials === null || Object.keys(materials).length === 0) return 'materials: must map at least one floor material code to an ERP item code';
    for (const [from, to] of Object.entries(materials)) {
      if (typeof to !== 'string' || to.trim() === '') return `materials.${from}: must be a non-empty ERP item code`;
    }
  }
  return undefined;
}
