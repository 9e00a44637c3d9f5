/**
 * One production order's life, from release to the last ERP posting. Floor events
 * arrive as the `floorEvent` signal; the order's state is the pure reducer in
 * src/domain/productionOrder and its posting plan in src/domain/postingPlan; master
 * data lookups and ERP postings are retrying activities.
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
import { msToNumber } from '@temporalio/common/lib/time';
import { type CallBudget, budgetedBatchWindowMs } from '../../domain/callBudget';
import type { ErpPostingActivities } from '../../activities/erpPostings';
import { orderStateLargeAlert, planningProblemAlert, postingNeedsAttentionAlert, rejectedEventAlert } from '../../domain/alerts';
import type { MasterDataActivities } from '../../activities/masterData';
import type { OrderMemoryActivities } from '../../activities/orderMemory';
import { DEFAULT_TIME_WINDOW, type FloorEvent, type TimeWindow } from '../../domain/events';
import { compactPostings, planPostings } from '../../domain/postingPlan';
import { type ErpDifferencesNotice, describeErpDifferences, erpDifferencesNotice } from '../../domain/reconciliation';
import type { Posting } from '../../domain/postings';
import { type ProductionOrderView, describe, isSettled, openRejections, planningProblems, viewOf } from '../../domain/orderView';
import { type MappingCorrections, type OrderErp, type ProductionOrderState, type RejectedEvent, initialState, materialsWithoutMasterData, receiveEvent, recordMasterData } from '../../domain/productionOrder';
import { acknowledgeRejectedEvent, acknowledgementRefusal, correctMapping, forgetMasterData, heldInErpRefusal, nextPendingPosting, operatorActionRefusal, recordAttempted, recordHeldInErp, recordNeedsAttention, recordPosted, retryPosting, skipPosting } from '../../domain/orderActions';
import { stateBytes } from '../../domain/orderBounds';
import { workflowAlerts } from '../alert/workflow';
import { ErpConnectionKey, ErpSyncStatusKey, ErpSystemKey, OrderStatusKey, PlantKey, ProductionOrderKey } from '../searchAttributes';

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
   * the ERP in one posting per line (material, receipt, operation, time). A completed
   * order, or `batchSize` unposted events, flushes at once. Absent or zero: post as events arrive.
   */
  batchWindow?: Duration;
  batchSize?: number;
  /**
   * How wide the batch window may grow while the ERP connection's call budget runs short
   * (src/domain/callBudget.ts); absent: seven days. The window narrows again when there is room.
   */
  batchWindowMax?: Duration;
  /** History length after which the order continues as new (Temporal also suggests it at 4,096 events or 4 MB). */
  continueAsNewAfterEvents: number;
  /** Events dated outside it (around workflow time) are rejected; absent: 400 days back, 10 minutes ahead. */
  floorTimeWindow?: TimeWindow;
  /** A run handed more state than this tells people (absent: 1 MiB, half of Temporal's payload limit). */
  stateWarningBytes?: number;
}

/** The order's ERP: the connection that serves the plant, with its name and posting rules (absent in orders started before connections). */
export interface ProductionOrderInput extends OrderErp {
  plant: string;
  productionOrder: string;
  timing: ProductionOrderTiming;
  /** The task queue of the ERP connection's postings, rate-limited for all workers; absent: the order's own queue. */
  postingTaskQueue?: string;
  /** The state a previous run carried over: when it continued as new, or when a late event reopened a closed order. */
  state?: ProductionOrderState;
}

/** What a closed order leaves behind: a summary for people, and its state for a late event that reopens it. */
export interface ProductionOrderClosing {
  summary: string;
  state: ProductionOrderState;
}

