/**
 * The ERP's planning, kept for the floor: one workflow per ERP connection and plant reads
 * what changed in the ERP's planning (orders released, their material plans and routing,
 * and the items, work centres and bills of materials they rest on)
 * every `every`, from where its last read stopped, and keeps it in PostgreSQL, where the
 * MES reads it from the starter API. The cursor lives in this workflow's state, so a
 * worker restart neither loses nor re-reads changes; a failed read is shown, and tried
 * again at the next turn. `syncNow` reads at once (e.g. a planner just released orders);
 * `syncNow` with `fullRead` starts a full read, which removes what the ERP deleted.
 */
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { PlanningActivities, SyncPlanningResult } from '../../activities/planning';
import { planningReadFailingAlert } from '../../domain/alerts';
import type { ErpSystem } from '../../domain/erpSystem';
import type { PlanningRemovals } from '../../domain/planning';
import { workflowAlerts } from '../alert/workflow';
import { ErpSystemKey, PlantKey } from '../searchAttributes';

/** Failed reads in a row before people are told (at the default pace, a quarter of an hour). */
export const READ_FAILURES_BEFORE_ALERT = 3;
/** Syncs that began before this send no alerts. */
const PLANNING_ALERTS = 'planning-alerts-1';

export interface ErpPlanningInput {
  erpSystem: ErpSystem;
  /** The connection whose planning is read (absent in syncs started before connections). */
  erpConnection?: string;
  /** Its ERP's name for people, in alerts (absent in syncs started before connections). */
  erpTitle?: string;
  plant: string;
  /** The ERP connection's rate-limited task queue: reading planning spends the same call budget as posting. */
  taskQueue: string;
  every: Duration;
  /** Reads before the workflow continues as new (its history stays short). */
  readsBeforeContinueAsNew?: number;
  carried?: ErpPlanningStatus;
}

export interface ErpPlanningStatus {
  cursor?: string;
  reads: number;
  lastReadAt?: string;
  /** Changes read since the workflow first started; boms counts bills of materials written from the ERP's. */
  changesRead: { orders: number; components: number; operations: number; items?: number; workCentres?: number; boms?: number };
  lastReleased: string[];
  /** The last read's failure; `since` and `failures`: when the failing began, and how many reads in a row failed. */
  lastError?: { type: string; message: string; at: string; since?: string; failures?: number };
  /** The full read under way or the last one: when it started and ended, and the rows it found gone from the ERP. */
  fullRead?: { id: string; startedAt: string; endedAt?: string; removed: PlanningRemovals };
}

export interface SyncNowRequest {
  /** Read everything again, so that what the ERP deleted is removed here too. */
  fullRead?: boolean;
}

export const syncNowSignal = defineSignal<[SyncNowRequest?]>('syncNow');
export const planningStatusQuery = defineQuery<ErpPlanningStatus>('status');

export function erpPlanningWorkflowId(erpSystem: ErpSystem, plant: string): string {
  return `erp-planning/${erpSystem}/${plant}`;
}

