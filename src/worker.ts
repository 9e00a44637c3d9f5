/**
 * A worker process (`npm run worker`): the workflows and the ERP connections' activities,
 * composed as everywhere else (bridge.ts), without the starter API. TEMPORAL_ADDRESS,
 * DATABASE_URL and the ERP connections (ERP_CONNECTIONS, or EXACT_*) are required; run
 * as many as you need workers.
 */
import { runBridge } from './bridge';
import { installRuntimeLog } from './consoleLog';
import { loadConfig } from './config';
import { openDatabase } from './database/database';
import { connectClient, connectWorkers } from './temporal/connect';

async function main() {
  const config = loadConfig();
  installRuntimeLog({ format: config.log.format, level: config.log.level, temporalSdkMetrics: config.metrics.temporalSdkAddress });
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run a standalone worker (npm start runs everything embedded).');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run a standalone worker: the audit trail lives there.');
  const database = await openDatabase(config.databaseUrl);
  const access = { ...config.temporal, address: config.temporal.address };
  const connection = await connectWorkers(access);
  const { client, close } = await connectClient(access);
  const bridge = await runBridge({ config, connection, client, pool: database.pool, api: false });
  console.log(`Worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  await bridge.running;
  await close();
  await connection.close();
  await database.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
