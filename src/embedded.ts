/**
 * The bridge with everything it needs on one machine: the Temporal dev server (unless
 * TEMPORAL_ADDRESS names one), a simulator for each ERP connection that names no ERP
 * address, PostgreSQL (DATABASE_URL, or the embedded PGlite), workers and the starter API.
 * `npm start`, the benchmark and `npm run record-history` start it this way.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { type RunningBridge, runBridge } from './bridge';
import type { Config } from './config';
import { type Database, openDatabase } from './database/database';
import { startSimulators } from './erp/connections';
import type { RunningSimulator } from './erp/module';
import { connectClient, connectWorkers } from './temporal/connect';
import { freePort, startDevServer } from './temporal/devServer';

export interface EmbeddedOptions {
  /** The dev server to start when TEMPORAL_ADDRESS is unset; by default in memory, headless, on a free port. */
  devServer?: { port: number; uiPort?: number; dbFile?: string; uiCodecEndpoint?: string };
  /** The ERP simulators' own options (a benchmark lifts their rate limits); each on its connection's simulatorPort, or a free port. */
  simulators?: { tuning?: Record<string, unknown> };
  /** Where the starter API listens; by default a free port on 127.0.0.1. */
  listen?: { host: string; port: number };
  /** Told each step as it is taken. */
  step?: (line: string) => void;
}

export interface Embedded {
  address: string;
  uiUrl?: string;
  /** The simulators this process runs, by connection id. */
  simulators: Map<string, RunningSimulator<unknown>>;
  database: Database;
  client: Client;
  /** The worker's connection, for more workers in the same process. */
  nativeConnection: NativeConnection;
  bridge: RunningBridge;
  /** Stops everything, in the reverse order of starting. */
  stop(): Promise<void>;
}

export async function startEmbedded(config: Config, options: EmbeddedOptions = {}): Promise<Embedded> {
  const step = options.step ?? (() => undefined);
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => console.error(error));
  };
  try {
    let address = config.temporal.address;
    let uiUrl: string | undefined;
    if (!address) {
      step(options.devServer?.dbFile ? `Starting the Temporal dev server (state in ${options.devServer.dbFile})…` : 'Starting an in-memory Temporal dev server…');
      const devServer = await startDevServer({ port: await freePort(), ...options.devServer, namespace: config.temporal.namespace });
      stops.push(() => devServer.stop());
      ({ address, uiUrl } = devServer);
    }
    step(`Temporal at ${address}`);

    const { configs, simulators } = await startSimulators(config.erp.connections, { host: config.erp.simulatorHost, ...(options.simulators?.tuning ? { tuning: options.simulators.tuning } : {}) });
    for (const [id, simulator] of simulators) {
      stops.push(() => simulator.stop());
      step(`ERP simulator for connection ${id} at ${simulator.url}`);
    }

    step(config.databaseUrl ? 'Connecting to PostgreSQL at DATABASE_URL…' : 'Starting the embedded PostgreSQL (PGlite, data in .data/pglite)…');
    const database = await openDatabase(config.databaseUrl, config.embeddedDatabasePort);
    stops.push(() => database.close());
    step(`Audit trail and master data in ${database.embedded ? `${database.url} (psql ${database.url})` : 'PostgreSQL at DATABASE_URL'}`);

    const access = { ...config.temporal, address };
    const nativeConnection = await connectWorkers(access);
    stops.push(() => nativeConnection.close());
    const { client, close } = await connectClient(access);
    stops.push(close);
    const bridge = await runBridge({
      config,
      connection: nativeConnection,
      client,
      pool: database.pool,
      erpConnections: configs,
      log: step,
      onOpened: async (connections) => {
        for (const [id, simulator] of simulators) {
          const done = await simulator.afterOpen?.(connections.byId(id)!);
          if (done) step(`ERP simulator for connection ${id} ${done}`);
        }
      },
      ...(options.listen ? { listen: options.listen } : {}),
    });
    stops.push(() => bridge.stop());
    step(`Worker polling task queue "${config.temporal.taskQueue}"`);
    step(`Starter API at ${bridge.starterUrl} (POST /v1/events, GET /v1/schema, GET /v1/erp/connections, PUT /v1/master-data/…)`);
    return { address, ...(uiUrl ? { uiUrl } : {}), simulators, database, client, nativeConnection, bridge, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
