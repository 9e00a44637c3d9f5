/**
 * The worker: the composition root that picks the ERP adapters and runs the
 * workflows and activities. Run it standalone with `npm run worker`
 * (TEMPORAL_ADDRESS and EXACT_BASE_URL required), as many times as you need workers.
 */
import { Client, Connection } from '@temporalio/client';
import { type InjectedSinks, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createAlertActivities } from './activities/alerts';
import { createDeliveryActivities } from './activities/delivery';
import { type AlertChannel, alertChannels } from './alerts/channels';
import { createErpPostingActivities } from './activities/erpPostings';
import { createMasterDataActivities } from './activities/masterData';
import { createOrderMemoryActivities } from './activities/orderMemory';
import { createPlanningActivities } from './activities/planning';
import { type AuditTrail, createPostgresAuditTrail } from './audit/auditTrail';
import { type OrderMemory, createPostgresOrderMemory } from './orderMemory/store';
import { openDatabase } from './database/database';
import { type Config, loadConfig } from './config';
import { type Alert, workflowTaskFailedAlert } from './domain/alerts';
import type { ErpSystem } from './domain/erpSystem';
import type { ErpAdapter } from './erp/adapter';
import { openErpConnections } from './erp/connections';
import { type MasterDataStore, createPostgresMasterDataStore } from './masterData/store';
import { type PlanningStore, createPostgresPlanningStore } from './planning/store';
import { alertRaiser } from './starters/alerts';
import { startErpPlanning } from './starters/planning';
import { type OrderDelivery, createOrderDelivery } from './starters/delivery';
import type { BridgeAlertSinks } from './workflows/interceptors';

export interface BridgeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  adapters: Partial<Record<ErpSystem, ErpAdapter>>;
  audit: AuditTrail;
  /** What orders closed with, beyond Temporal's retention. */
  orderMemory: OrderMemory;
  masterData: MasterDataStore;
  /** Where the ERP's planning is kept for the floor. */
  planning: PlanningStore;
  /** Hands floor events to orders (the machine workflows' activity). */
  delivery: OrderDelivery;
  /** Where alerts go (none: the logs only). */
  alerts: readonly AlertChannel[];
  /** Raises an alert from this process (one `deliverAlert` workflow per alert key). */
  raiseAlert: (alert: Alert) => Promise<void>;
  /** The ERP connections' posting queues, with the rate Temporal holds each to. */
  postingQueues: { taskQueue: string; maxPerSecond: number }[];
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
  const erpPostings = createErpPostingActivities({ adapters: options.adapters, audit: options.audit });
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows'), interceptors: { workflowModules: [require.resolve('./workflows/interceptors')] } }),
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
    activities: { ...erpPostings, ...createMasterDataActivities({ store: options.masterData }), ...createDeliveryActivities({ delivery: options.delivery }), ...createAlertActivities(options.alerts), ...createOrderMemoryActivities({ memory: options.orderMemory }) },
  });
  const erpCalls = { ...erpPostings, ...createPlanningActivities({ adapters: options.adapters, store: options.planning, masterData: options.masterData }) };
  const postingWorkers = await Promise.all(
    options.postingQueues.map(({ taskQueue, maxPerSecond }) =>
      Worker.create({ connection: options.connection, namespace: options.namespace, taskQueue, activities: erpCalls, maxTaskQueueActivitiesPerSecond: maxPerSecond }),
    ),
  );
  return [main, ...postingWorkers];
}

/** The posting queues of the ERP connections this process has adapters for. */
export function postingQueuesOf(config: Config, adapters: Partial<Record<ErpSystem, ErpAdapter>>): { taskQueue: string; maxPerSecond: number }[] {
  const exact = config.orders.postingTaskQueues.exact;
  return adapters.exact && exact ? [{ taskQueue: exact, maxPerSecond: config.exact.maxPostingsPerSecond }] : [];
}

async function main() {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run a standalone worker (npm start runs everything embedded).');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run a standalone worker: the audit trail lives there.');
  const database = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const { adapters } = await openErpConnections(config, database.pool, config.exact.baseUrl, alertRaiser(client, config.temporal.taskQueue));
  const workers = await createBridgeWorkers({
    connection,
    delivery: createOrderDelivery({ client, taskQueue: config.temporal.taskQueue, orders: config.orders, machines: config.machines }),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    postingQueues: postingQueuesOf(config, adapters),
    adapters,
    audit: createPostgresAuditTrail(database.pool),
    orderMemory: createPostgresOrderMemory(database.pool),
    masterData: createPostgresMasterDataStore(database.pool),
    planning: createPostgresPlanningStore(database.pool),
    alerts: alertChannels(config.alerts),
    raiseAlert: alertRaiser(client, config.temporal.taskQueue),
  });
  await startErpPlanning(client, config, adapters);
  console.log(`Worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  await Promise.all(workers.map((w) => w.run()));
  await clientConnection.close();
  await connection.close();
  await database.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
