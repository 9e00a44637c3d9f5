/**
 * The bridge's moving parts, composed in this one place: the ERP connections, the workers
 * (the workflows, and activities over the connections, the audit trail and the master data
 * cache), and the starter API. `npm start`, a worker process (src/worker.ts), the starter
 * process (src/starters/main.ts), the benchmarks and the tests all compose it here, with
 * the parts they run.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { alertChannels } from './alerts/channels';
import { alertingRejectedInputs } from './alerts/rejectedInputs';
import { type AuditTrail, createPostgresAuditTrail } from './audit/auditTrail';
import { type RejectedInputs, createPostgresRejectedInputs } from './audit/rejectedInputs';
import type { Config } from './config';
import { createOrderDelivery } from './delivery/client';
import { createMesNotifier, mesWebhooksOf } from './notices/mesWebhooks';
import { type BridgeMetrics, createBridgeMetrics, meteredAuditTrail, meteredDelivery, meteredRejectedInputs, serveMetrics } from './metrics/metrics';
import type { ErpSyncStatus } from './domain/orderView';
import { type BridgeLogger, createLogger, loggedAuditTrail, loggedRejectedInputs } from './log';
import type { OrderDelivery } from './delivery/orderDelivery';
import { type ErpConnections, openErpConnections, orderRoutes } from './erp/connections';
import type { ConnectionConfig } from './erp/module';
import { type MasterDataStore, createPostgresMasterDataStore } from './masterData/store';
import { createPostgresOrderMemory } from './orderMemory/store';
import { createPostgresPlanningStore } from './planning/store';
import { alertRaiser } from './starters/alerts';
import { createStarterApi } from './starters/api';
import { createAuthenticator } from './starters/auth';
import { createPeriodCloses, schedulePeriodCloses } from './starters/periodClose';
import { startErpPlanning } from './starters/planning';
import { scheduleRetention } from './starters/retention';
import { createReconciliations, scheduleReconciliations } from './starters/reconciliation';
import { createReconciliationStore } from './reconciliation/store';
import { dataConverterOf } from './temporal/connect';
import { createSealedText } from './database/sealedText';
import { createEncryptionCodec } from './temporal/payloadCodec';
import { createBridgeWorkers } from './workers';

export interface RunningBridge {
  /** Absent when the bridge runs without the starter API. */
  starterUrl: string;
  audit: AuditTrail;
  masterData: MasterDataStore;
  connections: ErpConnections;
  /** Hands floor events to orders and readings to machines, as every source does. */
  delivery: OrderDelivery;
  /** Where sources record the input they could not take. */
  rejectedInputs: RejectedInputs;
  /** What /metrics serves. */
  metrics: BridgeMetrics;
  /** Empty when the bridge was asked to run without workers (they run elsewhere). */
  workers: Worker[];
  /** Settles when the workers have stopped. */
  running: Promise<void>;
  /** Stops the starter API, then the workers (letting running activities finish). */
  stop(): Promise<void>;
}

/** How any process hands events to orders: by the connection that serves each plant. */
export function orderDelivery(config: Config, client: Client, connections: readonly ConnectionConfig[] = config.erp.connections): OrderDelivery {
  return createOrderDelivery({ client, taskQueue: config.temporal.taskQueue, orders: config.orders, machines: config.machines, route: orderRoutes(connections, config.temporal.taskQueue) });
}

