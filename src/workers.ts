/**
 * The bridge's workers: the workflows, and the activities over the ERP connections, the
 * audit trail, the master data cache and the planning store. bridge.ts composes them with
 * everything else; src/worker.ts runs them as a process of their own.
 */
import { setFlagsFromString } from 'node:v8';
import type { DataConverter } from '@temporalio/common';
import { type InjectedSinks, type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createAlertActivities } from './activities/alerts';
import { bundleWorkflowsApart } from './temporal/workflowBundle';
import { createDeliveryActivities } from './activities/delivery';
import type { AlertChannel } from './alerts/channels';
import { createErpPostingActivities } from './activities/erpPostings';
import { createMasterDataActivities } from './activities/masterData';
import { createOrderMemoryActivities } from './activities/orderMemory';
import { createPeriodCloseActivities } from './activities/periodClose';
import { createPlanningActivities } from './activities/planning';
import { createReconciliationActivities } from './activities/reconciliation';
import { createRetentionActivities } from './activities/retention';
import { createReconciliationStore } from './reconciliation/store';
import type { Pool } from 'pg';
import type { AuditTrail } from './audit/auditTrail';
import type { OrderMemory } from './orderMemory/store';
import { type Alert, workflowTaskFailedAlert } from './domain/alerts';
import { type ErpConnections, postingTaskQueueOf } from './erp/connections';
import type { MasterDataStore } from './masterData/store';
import type { PlanningStore } from './planning/store';
import type { OrderDelivery } from './delivery/orderDelivery';
import { createPlanningNoticeActivities } from './activities/planningNotices';
import type { MesNotifier } from './notices/mesWebhooks';
import type { BridgeAlertSinks } from './workflows/interceptors';

export interface BridgeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  connections: ErpConnections;
  audit: AuditTrail;
  /** What orders closed with, beyond Temporal's retention. */
  orderMemory: OrderMemory;
  masterData: MasterDataStore;
  /** Where the ERP's planning is kept for the floor. */
  planning: PlanningStore;
  /** Hands floor events to orders (the machine workflows' activity, and the ERP's planning told to the floor). */
  delivery: OrderDelivery;
  /** Tells the MES of the ERP's planning (their webhooks). */
  notifier: MesNotifier;
  /** Whether an order the ERP releases starts its workflow. */
  planningStartsOrders: boolean;
  /** Where alerts go (none: the logs only). */
  alerts: readonly AlertChannel[];
  /** Raises an alert from this process (one `deliverAlert` workflow per alert key). */
  raiseAlert: (alert: Alert) => Promise<void>;
  /** The bridge's database, for the retention of what it keeps there. */
  pool: Pool;
  /** How payloads are encoded (encrypted) on their way to Temporal; the same as the client's. */
  dataConverter?: DataConverter | undefined;
  /** How much each worker holds and runs at once (config.worker), and the heap of its workflow thread (MB). */
  tuning: Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'stickyQueueScheduleToStartTimeout'> & { workflowHeapMb?: number };
  /** A prebuilt workflow bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The bridge's workers in this process: one on the main task queue (the workflows, master
 * data lookups, and postings of orders that predate posting queues), and one per ERP
 * connection on its posting queue (postings and planning reads), whose rate Temporal
 * enforces across all workers.
 */
export async function createBridgeWorkers(options: BridgeWorkerOptions): Promise<Worker[]> {
  const { workflowHeapMb, ...tuning } = options.tuning;
  // V8 reads its heap limit when a thread's isolate is made: set now, it holds for the workflow thread Worker.create starts (not for this one).
  // Without it V8 collects lazily while the machine has memory, and a worker grows well past what its cache holds.
  if (workflowHeapMb) setFlagsFromString(`--max-old-space-size=${workflowHeapMb}`);
  const erpPostings = createErpPostingActivities({ connections: options.connections, audit: options.audit });
  const main = await Worker.create({
    connection: options.connection,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...tuning,
    // Bundled apart (webpack's memory stays out of the worker); a prebuilt bundle includes the interceptors.
    workflowBundle: options.workflowBundle ?? (await bundleWorkflowsApart()),
    // A workflow task that fails tells people (src/workflows/interceptors.ts); a prebuilt bundle includes that module.
    sinks: {
      bridgeAlerts: {
        workflowTaskFailed: {
          fn: (_info, workflowId, workflowType, message) =>
            void options.raiseAlert(workflowTaskFailedAlert({ workflowId, workflowType }, message)).catch((error: unknown) => console.error(`alert for stuck workflow ${workflowId} not raised:`, error)),
          callDuringReplay: false,
        },
      },
    } satisfies InjectedSinks<BridgeAlertSinks>,
    activities: { ...erpPostings, ...createMasterDataActivities({ store: options.masterData, budgetOf: (id) => options.connections.byId(id)?.adapter.callBudget?.() }), ...createDeliveryActivities({ delivery: options.delivery }), ...createPlanningNoticeActivities({ store: options.planning, delivery: options.delivery, notifier: options.notifier, startsOrders: options.planningStartsOrders, masterData: options.masterData }), ...createAlertActivities(options.alerts), ...createOrderMemoryActivities({ memory: options.orderMemory }), ...createPeriodCloseActivities({ memory: options.orderMemory }), ...createRetentionActivities({ pool: options.pool }), ...createReconciliationActivities({ connections: options.connections, audit: options.audit, store: createReconciliationStore(options.pool) }) },
  });
  const erpCalls = { ...erpPostings, ...createPlanningActivities({ connections: options.connections, store: options.planning, masterData: options.masterData }) };
  const postingWorkers = await Promise.all(
    options.connections.list.map((c) =>
      Worker.create({
        connection: options.connection,
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        namespace: options.namespace,
        taskQueue: postingTaskQueueOf(options.taskQueue, c.id),
        activities: erpCalls,
        maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
        maxTaskQueueActivitiesPerSecond: c.maxPostingsPerSecond,
      }),
    ),
  );
  return [main, ...postingWorkers];
}
