/** The starter API as its own process (`npm run starter`); needs TEMPORAL_ADDRESS. */
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { openDatabase } from '../database/database';
import { openErpConnections } from '../erp/connections';
import { createPostgresMasterDataStore } from '../masterData/store';
import { createStarterApi } from './api';

async function main() {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run the starter API on its own.');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required to run the starter API on its own: the master data cache lives there.');
  const database = await openDatabase(config.databaseUrl);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const connections = await openErpConnections(config, database.pool);
  const api = createStarterApi({ client, taskQueue: config.temporal.taskQueue, orders: config.orders, masterData: createPostgresMasterDataStore(database.pool), connections });
  const address = await api.listen({ host: config.starter.host, port: config.starter.port });
  console.log(`Starter API listening on ${address}`);
  const stop = async () => {
    await api.close();
    await connection.close();
    await database.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
