/**
 * The bridge as a test runs it: the shared dev server, an Exact simulator on its own
 * port, a worker on a task queue of its own, and the starter API, all over real HTTP.
 */
import type { BridgeLogger } from '../src/log';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Pool } from 'pg';
import { inject } from 'vitest';
import type { AuditTrail } from '../src/audit/auditTrail';
import { type RunningBridge, runBridge } from '../src/bridge';
import { openDatabase } from '../src/database/database';
import type { OAuthAuthorityOptions } from '../src/erp/exact/simulatorOAuth';
import type { MasterDataStore } from '../src/masterData/store';
import { loadConfig } from '../src/config';
import { type ExactSimulator, type ExactSimulatorOptions, SIMULATOR_EMPLOYEE_ID, createExactSimulator } from '../src/erp/exact/simulator';
import { spawnPlcSimulator } from '../src/sources/opcua/plcSimulator';
import { connectClient } from '../src/temporal/connect';

let runtimeInstalled = false;

/** The real PostgreSQL the tests write to; each bridge gets a schema of its own. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface Bridge {
  env: TestWorkflowEnvironment;
  audit: AuditTrail;
  masterData: MasterDataStore;
  /** What a worker of this bridge needs in its environment to run as its own process. */
  workerEnv: Record<string, string>;
  simulator: ExactSimulator;
  /** The further divisions' simulators (options.divisions), by division. */
  divisionSimulators: Map<number, ExactSimulator>;
  /** The bridge's ERP connections (Exact's OAuth token store, when configured). */
  connections: RunningBridge['connections'];
  /** How sources hand events and readings to workflows. */
  delivery: RunningBridge['delivery'];
  rejectedInputs: RunningBridge['rejectedInputs'];
  simulatorUrl: string;
  starterUrl: string;
  /** The bridge's own client (encrypting where PAYLOAD_KEYS are set; env.client does not). */
  client: Client;
  postEvent(body: unknown): Promise<{ status: number; body: any; contentType: string | null }>;
  /** POSTs to the starter API, e.g. an operator action. */
  post(path: string, body?: unknown): Promise<{ status: number; body: any; contentType: string | null }>;
  /** PUTs to the starter API, e.g. master data. */
  put(path: string, body: unknown): Promise<{ status: number; body: any; contentType: string | null }>;
  /** GETs from the starter API. */
  get(path: string): Promise<{ status: number; body: any; contentType: string | null }>;
  ledger(): Promise<{ entity: string; id: string; action: 'created' | 'deleted'; record: Record<string, unknown> }[]>;
  teardown(): Promise<void>;
}

