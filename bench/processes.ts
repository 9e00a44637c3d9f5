/**
 * The benchmark's plant: the Temporal dev server, PostgreSQL, the Exact simulator, the
 * bridge's workers, its starter API and its sources, each a process of its own, so that
 * each one's memory is measured on its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { SIMULATOR_EMPLOYEE_ID } from '../src/erp/exact/simulator';
import { stopChild } from '../src/nodeScript';
import { projectRoot } from '../src/projectRoot';
import { freePort, startDevServer } from '../src/temporal/devServer';

export interface BenchProcess {
  name: string;
  pid: number;
  child?: ChildProcess;
  /** The highest and the latest resident set size seen (bytes), and every sample. */
  rss: { peak: number; last: number; samples: { at: number; bytes: number }[] };
}

export interface Plant {
  client: Client;
  temporalAddress: string;
  starterUrl: string;
  simulatorUrl: string;
  plant: string;
  processes: BenchProcess[];
  /** Readings to MQTT go to this broker (when the sources run). */
  mqttUrl: string;
  stop(): Promise<void>;
}

export interface PlantOptions {
  orders: { first: number; last: number };
  workers: number;
  /** Exact's budget: perWindow/windowMs/perDay/dayMs. */
  rate: string;
  /** More environment for the bridge's processes (batch window, pacing, …). */
  env?: Record<string, string>;
  /** Run the sources process with this sources file text (MQTT machine readings). */
  sourcesFile?: string;
  /** Write a CPU profile of the first worker into this folder. */
  profileDir?: string;
  batchWindow?: string | undefined;
  cachedWorkflows?: string | undefined;
  /** The heap of each worker's workflow thread in MB (WORKER_WORKFLOW_HEAP_MB). */
  workerHeapMb?: string | undefined;
}

function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts a TypeScript entry point under node (not tsx's wrapper: the pid is the process itself) and waits for its line saying it is up. */
async function startNode(name: string, script: string, env: Record<string, string>, ready: RegExp, extraArgs: string[] = []): Promise<BenchProcess & { line: string }> {
  const child = spawn(process.execPath, [...extraArgs, '--import', 'tsx', path.join(projectRoot, script)], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 180 s:\n${output.slice(-3000)}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.split('\n').find((l) => ready.test(l));
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
      if (output.length > 100_000) output = output.slice(-20_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString()}`);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) while starting:\n${output.slice(-3000)}`)));
  });
  return { name, pid: child.pid!, child, line, rss: { peak: 0, last: 0, samples: [] } };
}

