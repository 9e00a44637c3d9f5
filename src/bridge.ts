/**
 * The bridge's moving parts in one process: a worker (the workflows, and activities over
 * the ERP adapters, the audit trail and the master data cache) and the starter API.
 * `npm start`, the benchmark and the tests compose it the same way; a deployment runs
 * the same parts as separate processes (src/worker.ts, src/starters/main.ts).
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { alertChannels } from './alerts/channels';
import { alertingRejectedInputs } from './alerts/rejectedInputs';
import { type AuditTrail, createPostgresAuditTrail } from './audit/auditTrail';
import { createPostgresOrderMemory } from './orderMemory/store';
import type { Config } from './config';
import { type ErpConnections, openErpConnections } from './erp/connections';
import { type MasterDataStore, createPostgresMasterDataStore } from './masterData/store';
import { createPostgresPlanningStore } from './planning/store';
import { alertRaiser } from './starters/alerts';
import { startErpPlanning } from './starters/planning';
import { type RejectedInputs, createPostgresRejectedInputs } from './audit/rejectedInputs';
import { createStarterApi } from './starters/api';
import { createAuthenticator } from './starters/auth';
import { type OrderDelivery, createOrderDelivery } from './starters/delivery';
import { createBridgeWorkers, postingQueuesOf } from './worker';

export interface RunningBridge {
  starterUrl: string;
  audit: AuditTrail;
  masterData: MasterDataStore;
  connections: ErpConnections;
  /** Hands floor events to orders and readings to machines, as every source does. */
  delivery: OrderDelivery;
  /** Where sources record the input they could not take. */
  rejectedInputs: RejectedInputs;
  /** Empty when the bridge was asked to run without workers (they run elsewhere). */
  workers: Worker[];
  /** Stops the starter API, then the worker (letting running activities finish). */
  stop(): Promise<void>;
}

export async function runBridge(options: {
  config: Config;
  connection: NativeConnection;
  client: Client;
  pool: Pool;
  /** Where Exact Online (or its simulator) answers; defaults to EXACT_BASE_URL. */
  exactBaseUrl?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  listen?: { host: string; port: number };
  /** false: the starter API only; workers run as processes of their own. */
  worker?: boolean;
}): Promise<RunningBridge> {
  const { config } = options;
  const audit = createPostgresAuditTrail(options.pool);
  const masterData = createPostgresMasterDataStore(options.pool);
  const planning = createPostgresPlanningStore(options.pool);
  const raiseAlert = alertRaiser(options.client, config.temporal.taskQueue);
  const connections = await openErpConnections(config, options.pool, options.exactBaseUrl ?? config.exact.baseUrl, raiseAlert);
  const rejectedInputs = alertingRejectedInputs(createPostgresRejectedInputs(options.pool), raiseAlert);
  const delivery = createOrderDelivery({ client: options.client, taskQueue: config.temporal.taskQueue, orders: config.orders, machines: config.machines });
  const workers = options.worker === false ? [] : await createBridgeWorkers({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    postingQueues: postingQueuesOf(config, connections.adapters),
    adapters: connections.adapters,
    delivery,
    audit,
    orderMemory: createPostgresOrderMemory(options.pool),
    masterData,
    planning,
    alerts: alertChannels(config.alerts),
    raiseAlert,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
  });
  const runs = workers.map((w) => w.run());
  if (workers.length > 0) await startErpPlanning(options.client, config, connections.adapters);
  const api = createStarterApi({
    client: options.client,
    delivery,
    auth: createAuthenticator(config.sources.http),
    rejectedInputs,
    masterData,
    planning,
    connections,
    databaseReady: () => options.pool.query('SELECT 1'),
    floorTimeWindow: config.floorTimeWindow,
  });
  const starterUrl = await api.listen(options.listen ?? { host: '127.0.0.1', port: 0 });
  return {
    starterUrl,
    audit,
    masterData,
    connections,
    delivery,
    rejectedInputs,
    workers,
    async stop() {
      await api.close();
      // On SIGINT/SIGTERM the Temporal runtime has already begun shutting the workers down.
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(runs);
    },
  };
}
