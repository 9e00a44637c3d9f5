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
import type { PlanningNoticeActivities, TellFloorResult } from '../../activities/planningNotices';
import { planningNoticeProblemAlert, planningReadFailingAlert } from '../../domain/alerts';
import type { ErpSystem } from '../../domain/erpSystem';
import { type MasterDataChanges, mergedChanges } from '../../domain/masterDataNotices';
import type { PlanningRemovals } from '../../domain/planning';
import { workflowAlerts } from '../alert/workflow';
import { ErpSystemKey, PlantKey } from '../searchAttributes';

/** Failed reads in a row before people are told (at the default pace, a quarter of an hour). */
export const READ_FAILURES_BEFORE_ALERT = 3;
/** Syncs that began before this send no alerts. */
const PLANNING_ALERTS = 'planning-alerts-1';
/** Syncs that began before this keep planning for the MES to read, and tell no one. */
const TELLS_FLOOR = 'planning-tells-floor';
/** Syncs that began before this tell no MES of master data. */
const TELLS_MASTER_DATA = 'planning-tells-master-data';
/** Refusals and orders not delivered kept in the status, latest last. */
const KEPT_PROBLEMS = 5;

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
  /** What the floor (order workflows, MES webhooks) was told of the ERP's changes. */
  told?: {
    released: number;
    changed: number;
    cancelled: number;
    /** The orders the last telling told of, by notice. */
    last?: TellFloorResult['told'];
    lastError?: { type: string; message: string; at: string; since: string; failures: number };
    refused: TellFloorResult['refused'];
    notDelivered: TellFloorResult['notDelivered'];
  };
  /** Master data the ERP changed that the MES which subscribe have not been told of yet (bounded), and how telling them went. */
  masterDataToTell?: MasterDataChanges;
  masterDataTold?: { notices: number; lastError?: { type: string; message: string; at: string; since: string; failures: number } };
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
  const { tellFloorOfPlanning, tellFloorOfMasterData } = proxyActivities<PlanningNoticeActivities>({
    startToCloseTimeout: '2 minutes',
    // A MES that does not answer is tried a few times within a turn, then again every turn: what is not told stays to tell.
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

  const sync = () => ({ workflowId: workflowInfo().workflowId, erpSystem: input.erpSystem, erpTitle: input.erpTitle, plant: input.plant });
  /** Tells the floor what changed, in calls of up to NOTICES_PER_CALL orders. */
  const tellFloor = async (erpConnection: string) => {
    const told = (status.told ??= { released: 0, changed: 0, cancelled: 0, refused: [], notDelivered: [] });
    for (let call = 0; call < 20; call++) {
      let result: TellFloorResult;
      try {
        result = await tellFloorOfPlanning({ erpSystem: input.erpSystem, erpConnection, plant: input.plant });
      } catch (error) {
        told.lastError = failingAgain(told.lastError, error, 'TellingFailed');
        const { failures } = told.lastError;
        if (failures === READ_FAILURES_BEFORE_ALERT) {
          alerts.send(planningNoticeProblemAlert(sync(), { key: told.lastError.since, what: `${failures} tries in a row failed`, detail: `${told.lastError.type}: ${told.lastError.message} (failing since ${told.lastError.since}; tried again every turn)` }));
        }
        return;
      }
      delete told.lastError;
      told.released += result.told.orderReleased.length;
      told.changed += result.told.orderChanged.length;
      told.cancelled += result.told.orderCancelled.length;
      if (Object.values(result.told).some((orders) => orders.length > 0)) told.last = result.told;
      told.refused = [...told.refused, ...result.refused].slice(-KEPT_PROBLEMS);
      told.notDelivered = [...told.notDelivered, ...result.notDelivered].slice(-KEPT_PROBLEMS);
      for (const refusal of result.refused) {
        alerts.send(planningNoticeProblemAlert(sync(), { key: `${refusal.destination}/${refusal.messageId}`, what: `${refusal.destination} refused ${refusal.messageId}`, detail: `HTTP ${refusal.httpStatus}: ${refusal.message} (not sent again)` }));
      }
      if (!result.more) return;
    }
  };

  /** Tells the MES that subscribe of the master data changed; what is not told yet stays for the next turn. */
  const tellMasterData = async (erpConnection: string, changes: MasterDataChanges) => {
    const told = (status.masterDataTold ??= { notices: 0 });
    try {
      const result = await tellFloorOfMasterData({ erpConnection, plant: input.plant, changes });
      told.notices += result.told;
      delete told.lastError;
      delete status.masterDataToTell;
      for (const refusal of result.refused) {
        alerts.send(planningNoticeProblemAlert(sync(), { key: `${refusal.destination}/${refusal.messageId}`, what: `${refusal.destination} refused ${refusal.messageId}`, detail: `HTTP ${refusal.httpStatus}: ${refusal.message} (not sent again)` }));
      }
    } catch (error) {
      const failing = failingAgain(told.lastError, error, 'TellingFailed');
      told.lastError = failing;
      if (failing.failures === READ_FAILURES_BEFORE_ALERT) {
        alerts.send(planningNoticeProblemAlert(sync(), { key: `master-data/${failing.since}`, what: `master data changes: ${failing.failures} tries in a row failed`, detail: `${failing.type}: ${failing.message} (failing since ${failing.since}; tried again every turn)` }));
      }
    }
  };

  const publish = () =>
    setCurrentDetails(
      `${status.lastError ? `**read failed**${(status.lastError.failures ?? 1) > 1 ? ` ${status.lastError.failures} times in a row since ${status.lastError.since}` : ''}: ${status.lastError.type}: ${status.lastError.message}\n\n` : ''}` +
        `last read ${status.lastReadAt ?? 'not yet'} · ${status.changesRead.orders} order changes read` +
        (status.changesRead.items ? ` · ${status.changesRead.items} item changes` : '') +
        (status.fullRead ? `\n\nfull read ${status.fullRead.endedAt ? `ended ${status.fullRead.endedAt}` : `since ${status.fullRead.startedAt}`}: ${describeRemovals(status.fullRead.removed)}` : '') +
        (status.lastReleased.length > 0 ? `\n\nreleased: ${status.lastReleased.join(', ')}` : '') +
        (status.told ? `\n\n${describeTold(status.told)}` : ''),
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
      status.lastError = failingAgain(status.lastError, error, 'ReadFailed');
      const { failures } = status.lastError;
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
    // What an earlier read applied and the floor was not told yet is told now, whether or not this read succeeded.
    if (input.erpConnection && patched(TELLS_FLOOR)) await tellFloor(input.erpConnection);
    if (result?.masterDataChanged) status.masterDataToTell = status.masterDataToTell ? mergedChanges(status.masterDataToTell, result.masterDataChanged) : result.masterDataChanged;
    if (input.erpConnection && status.masterDataToTell && patched(TELLS_MASTER_DATA)) await tellMasterData(input.erpConnection, status.masterDataToTell);
    publish();
    if (!result?.more) await condition(() => readRequested, input.every);
    if (turn + 1 >= (input.readsBeforeContinueAsNew ?? 500) || workflowInfo().continueAsNewSuggested) {
      await alerts.handedOver();
      return continueAsNew<typeof erpPlanning>({ ...input, carried: status });
    }
  }
}

/** A failed activity, one more in a row since the stretch of failures began; anything but an activity's failure is rethrown. */
function failingAgain(previous: { since?: string; failures?: number } | undefined, error: unknown, fallbackType: string) {
  if (!(error instanceof ActivityFailure)) throw error;
  const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
  const at = new Date().toISOString();
  return { type: cause?.type ?? fallbackType, message: cause?.message ?? error.message, at, since: previous?.since ?? at, failures: (previous?.failures ?? 0) + 1 };
}

/** The full read's progress: removals add up over its reads; a read with a new id starts a new one. */
function withFullRead(current: ErpPlanningStatus['fullRead'], read: NonNullable<SyncPlanningResult['fullRead']>): NonNullable<ErpPlanningStatus['fullRead']> {
  const now = new Date().toISOString();
  const base = current?.id === read.id ? current : { id: read.id, startedAt: now, removed: { orders: 0, components: 0, operations: 0, workCentres: 0, bomLines: 0 } };
  // A status carried from before BOM lines were read in full lacks their count.
  const removed = Object.fromEntries(Object.entries(read.removed).map(([set, n]) => [set, n + (base.removed[set as keyof PlanningRemovals] ?? 0)])) as PlanningRemovals;
  return { ...base, removed, ...(read.ended ? { endedAt: now } : {}) };
}

function describeTold(told: NonNullable<ErpPlanningStatus['told']>): string {
  const last = told.last && (Object.entries(told.last) as [string, string[]][]).filter(([, orders]) => orders.length > 0).map(([notice, orders]) => `${notice} ${orders.join(', ')}`);
  return [
    `floor told: ${told.released} released · ${told.changed} changed · ${told.cancelled} cancelled` + (last?.length ? ` (last: ${last.join('; ')})` : ''),
    ...(told.lastError ? [`**telling failed** ${told.lastError.failures} time(s) since ${told.lastError.since}: ${told.lastError.type}: ${told.lastError.message}`] : []),
    ...told.refused.map((r) => `refused by ${r.destination}: ${r.messageId} (HTTP ${r.httpStatus}: ${r.message})`),
    ...told.notDelivered.map((n) => `order ${n.erpOrder} not told: ${n.reason}`),
  ].join('\n\n');
}

function describeRemovals(removed: PlanningRemovals): string {
  const named = { orders: 'orders', components: 'plan lines', operations: 'routing steps', workCentres: 'work centres', bomLines: 'BOM lines' } as const;
  const parts = (Object.keys(named) as (keyof PlanningRemovals)[]).filter((set) => removed[set] > 0).map((set) => `${removed[set]} ${named[set]}`);
  return parts.length > 0 ? `removed ${parts.join(', ')} deleted in the ERP` : 'nothing deleted in the ERP';
}
