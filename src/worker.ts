/**
 * The worker: the composition root that picks the ERP adapters and runs the
 * workflows and activities. Run it standalone with `npm run worker`
 * (TEMPORAL_ADDRESS and EXACT_BASE_URL required), as many times as you need workers.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createErpPostingActivities } from './activities/erpPostings';
import { createMasterDataActivities } from './activities/masterData';
import { type AuditTrail, createPostgresAuditTrail } from './audit/auditTrail';
import { openDatabase } from './database/database';
import { loadConfig } from './config';
import type { ErpSystem } from './domain/erpSystem';
import type { ErpAdapter } from './erp/adapter';
import { openErpConnections } from './erp/connections';
import { type MasterDataStore, createPostgresMasterDataStore } from './masterData/store';

export interface BridgeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  adapters: Partial<Record<ErpSystem, ErpAdapter>>;
  audit: AuditTrail;
  masterData: MasterDataStore;
  /** A prebuilt workflow bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createBridgeWorker(options: BridgeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: {
      ...createErpPostingActivities({ adapters: options.adapters, audit: options.audit }),
      ...createMasterDataActivities({ store: options.masterData }),
    },
  });
}

async function main() {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run a standalone worker (npm start runs everything embedded).');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run a standalone worker: the audit trail lives there.');
  const database = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const { adapters } = await openErpConnections(config, database.pool);
  const worker = await createBridgeWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    adapters,
    audit: createPostgresAuditTrail(database.pool),
    masterData: createPostgresMasterDataStore(database.pool),
  });
  console.log(`Worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  await worker.run();
  await connection.close();
  await database.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