export const floorEventSignal = defineSignal<[FloorEvent]>('floorEvent');
/** Several of the order's events at once, in floor order (a source's request or batch): one signal, one workflow task. */
export const floorEventsSignal = defineSignal<[FloorEvent[]]>('floorEvents');
/** The order's story; `stateBytes` is the size of the state it would carry to its next run. */
export const statusQuery = defineQuery<ProductionOrderView & { stateBytes: number }>('status');
/** Postings not yet in the ERP: waiting to be sent, or waiting for an operator. */
export const pendingPostingsQuery = defineQuery<Posting[]>('pendingPostings');
export const postedPostingsQuery = defineQuery<Posting[]>('postedPostings');
/** What needs a person: postings the ERP refused, events the order could not apply, lines it cannot plan. */
export const errorsQuery = defineQuery<Pick<ProductionOrderView, 'planningProblems'> & { postings: Posting[]; rejectedEvents: RejectedEvent[] }>('errors');

/** Operator: send a posting that needs attention to the ERP again. */
export const retryPostingUpdate = defineUpdate<ProductionOrderView, [{ sequence: number }]>('retryPosting');
/** Operator: the ERP shall not get this posting; the reason is kept. */
export const skipPostingUpdate = defineUpdate<ProductionOrderView, [{ sequence: number; reason: string }]>('skipPosting');
/** Operator: correct a reference the ERP did not know (its order number, a material code, an employee), then post again. */
export const correctMappingUpdate = defineUpdate<ProductionOrderView, [MappingCorrections]>('correctMapping');
/** Operator: a rejected event has been dealt with (e.g. the MES resent it corrected); the note is kept. */
export const acknowledgeRejectedEventUpdate = defineUpdate<ProductionOrderView, [{ eventId: string; note: string }]>('acknowledgeRejectedEvent');
/** Operator: master data changed (a conversion, a backflush mode): look it up again and plan with it. */
export const reloadMasterDataUpdate = defineUpdate<ProductionOrderView, []>('reloadMasterData');
/** Reconciliation: what the ERP holds differs from what the order posted (shown in its details until the next run that finds none). */
export const erpDifferencesSignal = defineSignal<[ErpDifferencesNotice | null]>('erpDifferences');
/** Operator: reconciliation found posting `sequence`'s document holding `held` in the ERP (changed or deleted by hand): post the difference. */
export const postErpDifferenceUpdate = defineUpdate<ProductionOrderView, [{ sequence: number; held: string }]>('postErpDifference');

export function productionOrderWorkflowId(plant: string, productionOrder: string): string {
  return `production-order/${plant}/${productionOrder}`;
}

/** Each order plans by the rules of its start (see PlanRevision); orders started earlier keep theirs. */
const PLAN_REVISION_2 = 'plan-revision-2';
const PLAN_REVISION_3 = 'plan-revision-3';
const PLAN_REVISION_4 = 'plan-revision-4';
/** Orders started before alerts existed never send one (their histories hold no such activity). */
const ALERTS = 'alerts-1';
/** Orders started before this send no alerts for rejected events and lines that cannot be planned. */
const ALERTS_FOR_PROBLEMS = 'alerts-2';
/** Temporal refuses a payload over 2 MB; an order that carries half of that is told to people. */
const PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;
const STATE_WARNING_BYTES = 1024 * 1024;
/** Orders started before this never told people of their state's size. */
const STATE_SIZE_ALERT = 'state-size-alert';
/** Orders started before this keep what they closed with only in Temporal. */
const ORDER_MEMORY = 'order-memory';
/** Orders started before this took events of any date. */
const PLAUSIBLE_TIME = 'plausible-time';
/** Orders started before this name no ERP connection among their search attributes. */
const ERP_CONNECTION = 'erp-connection';
/** Orders started before this batch within the configured window, whatever the ERP's call budget. */
const BUDGETED_WINDOW = 'budgeted-batch-window';

