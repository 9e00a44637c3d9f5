/** The starter API as its own process (`npm run starter`); needs TEMPORAL_ADDRESS and DATABASE_URL. */
import { runBridge } from '../bridge';
import { loadConfig } from '../config';
import { openDatabase } from '../database/database';
import { connectClient, connectWorkers } from '../temporal/connect';

async function main() {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run the starter API on its own.');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run the starter API on its own: the master data cache lives there.');
  const database = await openDatabase(config.databaseUrl);
  const access = { ...config.temporal, address: config.temporal.address };
  const nativeConnection = await connectWorkers(access);
  const { client, close } = await connectClient(access);
  const bridge = await runBridge({ config, connection: nativeConnection, client, pool: database.pool, listen: config.starter, worker: false });
  const { sources, operators } = config.sources.http;
  const who = sources.length + operators.length > 0 ? `${sources.length} sources and ${operators.length} operators may call it` : config.authOpen ? 'AUTH=open and no sources file: everyone may call it' : 'no sources file: it refuses every call but /healthz, /readyz and /v1/schema';
  console.log(`Starter API listening on ${bridge.starterUrl} (${who})`);
  const stop = async () => {
    await bridge.stop();
    await close();
    await nativeConnection.close();
    await database.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