export async function startBridge(
  env: Record<string, string> = {},
  options: {
    worker?: boolean;
    rateLimit?: ExactSimulatorOptions['rateLimit'];
    pageSize?: number;
    syncPageSize?: number;
    oauth?: Omit<OAuthAuthorityOptions, 'clientId' | 'clientSecret'>;
    /** The plants of the first division (default: every plant) and further divisions with theirs, each on a simulator of its own. */
    plants?: string[];
    divisions?: { division: number; plants: string[] }[];
    /** More settings of the first division's connection (e.g. its quarantine per plant): it is then read from an ERP_CONNECTIONS file. */
    settings?: Record<string, unknown>;
    /** Connections to other ERPs, as ERP_CONNECTIONS entries (id, erp, plants and their settings), beside the Exact division's. */
    connections?: Record<string, unknown>[];
    /** The bridge's structured log (a test reads its lines). */
    logger?: BridgeLogger;
  } = {},
): Promise<Bridge> {
  if (!runtimeInstalled) {
    // Retries are asserted through the audit trail; their warnings would only flood the output.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const overrides: Record<string, string> = {
    POSTING_RETRY_INITIAL_INTERVAL: '200ms',
    ORDER_CLOSE_AFTER: '2s',
    EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID,
    // Tests post fast and meet Exact's limits on purpose; the rate-limit test sets its own pace.
    EXACT_MAX_POSTINGS_PER_SECOND: '50',
    // Tests call the starter API as everyone (the starter API's own tests configure sources).
    AUTH: 'open',
    // The structured log is asserted where it is the point (metrics.integration.test.ts), not printed by every test.
    LOG_FORMAT: 'text',
    ...env,
  };
  const division = Number(overrides.EXACT_DIVISION ?? 123456);
  const oauthClient = overrides.EXACT_CLIENT_ID ? { clientId: overrides.EXACT_CLIENT_ID, clientSecret: overrides.EXACT_CLIENT_SECRET ?? '' } : undefined;
  const simulatorOf = (d: number) =>
    createExactSimulator({
      division: d,
      ...(oauthClient ? { oauth: { ...options.oauth, ...oauthClient } } : { accessTokens: [overrides.EXACT_ACCESS_TOKEN ?? 'simulator-access-token'] }),
      employees: [SIMULATOR_EMPLOYEE_ID],
      rateLimit: options.rateLimit,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.syncPageSize ? { syncPageSize: options.syncPageSize } : {}),
    });
  const simulator = simulatorOf(division);
  const simulatorUrl = await simulator.listen(0);
  // More divisions, each with its plants: an ERP_CONNECTIONS file of one connection per division.
  const more = await Promise.all((options.divisions ?? []).map(async (d) => ({ ...d, simulator: simulatorOf(d.division) })));
  let connectionsFile: string | undefined;
  if (more.length > 0 || options.settings || options.connections) {
    const entries = [{ division, plants: options.plants ?? ['*'], url: simulatorUrl, settings: options.settings ?? {} }, ...(await Promise.all(more.map(async (d) => ({ division: d.division, plants: d.plants, url: await d.simulator.listen(0), settings: {} }))))];
    connectionsFile = path.join(os.tmpdir(), `erp-connections-${randomUUID()}.json`);
    // JSON is YAML: the file the bridge reads as a deployment's ERP_CONNECTIONS.
    const connections = entries.map((e) => ({
      id: `exact-${e.division}`,
      erp: 'exact',
      plants: e.plants,
      baseUrl: e.url,
      division: e.division,
      accessToken: '${EXACT_ACCESS_TOKEN}',
      defaultEmployeeId: SIMULATOR_EMPLOYEE_ID,
      maxPostingsPerSecond: 50,
      ...e.settings,
    }));
    writeFileSync(connectionsFile, JSON.stringify({ version: 1, connections: [...connections, ...(options.connections ?? [])] }, null, 2));
  }
  const config = loadConfig({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    EXACT_BASE_URL: simulatorUrl,
    EXACT_ACCESS_TOKEN: 'simulator-access-token',
    ...(connectionsFile ? { ERP_CONNECTIONS: connectionsFile } : {}),
    ...overrides,
  });
  const schema = `audit_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Pool({ connectionString: testDatabaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const databaseUrl = `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const database = await openDatabase(databaseUrl);
  const testEnv = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address });
  // With PAYLOAD_KEYS the bridge's client encrypts, as in a deployment; testEnv.client sees what the server holds.
  const own = config.temporal.payloadKeys.length > 0 ? await connectClient({ ...config.temporal, address: config.temporal.address! }) : undefined;
  const client = own?.client ?? testEnv.client;
  const bridge = await runBridge({
    config,
    connection: testEnv.nativeConnection,
    client,
    pool: database.pool,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    worker: options.worker,
    log: () => undefined,
    ...(options.logger ? { logger: options.logger } : {}),
    onOpened: async (connections) => {
      // As a user would in Exact's browser flow: consent once, and the bridge holds the tokens.
      const authorization = connections.list[0]?.authorization;
      if (!simulator.oauth || !authorization) return;
      const grant = simulator.oauth.consent();
      await authorization.authorize({ refreshToken: grant.refresh_token!, accessToken: grant.access_token!, expiresIn: Number(grant.expires_in) });
    },
  });
  const { starterUrl, audit, masterData } = bridge;

  async function send(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
    const response = await fetch(`${starterUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, contentType: response.headers.get('content-type') };
  }

  return {
    env: testEnv,
    audit,
    masterData,
    workerEnv: {
      ...overrides,
      TEMPORAL_ADDRESS: config.temporal.address!,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: databaseUrl,
      EXACT_BASE_URL: simulatorUrl,
      EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID,
    },
    simulator,
    divisionSimulators: new Map(more.map((d) => [d.division, d.simulator])),
    connections: bridge.connections,
    delivery: bridge.delivery,
    rejectedInputs: bridge.rejectedInputs,
    simulatorUrl,
    starterUrl,
    client,
    postEvent: (body) => send('POST', '/v1/events', body),
    post: (path, body) => send('POST', path, body),
    put: (path, body) => send('PUT', path, body),
    get: (path) => send('GET', path),
    async ledger() {
      const response = await fetch(`${simulatorUrl}/_simulator/ledger`);
      return ((await response.json()) as { entries: [] }).entries;
    },
    async teardown() {
      await bridge.stop();
      await own?.close();
      await simulator.close();
      for (const d of more) await d.simulator.close();
      await testEnv.teardown();
      await database.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** A plant of its own per test, so tests share one server without sharing workflow ids. */
export function newPlant(): string {
  return `T-${randomUUID().slice(0, 8)}`;
}

export function floorEvents(plant: string, order: string) {
  const base = { source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T08:00:00+01:00' };
  return {
    released: (planned = '100', unit = 'pc') => ({ ...base, eventId: `${order}-rel`, type: 'OrderReleased', material: 'BRACKET', plannedQuantity: planned, unit }),
    quantity: (id: string, good: string, scrap = '0', unit = 'pc') => ({ ...base, eventId: `${order}-${id}`, type: 'QuantityReported', good, scrap, unit }),
    completed: () => ({ ...base, eventId: `${order}-done`, type: 'OrderCompleted', occurredAt: '2026-11-25T16:30:00+01:00' }),
  };
}

/**
 * Probes until `accept` holds, and answers the accepted value. Throws when it does not hold
 * within `timeoutMs`, with the last value seen, so a wait can never pass by running out.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`eventually: not accepted within ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The attempt on which each completed activity of a type finished, from the workflow's history. */
export async function activityAttempts(handle: { fetchHistory(): Promise<{ events?: any[] | null }> }, activityType: string): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name]));
  return events
    .filter((e) => e.activityTaskStartedEventAttributes && scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) === activityType)
    .map((e) => e.activityTaskStartedEventAttributes.attempt);
}