export async function erpPlanning(input: ErpPlanningInput): Promise<void> {
  const { syncErpPlanning } = proxyActivities<PlanningActivities>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '2 minutes',
    // Within a turn a read is retried a few times; a read that keeps failing waits for the next turn.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  });
  const alerts = workflowAlerts();
  const status: ErpPlanningStatus = input.carried ?? { reads: 0, changesRead: { orders: 0, components: 0, operations: 0 }, lastReleased: [] };
  let readRequested = false;
  let fullReadRequested = false;
  setHandler(syncNowSignal, (request) => {
    readRequested = true;
    if (request?.fullRead) fullReadRequested = true;
  });
  setHandler(planningStatusQuery, () => status);
  upsertSearchAttributes([
    { key: ErpSystemKey, value: input.erpSystem },
    { key: PlantKey, value: input.plant },
  ]);

  const publish = () =>
    setCurrentDetails(
      `${status.lastError ? `**read failed**${(status.lastError.failures ?? 1) > 1 ? ` ${status.lastError.failures} times in a row since ${status.lastError.since}` : ''}: ${status.lastError.type}: ${status.lastError.message}\n\n` : ''}` +
        `last read ${status.lastReadAt ?? 'not yet'} · ${status.changesRead.orders} order changes read` +
        (status.changesRead.items ? ` · ${status.changesRead.items} item changes` : '') +
        (status.fullRead ? `\n\nfull read ${status.fullRead.endedAt ? `ended ${status.fullRead.endedAt}` : `since ${status.fullRead.startedAt}`}: ${describeRemovals(status.fullRead.removed)}` : '') +
        (status.lastReleased.length > 0 ? `\n\nreleased: ${status.lastReleased.join(', ')}` : ''),
    );

  for (let turn = 0; ; turn++) {
    // A syncNow arriving while this read runs asks for another one.
    readRequested = false;
    const fullRead: boolean = fullReadRequested;
    fullReadRequested = false;
    let result: SyncPlanningResult | undefined;
    try {
      result = await syncErpPlanning({ erpSystem: input.erpSystem, ...(input.erpConnection ? { erpConnection: input.erpConnection } : {}), plant: input.plant, ...(status.cursor ? { cursor: status.cursor } : {}), ...(fullRead ? { fullRead } : {}) });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
      const at = new Date().toISOString();
      const failures = (status.lastError?.failures ?? 0) + 1;
      status.lastError = { type: cause?.type ?? 'ReadFailed', message: cause?.message ?? error.message, at, since: status.lastError?.since ?? at, failures };
      if (failures === READ_FAILURES_BEFORE_ALERT && patched(PLANNING_ALERTS)) {
        const alert = planningReadFailingAlert({ workflowId: workflowInfo().workflowId, erpSystem: input.erpSystem, erpTitle: input.erpTitle, plant: input.plant }, { ...status.lastError, since: status.lastError.since!, failures }, status.lastReadAt);
        alerts.send(alert);
      }
      // The full read asked for starts with the next read that succeeds.
      fullReadRequested ||= fullRead;
    }
    if (result) {
      status.cursor = result.cursor;
      status.reads += 1;
      status.lastReadAt = new Date().toISOString();
      status.changesRead = {
        orders: status.changesRead.orders + result.orders,
        components: status.changesRead.components + result.components,
        operations: status.changesRead.operations + result.operations,
        items: (status.changesRead.items ?? 0) + (result.items ?? 0),
        workCentres: (status.changesRead.workCentres ?? 0) + (result.workCentres ?? 0),
        boms: (status.changesRead.boms ?? 0) + (result.boms ?? 0),
      };
      if (result.released.length > 0) status.lastReleased = result.released;
      if (result.fullRead) status.fullRead = withFullRead(status.fullRead, result.fullRead);
      delete status.lastError;
    }
    publish();
    if (!result?.more) await condition(() => readRequested, input.every);
    if (turn + 1 >= (input.readsBeforeContinueAsNew ?? 500) || workflowInfo().continueAsNewSuggested) {
      await alerts.handedOver();
      return continueAsNew<typeof erpPlanning>({ ...input, carried: status });
    }
  }
}

/** The full read's progress: removals add up over its reads; a read with a new id starts a new one. */
function withFullRead(current: ErpPlanningStatus['fullRead'], read: NonNullable<SyncPlanningResult['fullRead']>): NonNullable<ErpPlanningStatus['fullRead']> {
  const now = new Date().toISOString();
  const base = current?.id === read.id ? current : { id: read.id, startedAt: now, removed: { orders: 0, components: 0, operations: 0, workCentres: 0, bomLines: 0 } };
  // A status carried from before BOM lines were read in full lacks their count.
  const removed = Object.fromEntries(Object.entries(read.removed).map(([set, n]) => [set, n + (base.removed[set as keyof PlanningRemovals] ?? 0)])) as PlanningRemovals;
  return { ...base, removed, ...(read.ended ? { endedAt: now } : {}) };
}

function describeRemovals(removed: PlanningRemovals): string {
  const named = { orders: 'orders', components: 'plan lines', operations: 'routing steps', workCentres: 'work centres', bomLines: 'BOM lines' } as const;
  const parts = (Object.keys(named) as (keyof PlanningRemovals)[]).filter((set) => removed[set] > 0).map((set) => `${removed[set]} ${named[set]}`);
  return parts.length > 0 ? `removed ${parts.join(', ')} deleted in the ERP` : 'nothing deleted in the ERP';
}
