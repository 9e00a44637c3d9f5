/**
 * The bridge with everything it needs on one machine: the Temporal dev server (unless
 * TEMPORAL_ADDRESS names one), the Exact simulator (unless EXACT_BASE_URL names an
 * Exact), PostgreSQL (DATABASE_URL, or the embedded PGlite), a worker and the starter
 * API. `npm start`, the benchmark and `npm run record-history` start it this way.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { type RunningBridge, runBridge } from './bridge';
import type { Config } from './config';
import { type Database, openDatabase } from './database/database';
import { type ExactSimulator, type ExactSimulatorOptions, createExactSimulator } from './erp/exact/simulator';
import { freePort, startDevServer } from './temporal/devServer';

export interface EmbeddedOptions {
  /** The dev server to start when TEMPORAL_ADDRESS is unset; by default in memory, headless, on a free port. */
  devServer?: { port: number; uiPort?: number; dbFile?: string };
  /** The simulator to start when EXACT_BASE_URL is unset; by default on a free port. */
  simulator?: { host?: string; port?: number; rateLimit?: ExactSimulatorOptions['rateLimit'] };
  /** Where the starter API listens; by default a free port on 127.0.0.1. */
  listen?: { host: string; port: number };
  /** Told each step as it is taken. */
  step?: (line: string) => void;
}

export interface Embedded {
  address: string;
  uiUrl?: string;
  exactUrl: string;
  /** Present when this process runs the simulator. */
  simulator?: ExactSimulator;
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

    let exactUrl = config.exact.baseUrl;
    let simulator: ExactSimulator | undefined;
    if (!exactUrl) {
      const started = createExactSimulator({
        division: config.exact.division,
        ...(config.exact.oauth ? { oauth: { clientId: config.exact.oauth.clientId, clientSecret: config.exact.oauth.clientSecret } } : { accessTokens: [config.exact.accessToken] }),
        employees: config.exact.defaultEmployeeId ? [config.exact.defaultEmployeeId] : [],
        ...(options.simulator?.rateLimit ? { rateLimit: options.simulator.rateLimit } : {}),
      });
      exactUrl = await started.listen(options.simulator?.port ?? 0, options.simulator?.host);
      stops.push(() => started.close());
      simulator = started;
      step(`Exact Online simulator at ${exactUrl} (ledger: ${exactUrl}/_simulator/ledger)`);
    }

    step(config.databaseUrl ? 'Connecting to PostgreSQL at DATABASE_URL…' : 'Starting the embedded PostgreSQL (PGlite, data in .data/pglite)…');
    const database = await openDatabase(config.databaseUrl);
    stops.push(() => database.close());
    step(`Audit trail and master data in ${database.embedded ? database.url : 'PostgreSQL at DATABASE_URL'}`);

    const nativeConnection = await NativeConnection.connect({ address });
    stops.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const bridge = await runBridge({ config, connection: nativeConnection, client, pool: database.pool, exactBaseUrl: exactUrl, ...(options.listen ? { listen: options.listen } : {}) });
    stops.push(() => bridge.stop());
    if (simulator?.oauth && bridge.connections.exactOAuth) {
      // The simulator is new each start: consent again, as a user would in Exact's browser flow.
      const grant = simulator.oauth.consent();
      await bridge.connections.exactOAuth.authorize({ refreshToken: grant.refresh_token!, accessToken: grant.access_token!, expiresInSeconds: Number(grant.expires_in) });
      step('Exact Online simulator authorized: OAuth2 with rotating refresh tokens, kept in PostgreSQL (table exact_oauth_tokens)');
    }
    step(`Worker polling task queue "${config.temporal.taskQueue}"`);
    step(`Starter API at ${bridge.starterUrl} (POST /v1/events, GET /v1/schema, PUT /v1/master-data/…)`);
    return { address, ...(uiUrl ? { uiUrl } : {}), exactUrl, ...(simulator ? { simulator } : {}), database, client, nativeConnection, bridge, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