export async function productionOrder(input: ProductionOrderInput): Promise<ProductionOrderClosing> {
  const retry = { initialInterval: input.timing.postingRetryInitialInterval, backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
  const { postToErp } = proxyActivities<ErpPostingActivities>({
    startToCloseTimeout: input.timing.postingAttemptTimeout ?? '1 minute',
    retry,
    ...(input.postingTaskQueue ? { taskQueue: input.postingTaskQueue } : {}),
  });
  const { loadMasterData } = proxyActivities<MasterDataActivities>({ startToCloseTimeout: '30 seconds', retry });
  const { recallClosedOrder, rememberClosedOrder } = proxyActivities<OrderMemoryActivities>({ startToCloseTimeout: '30 seconds', retry });
  /** The order goes on while its alerts travel. Each is sent once per run: after continue-as-new, a problem still open is told again. */
  const alerts = workflowAlerts();

  let state: ProductionOrderState =
    input.state ??
    initialState({
      workflowId: workflowInfo().workflowId,
      plant: input.plant,
      productionOrder: input.productionOrder,
      erpSystem: input.erpSystem,
      ...(input.erpConnection ? { erpConnection: input.erpConnection } : {}),
      ...(input.erpTitle ? { erpTitle: input.erpTitle } : {}),
      ...(input.postingRules ? { postingRules: input.postingRules } : {}),
      planRevision: patched(PLAN_REVISION_4) ? 4 : patched(PLAN_REVISION_3) ? 3 : patched(PLAN_REVISION_2) ? 2 : 1,
    });
  /** Counts every change from outside (events, operator actions), so the main loop wakes on any of them. */
  let changes = 0;
  /** Events applied since postings were last planned. */
  let unplannedEvents = 0;
  let publishedDetails = '';
  let publishedAttributes = '';
  const erpConnection = state.erpConnection !== undefined && patched(ERP_CONNECTION) ? state.erpConnection : undefined;

  /** What this run was handed; told to people when it is large (well before Temporal's limit). */
  const carriedBytes = input.state ? stateBytes(input.state) : 0;
  /** What the last reconciliation found in the ERP for this order, and until when the details said the order stays open. */
  let erpDifferences: ErpDifferencesNotice | undefined;
  let shownOpenUntil: string | undefined;
  const publish = (openUntil?: string) => {
    shownOpenUntil = openUntil;
    const view = viewOf(state);
    const details =
      describe(view, openUntil ? { openUntil } : {}) +
      (erpDifferences && erpDifferences.differences.length > 0 ? `\n\n${describeErpDifferences(erpDifferences)}` : '') +
      (carriedBytes > 0 ? `\n\nstate carried: ${Math.round(carriedBytes / 1024)} KB` : '');
    if (details !== publishedDetails) {
      publishedDetails = details;
      setCurrentDetails(details);
    }
    const attributes = [view.orderStatus, view.erpSyncStatus].join('|');
    if (attributes === publishedAttributes) return;
    publishedAttributes = attributes;
    upsertSearchAttributes([
      { key: ProductionOrderKey, value: input.productionOrder },
      { key: PlantKey, value: input.plant },
      { key: ErpSystemKey, value: input.erpSystem },
      ...(erpConnection ? [{ key: ErpConnectionKey, value: erpConnection }] : []),
      { key: OrderStatusKey, value: view.orderStatus },
      { key: ErpSyncStatusKey, value: view.erpSyncStatus },
    ]);
  };

  const change = (next: ProductionOrderState): ProductionOrderView => {
    state = next;
    changes += 1;
    return viewOf(state);
  };
  /** A floor event changes the state; nobody waits for a view of it. */
  const receive = (event: FloorEvent) => {
    unplannedEvents += 1;
    changes += 1;
    state = receiveEvent(state, event, timeWindow && { now: Date.now(), window: timeWindow });
  };
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };

  // A first run restores what the order closed with before; until it has, nothing is known to be in the ERP.
  let restoring = !input.state && patched(ORDER_MEMORY);
  setHandler(statusQuery, () => {
    const view = viewOf(state);
    return { ...view, ...(restoring ? { erpSyncStatus: 'Pending' as const } : {}), stateBytes: stateBytes(compactPostings(state)) };
  });
  setHandler(pendingPostingsQuery, () => state.postings.filter((p) => p.status === 'Pending' || p.status === 'NeedsAttention'));
  setHandler(postedPostingsQuery, () => state.postings.filter((p) => p.status === 'Posted'));
  setHandler(errorsQuery, () => ({
    postings: state.postings.filter((p) => p.status === 'NeedsAttention'),
    rejectedEvents: openRejections(state),
    planningProblems: planningProblems(state),
  }));
  // A first run looks for what the order closed with before: Temporal may no longer have that run (retention).
  // Events and operator actions wait (Temporal buffers them) until their handlers are set below.
  if (restoring) {
    state = (await recallClosedOrder(workflowInfo().workflowId)) ?? state;
    restoring = false;
  }
  const timeWindow = patched(PLAUSIBLE_TIME) ? (input.timing.floorTimeWindow ?? DEFAULT_TIME_WINDOW) : undefined;
  setHandler(floorEventSignal, receive);
  // A batch that is not a list of events is one malformed event, refused and recorded like any other.
  setHandler(floorEventsSignal, (events) => (Array.isArray(events) ? events : [events as unknown as FloorEvent]).forEach(receive));
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
  setHandler(acknowledgeRejectedEventUpdate, ({ eventId, note }) => change(acknowledgeRejectedEvent(state, eventId, note.trim())), {
    validator: ({ eventId, note }) =>
      refuse(typeof note === 'string' && note.trim() !== '' ? acknowledgementRefusal(state, eventId) : 'note: must say how the rejection was dealt with'),
  });
  setHandler(reloadMasterDataUpdate, () => change(forgetMasterData(state)));
  setHandler(erpDifferencesSignal, (notice) => {
    erpDifferences = erpDifferencesNotice(notice);
    publish(shownOpenUntil);
  });
  setHandler(postErpDifferenceUpdate, ({ sequence, held }) => {
    if (erpDifferences) {
      const left = erpDifferences.differences.filter((d) => d.sequence !== sequence);
      erpDifferences = { ...erpDifferences, count: erpDifferences.count - (erpDifferences.differences.length - left.length), differences: left };
    }
    return change(recordHeldInErp(state, sequence, held));
  }, {
    validator: (request) => refuse(heldInErpRefusal(state, request?.sequence, request?.held)),
  });

  const batchSize = input.timing.batchSize ?? Number.POSITIVE_INFINITY;
  const flushNow = () => unplannedEvents >= batchSize || state.completedOn !== undefined;
  /** The connection's call budget as the last posting left it: a budget running short widens the window. */
  let budget: CallBudget | undefined;
  const batchWindow = (): Duration | undefined => {
    const base = input.timing.batchWindow;
    if (!base || !patched(BUDGETED_WINDOW)) return base;
    return budgetedBatchWindowMs(msToNumber(base), msToNumber(input.timing.batchWindowMax ?? '7 days'), budget, Date.now());
  };
  for (;;) {
    for (;;) {
      if (unplannedEvents > 0) {
        const window = batchWindow();
        if (window && !flushNow()) await condition(flushNow, window);
        unplannedEvents = 0;
      }
      const unknown = materialsWithoutMasterData(state);
      if (unknown.length > 0) {
        const bomOf = state.masterData ? undefined : state.released!.material;
        const { budget: connectionBudget, ...lookup } = await loadMasterData({ plant: input.plant, materials: unknown, bomOf, ...(state.erpConnection ? { erpConnection: state.erpConnection } : {}) });
        // Read `state` only after the await: events may have arrived while the lookup ran.
        state = recordMasterData(state, lookup);
        budget = connectionBudget ?? budget;
        continue;
      }
      // Planning is pure and idempotent; a reversal waits here until its original is posted.
      state = planPostings(state);
      publish();
      if (patched(ALERTS_FOR_PROBLEMS)) {
        if (carriedBytes > (input.timing.stateWarningBytes ?? STATE_WARNING_BYTES) && patched(STATE_SIZE_ALERT)) alerts.send(orderStateLargeAlert(state, carriedBytes, PAYLOAD_LIMIT_BYTES));
        for (const rejection of openRejections(state)) alerts.send(rejectedEventAlert(state, rejection));
        for (const problem of planningProblems(state)) alerts.send(planningProblemAlert(state, problem));
      }
      const posting = nextPendingPosting(state);
      if (posting) {
        // Kept in the state (across continue-as-new): a later activity for this posting, whatever starts it, looks in the ERP first.
        state = recordAttempted(state, posting.sequence);
        try {
          const result = await postToErp({
            erpSystem: input.erpSystem,
            ...(state.erpConnection ? { erpConnection: state.erpConnection } : {}),
            workflowId: state.workflowId,
            sequence: posting.sequence,
            content: posting.content,
            idempotencyKey: posting.idempotencyKey,
            ...(posting.attempted ? { attemptedBefore: true } : {}),
            sourceEventIds: posting.sourceEventIds,
            ...(posting.transformation ? { transformation: posting.transformation } : {}),
          });
          state = recordPosted(state, posting.sequence, result.erpDocumentId);
          budget = result.budget ?? budget;
        } catch (error) {
          if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
          const postingError = { type: error.cause.type ?? 'Error', message: error.cause.message };
          state = recordNeedsAttention(state, posting.sequence, postingError);
          if (patched(ALERTS)) alerts.send(postingNeedsAttentionAlert(state, posting, postingError, workflowInfo().historyLength));
        }
        continue;
      }
      if (shouldContinueAsNew(input.timing)) {
        await alerts.handedOver();
        await condition(allHandlersFinished);
        return continueAsNew<typeof productionOrder>({ ...input, state: compactPostings(state) });
      }
      const seen = changes;
      if (isSettled(state)) {
        // The badge says Running while it waits: the details say until when, and why.
        publish(new Date(Date.now() + msToNumber(input.timing.closeAfter)).toISOString());
        const lateChange = await condition(() => changes !== seen, input.timing.closeAfter);
        if (!lateChange) break;
      } else {
        await condition(() => changes !== seen);
      }
    }

    await alerts.handedOver();
    await condition(allHandlersFinished);
    const closing = compactPostings(state);
    const changesAtClose = changes;
    if (patched(ORDER_MEMORY)) await rememberClosedOrder(closing);
    // An event or an operator's action that came while the order was closing: it is not closed after all.
    if (changes === changesAtClose) return { summary: describe(viewOf(state)), state: closing };
  }
}

function shouldContinueAsNew(timing: ProductionOrderTiming): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= timing.continueAsNewAfterEvents;
}

/** Why a mapping correction cannot be taken, naming the field, or undefined when it can. */
function mappingCorrectionRefusal(correction: MappingCorrections | undefined): string | undefined {
  const { erpOrderReference, materials, employees, ...unknown } = correction ?? {};
  const [stray] = Object.keys(unknown);
  if (stray) return `${stray}: is not a reference that can be corrected (erpOrderReference, materials, employees)`;
  if (erpOrderReference === undefined && materials === undefined && employees === undefined) return 'give erpOrderReference, materials or employees to correct';
  if (erpOrderReference !== undefined && (typeof erpOrderReference !== 'string' || erpOrderReference.trim() === '')) {
    return 'erpOrderReference: must be a non-empty string';
  }
  for (const [field, map] of Object.entries({ materials, employees })) {
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Object.keys(map).length === 0) return `${field}: must map at least one floor code to an ERP code`;
    for (const [from, to] of Object.entries(map)) {
      if (typeof to !== 'string' || to.trim() === '') return `${field}.${from}: must be a non-empty ERP code`;
    }
  }
  return undefined;
}
