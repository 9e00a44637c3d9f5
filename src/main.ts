/**
 * `npm start`: everything on embedded defaults. The Temporal dev server (installed
 * on first run) with its Web UI, the Exact Online simulator, a worker, the starter
 * API, and a demo factory that runs a few orders. Ctrl-C stops it all.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from './database/database';
import { runBridge } from './bridge';
import { loadConfig } from './config';
import { installConsoleLog } from './consoleLog';
import { correctFirstOrder, runDemoFactory } from './demo/factory';
import { describePosting } from './domain/postings';
import { SIMULATOR_EMPLOYEE_ID, createExactSimulator } from './erp/exact/simulator';
import { type DevServer, projectRoot, startDevServer } from './temporal/devServer';
import { statusQuery } from './workflows/productionOrder/workflow';

const step = (line: string) => console.log(`▸ ${line}`);

async function main() {
  installConsoleLog();
  // Demo orders close 20 s after they are settled, so they show as completed soon; the
  // simulator's machine-time employee books machine time and confirmations.
  const config = loadConfig(process.env, { ORDER_CLOSE_AFTER: '20s', EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID });
  const stops: (() => Promise<unknown>)[] = [];

  let devServer: DevServer | undefined;
  let address = config.temporal.address;
  if (!address) {
    step('Starting the Temporal dev server (state in .data/temporal.sqlite)…');
    devServer = await startDevServer({
      port: config.temporal.devServer.port,
      uiPort: config.temporal.devServer.uiPort,
      dbFile: path.join(projectRoot, '.data', 'temporal.sqlite'),
      namespace: config.temporal.namespace,
    });
    address = devServer.address;
    stops.push(() => devServer!.stop());
  }
  step(`Temporal at ${address}`);

  let exactUrl = config.exact.baseUrl;
  const simulatorStarted = !exactUrl;
  if (!exactUrl) {
    const simulator = createExactSimulator({
      division: config.exact.division,
      accessTokens: [config.exact.accessToken],
      employees: config.exact.defaultEmployeeId ? [config.exact.defaultEmployeeId] : [],
    });
    exactUrl = await simulator.listen(config.exact.simulator.port, config.exact.simulator.host);
    stops.unshift(() => simulator.close());
    step(`Exact Online simulator at ${exactUrl} (ledger: ${exactUrl}/_simulator/ledger)`);
  }

  step(config.databaseUrl ? 'Connecting to PostgreSQL at DATABASE_URL…' : 'Starting the embedded PostgreSQL (PGlite, data in .data/pglite)…');
  const database = await openDatabase(config.databaseUrl);
  stops.push(() => database.close());
  step(`Audit trail in ${database.embedded ? database.url : 'PostgreSQL at DATABASE_URL'} (table erp_transaction_attempts)`);

  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const bridge = await runBridge({ config, connection: nativeConnection, client, pool: database.pool, exactBaseUrl: exactUrl, listen: config.starter });
  const { starterUrl } = bridge;
  stops.unshift(async () => {
    await bridge.stop();
    await connection.close();
    await nativeConnection.close();
  });
  step(`Worker polling task queue "${config.temporal.taskQueue}"`);
  step(`Starter API at ${starterUrl} (POST /v1/events, GET /v1/schema, PUT /v1/master-data/…)`);

  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    step(`${signal}: stopping…`);
    for (const stop of stops) await stop().catch((error: unknown) => console.error(error));
    step('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  if (devServer?.uiUrl) step(`Temporal Web UI: ${devServer.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);

  if (config.demo.orders > 0 && simulatorStarted && config.exact.defaultEmployeeId) {
    step(`Demo factory: running ${config.demo.orders} orders in plant DEMO…`);
    const demo = { starterUrl, exactSimulatorUrl: exactUrl, plant: 'DEMO', orders: config.demo.orders, employeeId: config.exact.defaultEmployeeId, log: step };
    const ids = await runDemoFactory(demo);
    const report = async (id: string) => {
      const handle = client.workflow.getHandle(id);
      for (let i = 0; i < 120; i++) {
        const view = await handle.query(statusQuery);
        if (view.erpSyncStatus !== 'Pending') {
          const posted = view.postings.filter((p) => p.status === 'Posted').map((p) => describePosting(p.content));
          step(`${id}: ${view.orderStatus}, ERP ${view.erpSyncStatus}; posted: ${posted.join('; ') || 'nothing'}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    for (const id of ids) await report(id);
    await correctFirstOrder(demo, ids[0]!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await report(ids[0]!);
    step(`Demo orders close ${config.orders.timing.closeAfter} after they settle; then \`.tools/temporal workflow list --address ${address} --query "OrderStatus='Completed'"\` lists them.`);
  } else if (config.demo.orders > 0) {
    step('Demo factory skipped: it plans shop orders in the Exact simulator, and EXACT_BASE_URL points elsewhere.');
  }
  step('Running. Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
