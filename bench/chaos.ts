/**
 * `npm run chaos`: the standing chaos suite. N orders × M floor events, with duplicates,
 * reordering and corrections, reach the bridge through the starter API and MQTT while:
 * - the worker (a process of its own) is SIGKILLed every `--kill-every` seconds and started again;
 * - the Temporal dev server is stopped and started again on its SQLite file;
 * - the Exact simulator goes into maintenance (503 + Retry-After), throws 429 storms,
 *   answers later than the client waits, and loses 5 % of its answers after committing.
 * Then it waits for every order to settle and compares the simulator's ledger (documents
 * minus reversals) with the floor's totals, to the last decimal, and prints a table:
 * events, orders, kills, restarts, faults by kind, lost, duplicated, ledger equal.
 * Exits 1 unless nothing was lost or duplicated.
 *
 *   npm run chaos                                   # 500 orders × 200 events (100,000 events)
 *   npm run chaos -- --short                        # 20 orders × 30 events, a few minutes (CI runs it)
 *   npm run chaos -- --orders 50 --events 100 --seed 7 --kill-every 20 --restart-every 90 --send-over 300 --settle 600
 *
 * Needs PostgreSQL (DATABASE_URL, default the test database at 127.0.0.1:5432) and
 * Mosquitto (MQTT_URL, default mqtt://127.0.0.1:1883); builds nothing else.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import Big from 'big.js';
import mqtt from 'mqtt';
import { Pool } from 'pg';
import { runBridge } from '../src/bridge';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/database/database';
import { SIMULATOR_EMPLOYEE_ID, createExactSimulator } from '../src/erp/exact/simulator';
import { projectRoot } from '../src/projectRoot';
import { parseSourcesConfig } from '../src/sources/config';
import { startSources } from '../src/sources/sources';
import { type DevServer, freePort, startDevServer } from '../src/temporal/devServer';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { seededStream as random } from '../test/random';

export interface ChaosOptions {
  orders: number;
  eventsPerOrder: number;
  seed: number;
  killEveryMs: number;
  restartServerEveryMs: number;
  /** The floor sends its events spread over this long, so the chaos meets them on their way. */
  sendOverMs: number;
  settleTimeoutMs: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  events: number;
  sent: number;
  orders: number;
  kills: number;
  serverRestarts: number;
  faults: Record<string, number>;
  lost: number;
  duplicated: number;
  ledgerEqualsFloor: boolean;
  seconds: number;
  mismatches: string[];
}

const MATERIALS = [
  { itemCode: 'STEEL', unit: 'kg' },
  { itemCode: 'RESIN', unit: 'l' },
] as const;

type FloorEventBody = Record<string, unknown>;

