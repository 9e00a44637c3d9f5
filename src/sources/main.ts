/**
 * The sources as a process of their own (`npm run sources`): MQTT and OPC UA as the sources
 * file (SOURCES_FILE) lists them. Needs TEMPORAL_ADDRESS and DATABASE_URL (refused input is
 * recorded there). Run one per broker session: the MQTT client id is the session. With
 * METRICS_PORT it serves /metrics: the events and readings it handed over, what it refused.
 */
import path from 'node:path';
import { alertingRejectedInputs } from '../alerts/rejectedInputs';
import { createPostgresRejectedInputs } from '../audit/rejectedInputs';
import { alertRaiser } from '../starters/alerts';
import { loadConfig } from '../config';
import { openDatabase } from '../database/database';
import { projectRoot } from '../projectRoot';
import { orderDelivery } from '../bridge';
import { connectClient } from '../temporal/connect';
import { createBridgeMetrics, meteredDelivery, meteredRejectedInputs, serveMetrics } from '../metrics/metrics';
import { startSources } from './sources';

async function main() {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run the sources on their own.');
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required: refused input is recorded there.');
  if (!config.sources.mqtt && !config.sources.opcua?.machines.length) throw new Error('SOURCES_FILE lists no MQTT broker and no OPC UA machine.');
  const database = await openDatabase(config.databaseUrl);
  const { client, close } = await connectClient({ ...config.temporal, address: config.temporal.address });
  // This process calls no ERP: its metrics are what it took and refused.
  const metrics = createBridgeMetrics({ budgets: () => [] });
  const delivery = meteredDelivery(orderDelivery(config, client), metrics);
  const served = config.metrics.port !== undefined ? await serveMetrics(metrics, { host: config.starter.host, port: config.metrics.port }) : undefined;
  if (served) console.log(`Metrics at ${served.url}`);
  const sources = await startSources(config.sources, {
    delivery,
    rejected: meteredRejectedInputs(alertingRejectedInputs(createPostgresRejectedInputs(database.pool), alertRaiser(client, config.temporal.taskQueue)), metrics),
    pkiFolder: path.join(projectRoot, '.data', 'pki'),
    floorTimeWindow: config.floorTimeWindow,
    log: (line) => console.log(line),
  });
  console.log(`Sources running: ${sources.mqtt ? 'MQTT' : 'no MQTT'}, ${sources.opcua.length} OPC UA machine(s)`);
  const stop = async () => {
    await sources.stop();
    await served?.close();
    await close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