async function freshDatabase(name: string): Promise<string> {
  const admin = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const pool = new pg.Pool({ connectionString: admin, max: 1 });
  try {
    await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await pool.query(`CREATE DATABASE ${name}`);
  } finally {
    await pool.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startPlant(options: PlantOptions): Promise<Plant> {
  const server = await startDevServer({ port: await freePort() });
  const databaseUrl = await freshDatabase('shopfloor_bench');
  const processes: BenchProcess[] = [{ name: 'Temporal dev server', pid: server.pid!, rss: { peak: 0, last: 0, samples: [] } }];
  const simulatorPort = await freePort();
  const simulator = await startNode('Exact simulator', 'bench/simulatorProcess.ts', { BENCH_SIMULATOR_PORT: String(simulatorPort), BENCH_ORDERS: `${options.orders.first}-${options.orders.last}`, BENCH_RATE: options.rate }, /^ready /);
  const simulatorUrl = simulator.line.replace(/^ready /, '').trim();
  processes.push(simulator);
  const starterPort = await freePort();
  const plant = `BENCH${Date.now() % 100000}`;
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `bench-${plant}`,
    DATABASE_URL: databaseUrl,
    EXACT_BASE_URL: simulatorUrl,
    EXACT_DIVISION: '424242',
    EXACT_ACCESS_TOKEN: 'bench-token',
    EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID,
    EXACT_MAX_POSTINGS_PER_SECOND: '50',
    AUTH: 'open',
    RATE_LIMIT_PER_MINUTE: '10000000',
    STARTER_PORT: String(starterPort),
    ORDER_CLOSE_AFTER: '1 hour',
    POSTING_RETRY_INITIAL_INTERVAL: '200ms',
    PLANNING_SYNC_EVERY: '1 hour',
    ...options.env,
    ...(options.batchWindow ? { POSTING_BATCH_WINDOW: options.batchWindow } : {}),
    ...(options.cachedWorkflows ? { WORKER_MAX_CACHED_WORKFLOWS: options.cachedWorkflows } : {}),
    ...(options.workerHeapMb ? { WORKER_WORKFLOW_HEAP_MB: options.workerHeapMb } : {}),
  };
  // The first worker migrates the database; the others start once it has.
  for (let w = 1; w <= options.workers; w++) {
    const profile = w === 1 && options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    processes.push(await startNode(`worker ${w}`, 'src/worker.ts', env, /Worker polling task queue/, profile));
  }
  processes.push(await startNode('starter API', 'src/starters/main.ts', env, /Starter API listening/));
  const mqttUrl = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  if (options.sourcesFile) {
    const file = path.join(os.tmpdir(), `bench-sources-${plant}.yaml`);
    writeFileSync(file, options.sourcesFile.replaceAll('{{mqtt}}', mqttUrl).replaceAll('{{plant}}', plant));
    processes.push(await startNode('sources (MQTT)', 'src/sources/main.ts', { ...env, SOURCES_FILE: file }, /Sources running/));
  }
  const sampler = setInterval(() => {
    const at = Date.now();
    for (const p of processes) {
      const bytes = residentBytes(p.pid);
      if (bytes === 0) continue;
      p.rss.peak = Math.max(p.rss.peak, bytes);
      p.rss.last = bytes;
      p.rss.samples.push({ at, bytes });
    }
  }, 1000);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    client,
    temporalAddress: server.address,
    starterUrl: `http://127.0.0.1:${starterPort}`,
    simulatorUrl,
    plant,
    processes,
    mqttUrl,
    async stop() {
      clearInterval(sampler);
      await connection.close();
      // Workers first (a CPU profile is written on a clean exit), then the rest.
      for (const p of processes) if (p.child) await stopChild(p.child, { signal: 'SIGINT', graceMs: 20_000 });
      await server.stop();
    },
  };
}

export async function postEvents(starterUrl: string, events: readonly Record<string, unknown>[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${starterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events.length === 1 ? events[0] : events) }).catch((error: unknown) => error as Error);
    if (!(response instanceof Error) && response.status === 202) return;
    const why = response instanceof Error ? response.message : `${response.status}: ${(await response.text()).slice(0, 500)}`;
    // A 5xx (Temporal busy) is retried, as an MES would; anything else is a bug in the benchmark.
    if ((response instanceof Error || response.status >= 500) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      continue;
    }
    throw new Error(`starter answered ${why}`);
  }
}

export async function simulatorCalls(simulatorUrl: string): Promise<{ GET: number; POST: number; DELETE: number }> {
  return (await (await fetch(`${simulatorUrl}/_simulator/requests`)).json()) as { GET: number; POST: number; DELETE: number };
}

export interface LedgerRow {
  entity: string;
  committedAt: string;
  record: Record<string, unknown>;
}

export async function simulatorLedger(simulatorUrl: string): Promise<LedgerRow[]> {
  return ((await (await fetch(`${simulatorUrl}/_simulator/ledger`)).json()) as { entries: LedgerRow[] }).entries;
}

/** Waits on visibility (never on a query, which a busy worker may not answer): every order of the plant matching `where`. */
export async function waitForOrders(client: Client, plant: string, where: string, count: number, timeoutMs: number, onWait?: (seen: number) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count: seen } = await client.workflow.count(`WorkflowType="productionOrder" AND Plant="${plant}" AND ${where}`).catch(() => ({ count: -1 }));
    if (seen >= count) return;
    onWait?.(seen);
    if (Date.now() > deadline) throw new Error(`only ${seen} of ${count} orders of plant ${plant} reached ${where} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