export async function runBridge(options: {
  config: Config;
  connection: NativeConnection;
  client: Client;
  pool: Pool;
  /** The connections to open; by default the configuration's (npm start and tests pass theirs, pointing at simulators). */
  erpConnections?: readonly ConnectionConfig[];
  workflowBundle?: WorkerOptions['workflowBundle'];
  listen?: { host: string; port: number };
  /** false: no workers here (they run as processes of their own). */
  worker?: boolean;
  /** false: no starter API here (a worker process). */
  api?: boolean;
  /** Runs once the connections are open, before any worker uses them (a simulator's consent). */
  onOpened?: (connections: ErpConnections) => Promise<void>;
  /** The structured log (LOG_FORMAT=json makes one on stdout). */
  logger?: BridgeLogger;
  /** Told each connection's check at worker start; by default the console. */
  log?: (line: string) => void;
}): Promise<RunningBridge> {
  const { config } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const erpConnections = options.erpConnections ?? config.erp.connections;
  const masterData = createPostgresMasterDataStore(options.pool);
  const planning = createPostgresPlanningStore(options.pool);
  const raiseAlert = alertRaiser(options.client, config.temporal.taskQueue);
  const connections = await openErpConnections(erpConnections, { pool: options.pool, raiseAlert, secrets: createSealedText(config.temporal.payloadKeys) });
  const metrics = createBridgeMetrics({
    budgets: () => connections.list.map((c) => ({ connection: c.id, budget: c.adapter.callBudget?.() })),
    // Counted where the starter API runs: one count for a deployment, not one per worker.
    ...(options.api === false ? {} : { ordersBySyncStatus: () => ordersBySyncStatus(options.client) }),
  });
  // LOG_FORMAT=json: every posting attempt and refused input is a JSON line naming its order (and posting).
  const logger = options.logger ?? (config.log.format === 'json' ? createLogger({ level: config.log.level }) : undefined);
  const auditTrail = meteredAuditTrail(createPostgresAuditTrail(options.pool), metrics);
  const audit = logger ? loggedAuditTrail(auditTrail, logger) : auditTrail;
  await options.onOpened?.(connections);
  const refusals = meteredRejectedInputs(alertingRejectedInputs(createPostgresRejectedInputs(options.pool), raiseAlert), metrics);
  const rejectedInputs = logger ? loggedRejectedInputs(refusals, logger) : refusals;
  const delivery = meteredDelivery(orderDelivery(config, options.client, erpConnections), metrics);
  const workers =
    options.worker === false
      ? []
      : await createBridgeWorkers({
          connection: options.connection,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          tuning: config.worker,
          connections,
          delivery,
          audit,
          orderMemory: createPostgresOrderMemory(options.pool),
          masterData,
          planning,
          notifier: createMesNotifier({ webhooks: mesWebhooksOf(config.sources.http.sources), pool: options.pool }),
          planningStartsOrders: config.planning.startsOrders,
          alerts: alertChannels(config.alerts),
          raiseAlert,
          dataConverter: dataConverterOf(config.temporal),
          pool: options.pool,
          ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
        });
  const running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  if (workers.length > 0) {
    // A clear line per connection: whether it works, before the first posting finds out.
    for (const c of await connections.describe({ check: true })) log(`ERP connection ${c.id} (${c.description}, plants ${c.plants.join(', ')}): ${c.check!.ok ? 'ok' : 'NOT WORKING'}, ${c.check!.detail}${c.shadow ? ' · SHADOW MODE: postings are recorded, none is sent' : ''}`);
    await startErpPlanning(options.client, config, connections);
    for (const id of await schedulePeriodCloses(options.client, config.temporal.taskQueue, connections.list)) log(`Period-end close scheduled: ${id}`);
    await scheduleRetention(options.client, config.temporal.taskQueue, config.retention);
    for (const id of await scheduleReconciliations(options.client, config.temporal.taskQueue, connections.list, config.reconciliation)) log(`Reconciliation scheduled every ${config.reconciliation.every}: ${id}`);
  }
  const api =
    options.api === false
      ? undefined
      : createStarterApi({
          client: options.client,
          delivery,
          auth: createAuthenticator(config.sources.http, { open: config.authOpen }),
          rejectedInputs,
          masterData,
          planning,
          connections,
          periodCloses: createPeriodCloses(options.client, config.temporal.taskQueue, connections),
          reconciliations: createReconciliations(options.client, config.temporal.taskQueue, { connections, store: createReconciliationStore(options.pool), delivery, lookbackDays: config.reconciliation.lookbackDays }),
          ratePerMinute: config.rateLimitPerMinute,
          codec: config.temporal.payloadKeys.length > 0 ? { codec: createEncryptionCodec(config.temporal.payloadKeys), corsOrigin: config.temporal.codecCorsOrigin } : undefined,
          databaseReady: () => options.pool.query('SELECT 1'),
          floorTimeWindow: config.floorTimeWindow,
          metrics,
        });
  const starterUrl = api ? await api.listen(options.listen ?? { host: '127.0.0.1', port: 0 }) : '';
  // Without the starter API, /metrics has a port of its own (when one is configured).
  const metricsServer = !api && config.metrics.port !== undefined ? await serveMetrics(metrics, { host: config.starter.host, port: config.metrics.port }) : undefined;
  if (metricsServer) log(`Metrics at ${metricsServer.url}`);
  return {
    starterUrl,
    audit,
    masterData,
    connections,
    delivery,
    rejectedInputs,
    workers,
    running,
    metrics,
    async stop() {
      await api?.close();
      await metricsServer?.close();
      // On SIGINT/SIGTERM the Temporal runtime has already begun shutting the workers down.
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}

/** Running orders by ERP sync status, counted in Temporal's visibility. */
async function ordersBySyncStatus(client: Client): Promise<Record<ErpSyncStatus, number>> {
  const statuses: ErpSyncStatus[] = ['InSync', 'Pending', 'NeedsAttention'];
  const counts = await Promise.all(statuses.map((status) => client.workflow.count(`WorkflowType = 'productionOrder' AND ExecutionStatus = 'Running' AND ErpSyncStatus = '${status}'`)));
  return Object.fromEntries(statuses.map((status, i) => [status, counts[i]!.count])) as Record<ErpSyncStatus, number>;
}