/** The types of the floor events signalled to a workflow, in the order its history holds them. */
export async function signalledEventTypes(handle: { fetchHistory(): Promise<{ events?: any[] | null }> }): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events
    .flatMap((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [])
    .map((payload: { data: Uint8Array }) => JSON.parse(Buffer.from(payload.data).toString()))
    .map((event: { type?: string }) => event.type ?? '?');
}

/** A worker as a process of its own (`src/worker.ts`), e.g. a second worker, or one to kill. */
export function startWorkerProcess(env: Record<string, string>): ChildProcess {
  return startBridgeProcess('src/worker.ts', env).child;
}

/**
 * A bridge process of its own (worker, sources), with what it says kept: `said(pattern)`
 * resolves once a line of its output matches.
 */
export function startBridgeProcess(script: string, env: Record<string, string>) {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the last of what it says, so a process that fails to start explains itself.
  let output = '';
  const listeners: (() => void)[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      for (const listener of listeners) listener();
    });
  }
  child.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${script} exited with ${code}:\n${output.slice(-4000)}`);
  });
  return {
    child,
    output: () => output,
    said: (pattern: RegExp, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(output) && resolve();
        listeners.push(check);
        check();
        setTimeout(() => reject(new Error(`${script} did not say ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`)), timeoutMs);
      }),
  };
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A stand-in PLC (src/sources/opcua/plcSimulator.ts) as a process of its own, driven over IPC. */
export function startPlcProcess(port: number, machine: string, pkiFolder: string, env: Record<string, string> = {}) {
  return spawnPlcSimulator({ port, machine, pkiFolder, env });
}

export { seededRandom } from './random';