/** One order's stream (shuffled, a third resent, corrections among it) and the totals the ERP must end with. */
function orderStream(rnd: ReturnType<typeof random>, plant: string, order: string, events: number) {
  const base = { source: 'chaos-mes', plant, productionOrder: order, occurredAt: new Date(Date.now() - 3_600_000).toISOString() };
  const totals = { good: new Big(0), consumed: new Map<string, Big>(MATERIALS.map((m) => [m.itemCode, new Big(0)])) };
  const stream: FloorEventBody[] = [{ ...base, eventId: `${order}-rel`, type: 'OrderReleased', material: 'GEAR', plannedQuantity: '1000', unit: 'pc' }];
  for (let e = 0; stream.length < events - 1; e++) {
    const id = `${order}-e${e}`;
    const material = MATERIALS[rnd.int(0, MATERIALS.length - 1)]!;
    const isOutput = rnd.next() < 0.5;
    const amount = rnd.decimal(isOutput ? 5 : 3);
    stream.push(isOutput ? { ...base, eventId: id, type: 'QuantityReported', good: amount, unit: 'pc' } : { ...base, eventId: id, type: 'MaterialConsumed', material: material.itemCode, quantity: amount, unit: material.unit });
    const count = (value: Big.BigSource) => {
      if (isOutput) totals.good = totals.good.plus(value);
      else totals.consumed.set(material.itemCode, totals.consumed.get(material.itemCode)!.plus(value));
    };
    // One in ten is corrected (recounted or cancelled), the correction somewhere in the stream.
    const fate = rnd.next();
    if (fate < 0.07 && stream.length < events - 2) {
      const recount = rnd.decimal(isOutput ? 5 : 3);
      stream.push({ ...base, eventId: `${id}-fix`, type: 'EventCorrected', correctsEventId: id, reason: 'recount', replacement: isOutput ? { good: recount } : { quantity: recount } });
      count(recount);
    } else if (fate < 0.1 && stream.length < events - 2) {
      stream.push({ ...base, eventId: `${id}-fix`, type: 'EventCorrected', correctsEventId: id, reason: 'entered twice' });
    } else {
      count(amount);
    }
  }
  stream.push({ ...base, eventId: `${order}-done`, type: 'OrderCompleted' });
  const distinct = stream.length;
  // A third is sent twice (MES retries), and the order's events arrive shuffled.
  const sent = rnd.shuffle([...stream, ...stream.filter(() => rnd.next() < 0.33)]);
  return { sent, distinct, totals };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const rnd = random(options.seed);
  const run = randomUUID().slice(0, 8);
  const plant = `CHAOS-${run}`;
  const stops: (() => Promise<unknown>)[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'shopfloor-chaos-'));
  stops.push(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    // Temporal on a SQLite file, so it can be stopped and started again with everything kept.
    const port = await freePort();
    const dbFile = path.join(dir, 'temporal.sqlite');
    let server: DevServer = await startDevServer({ port, dbFile });
    stops.push(() => server.stop());
    const address = server.address;

    const databaseRoot = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
    const schema = `chaos_${run}`;
    const admin = new Pool({ connectionString: databaseRoot, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    stops.push(async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });
    const databaseUrl = `${databaseRoot}${databaseRoot.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const database = await openDatabase(databaseUrl);
    stops.push(() => database.close());

    const simulator = createExactSimulator({
      division: 123456,
      accessTokens: ['simulator-access-token'],
      employees: [SIMULATOR_EMPLOYEE_ID],
      rateLimit: { perWindow: 1_000_000, windowMs: 60_000, perDay: 100_000_000 },
      dropAfterCommit: { rate: 0.05, random: rnd.next },
    });
    const simulatorUrl = await simulator.listen(0);
    stops.push(() => simulator.close());

    const brokerUrl = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    const env = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: `chaos-${run}`,
      DATABASE_URL: databaseUrl,
      EXACT_BASE_URL: simulatorUrl,
      EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID,
      EXACT_MAX_POSTINGS_PER_SECOND: '100',
      // Exact answers later than this in the chaos: the worker gives up and the retry looks first.
      EXACT_TIMEOUT_MS: '3000',
      POSTING_ATTEMPT_TIMEOUT: '10s',
      POSTING_RETRY_INITIAL_INTERVAL: '200ms',
      POSTING_BATCH_WINDOW: '1s',
      ORDER_CLOSE_AFTER: '1 hour',
      // The chaos MES posts without a token: no sources file, and the starter API open to it.
      AUTH: 'open',
    };
    const config = loadConfig(env);
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Installed already (a test process): its logger stays.
    }
    const connection = await NativeConnection.connect({ address });
    stops.push(() => connection.close());
    const clientConnection = await Connection.connect({ address });
    stops.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection });
    const bridge = await runBridge({ config, connection, client, pool: database.pool, worker: false });
    stops.push(() => bridge.stop());
    const sources = await startSources(
      parseSourcesConfig(`version: 1\nmqtt:\n  url: ${brokerUrl}\n  clientId: chaos-bridge-${run}\n  unifiedNamespace:\n    - topic: chaos-${run}/{plant}/{productionOrder}/events\n      payload: events\n      source: chaos-mes\n`, 'chaos-sources.yaml', {}),
      { delivery: bridge.delivery, rejected: bridge.rejectedInputs, pkiFolder: path.join(dir, 'pki'), log: () => undefined },
    );
    stops.push(() => sources.stop());

    // The worker, killed and started again.
    let worker: ChildProcess | undefined;
    let kills = 0;
    const startWorker = () => {
      worker = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/worker.ts')], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: 'ignore' });
    };
    startWorker();
    let chaos = true;
    const killer = setInterval(() => {
      if (!chaos || !worker) return;
      worker.kill('SIGKILL');
      kills += 1;
      startWorker();
    }, options.killEveryMs);
    stops.push(async () => {
      clearInterval(killer);
      worker?.kill('SIGKILL');
    });

    let serverRestarts = 0;
    let restarting: Promise<void> | undefined;
    const restarter = setInterval(() => {
      if (!chaos || restarting) return;
      restarting = (async () => {
        await server.stop();
        server = await startDevServer({ port, dbFile });
        serverRestarts += 1;
      })().finally(() => (restarting = undefined));
    }, options.restartServerEveryMs);
    stops.push(async () => {
      clearInterval(restarter);
      await restarting;
    });

    // Exact's bad moments, one after another.
    const writes = ['manufacturing/MaterialIssues', 'manufacturing/ShopOrderReceipts', 'manufacturing/MaterialReversals', 'manufacturing/ShopOrderReversals'];
    let erpTurn = 0;
    const erpFaults = setInterval(() => {
      if (!chaos) return;
      const target = writes[erpTurn % writes.length]!;
      switch (erpTurn++ % 3) {
        case 0:
          simulator.injectFault({ kind: 'status', status: 503, retryAfterSeconds: 2, method: 'POST', path: target, times: 10 });
          break;
        case 1:
          simulator.injectFault({ kind: 'status', status: 429, method: 'POST', path: target, times: 20 });
          break;
        default:
          simulator.injectFault({ kind: 'delayResponse', delayMs: 5000, method: 'POST', path: target, times: 2 });
      }
    }, 7_000);
    stops.push(async () => clearInterval(erpFaults));

    // The floor: half the orders over HTTP, half over MQTT.
    const expected = new Map<string, ReturnType<typeof orderStream>['totals']>();
    let events = 0;
    let sent = 0;
    const httpStream: FloorEventBody[] = [];
    const mqttStream: FloorEventBody[] = [];
    for (let o = 0; o < options.orders; o++) {
      const order = String(100_000 + o);
      simulator.seedShopOrder({ shopOrderNumber: Number(order), itemCode: 'GEAR', plannedQuantity: 1000, unit: 'pc', materials: MATERIALS.map((m) => ({ ...m, plannedQuantity: 1000 })) });
      const stream = orderStream(rnd, plant, order, options.eventsPerOrder);
      expected.set(order, stream.totals);
      events += stream.distinct;
      sent += stream.sent.length;
      (o % 2 === 0 ? httpStream : mqttStream).push(...stream.sent);
    }
    log(`chaos ${run}: ${options.orders} orders, ${events} events (${sent} sent with duplicates), seed ${options.seed}`);

    /** Waits until the share `done` of the sending time has passed: the floor reports through the whole run. */
    const sendStart = Date.now();
    const pace = async (done: number) => {
      const due = sendStart + done * options.sendOverMs;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    };
    const sendHttp = async () => {
      // Order after order, each order's own events shuffled and partly resent (an MES catching up).
      const total = httpStream.length;
      while (httpStream.length > 0) {
        await pace((total - httpStream.length) / total);
        const batch = httpStream.splice(0, rnd.int(1, 20));
        for (;;) {
          const answer = await fetch(`${bridge.starterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch) }).catch(() => undefined);
          if (answer?.status === 202) break;
          // Temporal is restarting (or the bridge is busy): the MES tries again.
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    };
    const sendMqtt = async () => {
      const publisher = await mqtt.connectAsync(brokerUrl, { clientId: `chaos-mes-${run}` });
      try {
        for (const [i, event] of mqttStream.entries()) {
          if (i % 10 === 0) await pace(i / mqttStream.length);
          await publisher.publishAsync(`chaos-${run}/${String(event.plant)}/${String(event.productionOrder)}/events`, JSON.stringify(event), { qos: 1 });
        }
      } finally {
        await publisher.endAsync();
      }
    };
    await Promise.all([sendHttp(), sendMqtt()]);
    log(`chaos ${run}: all events sent after ${Math.round((Date.now() - started) / 1000)} s; ${kills} kills, ${serverRestarts} server restarts so far`);

    // Settle: the chaos stops once everything was sent, and every order must reach its totals.
    const settleBy = Date.now() + options.settleTimeoutMs;
    const chaosUntil = Date.now() + Math.min(60_000, options.settleTimeoutMs / 3);
    const settled = new Set<string>();
    for (;;) {
      if (Date.now() > chaosUntil && chaos) {
        chaos = false;
        // The faults still queued (on paths met less often) go with the chaos: Exact is well again.
        simulator.clearFaults();
        await restarting;
        if (worker?.exitCode !== null) startWorker();
      }
      for (const order of expected.keys()) {
        if (settled.has(order)) continue;
        const view = await client.workflow
          .getHandle(productionOrderWorkflowId(plant, order))
          .query(statusQuery)
          .catch(() => undefined);
        if (view && view.orderStatus === 'Completed' && view.erpSyncStatus === 'InSync' && !view.postings.some((p) => p.status !== 'Posted')) settled.add(order);
      }
      if (settled.size === expected.size || Date.now() > settleBy) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    chaos = false;

    // The ledger against the floor, per order: documents minus reversals.
    const ledger = simulator.ledger();
    const sum = (rows: readonly { record: Record<string, unknown> }[]) => rows.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0));
    let lost = 0;
    let over = 0;
    const mismatches: string[] = [];
    for (const [order, totals] of expected) {
      const ofOrder = ledger.filter((e) => e.record.ShopOrderNumber === Number(order) && e.action === 'created');
      const of = (entity: string, itemCode?: string) => ofOrder.filter((e) => e.entity === `manufacturing/${entity}` && (!itemCode || e.record.ItemCode === itemCode));
      const compare = (what: string, held: Big, floor: Big) => {
        if (held.eq(floor)) return;
        mismatches.push(`${order} ${what}: ERP ${held.toString()}, floor ${floor.toString()}`);
        if (held.lt(floor)) lost += 1;
        else over += 1;
      };
      compare('good', sum(of('ShopOrderReceipts')).minus(sum(of('ShopOrderReversals'))), totals.good);
      for (const material of MATERIALS) compare(material.itemCode, sum(of('MaterialIssues', material.itemCode)).minus(sum(of('MaterialReversals', material.itemCode))), totals.consumed.get(material.itemCode)!);
    }
    // A document twice: the same posting key (issues, reversals) or draft id (receipts) on two rows.
    const keyOf = (e: (typeof ledger)[number]) => String(e.record.Note ?? e.record.DraftStockTransactionID ?? '');
    const keyed = ledger.filter((e) => e.action === 'created' && ['manufacturing/MaterialIssues', 'manufacturing/MaterialReversals', 'manufacturing/ShopOrderReceipts'].includes(e.entity) && keyOf(e) !== '');
    const duplicated = keyed.length - new Set(keyed.map((e) => `${e.entity}|${keyOf(e)}`)).size;
    return {
      events,
      sent,
      orders: options.orders,
      kills,
      serverRestarts,
      faults: simulator.faultsMet(),
      lost,
      duplicated: duplicated + over,
      ledgerEqualsFloor: mismatches.length === 0,
      seconds: Math.round((Date.now() - started) / 1000),
      mismatches: [...mismatches, ...(settled.size < expected.size ? [`${expected.size - settled.size} orders did not settle within ${options.settleTimeoutMs / 1000} s`] : [])],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

export function chaosTable(result: ChaosResult): string {
  const faults = Object.entries(result.faults).map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none';
  const rows: [string, string][] = [
    ['events (distinct)', String(result.events)],
    ['events sent (with duplicates)', String(result.sent)],
    ['orders', String(result.orders)],
    ['worker kills (SIGKILL)', String(result.kills)],
    ['dev server restarts', String(result.serverRestarts)],
    ['ERP faults met', faults],
    ['lost', String(result.lost)],
    ['duplicated', String(result.duplicated)],
    ['ledger equals the floor', result.ledgerEqualsFloor ? 'yes' : 'NO'],
    ['seconds', String(result.seconds)],
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

export function chaosOptionsFromArgs(): ChaosOptions {
  const short = process.argv.includes('--short');
  const orders = Number(argument('orders') ?? (short ? 20 : 500));
  const eventsPerOrder = Number(argument('events') ?? (short ? 30 : 200));
  return {
    orders,
    eventsPerOrder,
    seed: Number(argument('seed') ?? Date.now() % 1_000_000),
    killEveryMs: Number(argument('kill-every') ?? 20) * 1000,
    sendOverMs: Number(argument('send-over') ?? (short ? 100 : 1800)) * 1000,
    restartServerEveryMs: Number(argument('restart-every') ?? (short ? 45 : 120)) * 1000,
    settleTimeoutMs: Number(argument('settle') ?? (short ? 180 : 1800)) * 1000,
  };
}

if (require.main === module) {
  runChaos(chaosOptionsFromArgs())
    .then((result) => {
      console.log(`\n${chaosTable(result)}\n`);
      for (const line of result.mismatches.slice(0, 50)) console.log(`mismatch: ${line}`);
      process.exit(result.lost === 0 && result.duplicated === 0 && result.ledgerEqualsFloor ? 0 : 1);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
