/**
 * The benchmark (`npm run bench -- --scenario <name> [options]`): the bridge as it is deployed,
 * worker(s), starter API, sources and the Exact simulator each a process of its own, on the
 * Temporal dev server and PostgreSQL. Prints one table per run; `--record` adds it to
 * BENCHMARKS.md with the machine and the commit. Scenarios (bench/README.md says more):
 *
 *   closed     [--orders 20] [--events 10] [--batch 1]     orders × events as fast as 8 senders go, then the ceiling
 *   open       [--orders 500] [--rate 50] [--minutes 10]   events at a fixed rate; lag over time
 *   plant-day  [--orders 5000] [--completed 600] [--machines 200] [--day-minutes 10]
 *              a day of a plant in compressed time under Exact's budget (5,000 calls a day)
 *   machines   [--machines 200] [--minutes 30]             machines reporting every second over MQTT; lag of reading → order
 *
 * Common: [--workers 2] [--window 2s] [--cache 400] [--heap <MB>] [--profile] (CPU profile of worker 1 into .bench/profiles) [--record]
 */
import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import mqtt from 'mqtt';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { projectRoot } from '../src/projectRoot';
import { historyFigures } from './histories';
import { type LedgerRow, type Plant, mib, percentile, postEvents, simulatorCalls, simulatorLedger, startPlant, waitForOrders } from './processes';
import { signalSink, tick } from './sinkWorkflow';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'closed' },
    orders: { type: 'string' },
    events: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1' },
    rate: { type: 'string', default: '50' },
    minutes: { type: 'string' },
    completed: { type: 'string', default: '600' },
    machines: { type: 'string', default: '200' },
    'day-minutes': { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    /** POSTING_BATCH_WINDOW of the bridge (default 2s; the plant day keeps it). */
    window: { type: 'string' },
    /** WORKER_MAX_CACHED_WORKFLOWS of each worker. */
    cache: { type: 'string' },
    /** WORKER_WORKFLOW_HEAP_MB of each worker. */
    heap: { type: 'string' },
    profile: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const FIRST_ORDER = 700000;
const SENDERS = 8;
type Row = [string, string];
const base = (plant: string, order: number) => ({ source: 'bench', plant, productionOrder: String(order) });
const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const released = (plant: string, order: number) => ({ ...base(plant, order), eventId: `${order}-rel`, occurredAt: now(), type: 'OrderReleased', material: 'BENCH', plannedQuantity: '1000', unit: 'pc', operations: [{ operation: '0010', workCentre: 'PRESS' }] });
const consumed = (plant: string, order: number, n: number, material = 'STEEL') => ({ ...base(plant, order), eventId: `${order}-${material}-${n}`, occurredAt: now(), type: 'MaterialConsumed', material, quantity: '1.5', unit: material === 'PAINT' ? 'l' : 'kg' });
const completed = (plant: string, order: number) => ({ ...base(plant, order), eventId: `${order}-done`, occurredAt: now(), type: 'OrderCompleted' });

/** Issued quantity per order over time, from the ledger: when the ERP held each cumulative amount. */
function issuesByOrder(ledger: readonly LedgerRow[], material = 'STEEL'): Map<number, { at: number; total: number }[]> {
  const byOrder = new Map<number, { at: number; total: number }[]>();
  for (const e of ledger) {
    if (e.entity !== 'manufacturing/MaterialIssues' || (e.record.ItemCode !== undefined && e.record.ItemCode !== material)) continue;
    const order = Number(e.record.ShopOrderNumber);
    const list = byOrder.get(order) ?? [];
    list.push({ at: Date.parse(e.committedAt), total: (list.at(-1)?.total ?? 0) + Number(e.record.Quantity) });
    byOrder.set(order, list);
  }
  return byOrder;
}

/** When the ledger first held `total` of the order (undefined: never). */
function heldAt(issues: Map<number, { at: number; total: number }[]>, order: number, total: number): number | undefined {
  return issues.get(order)?.find((i) => i.total >= total - 1e-9)?.at;
}

function processRows(plant: Plant): Row[] {
  return plant.processes.map((p) => [`RSS ${p.name}: peak / at the end`, `${mib(p.rss.peak)} / ${mib(p.rss.last)}`]);
}

/** Worker RSS after its first minute against its last minute: flat memory shows as ≈ 1. */
function rssGrowth(plant: Plant): Row[] {
  return plant.processes
    .filter((p) => p.name.startsWith('worker'))
    .map((p) => {
      const s = p.rss.samples;
      if (s.length < 120) return [`RSS ${p.name}: last minute ÷ second minute`, 'run too short'] as Row;
      const mean = (xs: typeof s) => xs.reduce((t, x) => t + x.bytes, 0) / xs.length;
      return [`RSS ${p.name}: last minute ÷ second minute`, (mean(s.slice(-60)) / mean(s.slice(60, 120))).toFixed(2)] as Row;
    });
}

async function historyRows(plant: Plant, orders: number[], floorEvents: number): Promise<Row[]> {
  const sample = orders.slice(0, 20).map((o) => productionOrderWorkflowId(plant.plant, String(o)));
  const h = await historyFigures(plant.client, sample);
  const perOrder = floorEvents / orders.length;
  return [
    ['history events per floor event (20 orders)', (h.historyEvents / (perOrder * h.orders)).toFixed(2)],
    ['workflow tasks per floor event', (h.workflowTasks / (perOrder * h.orders)).toFixed(2)],
    ['workflow task schedule-to-start p95', `${h.wftScheduleToStartP95} ms`],
    ['workflow task schedule-to-complete p95', `${h.wftStartToCompleteP95} ms`],
    ['activity schedule-to-start p95', `${h.activityScheduleToStartP95} ms`],
    ['largest signal or activity payload', `${h.largestPayloadBytes} bytes`],
  ];
}

/** The ceiling: as many signals, 8 senders, into workflows that only count them, on the same server. */
async function ceiling(plant: Plant, orders: number, eventsPerOrder: number): Promise<number> {
  const taskQueue = `bench-sink-${plant.plant}`;
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect({ address: plant.temporalAddress });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: path.join(__dirname, 'sinkWorkflow.ts') });
  const run = worker.run();
  const start = Date.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, sender) => {
      for (let o = sender; o < orders; o += SENDERS) {
        for (let e = 0; e < eventsPerOrder; e++) {
          await plant.client.workflow.signalWithStart(signalSink, { workflowId: `bench-sink/${plant.plant}/${o}`, taskQueue, args: [eventsPerOrder], signal: tick, signalArgs: [e] });
        }
      }
    }),
  );
  await Promise.all(Array.from({ length: orders }, (_, o) => plant.client.workflow.getHandle(`bench-sink/${plant.plant}/${o}`).result()));
  const rate = (orders * eventsPerOrder) / ((Date.now() - start) / 1000);
  worker.shutdown();
  await run;
  await connection.close();
  return rate;
}

async function closedLoop(): Promise<{ title: string; rows: Row[] }> {
  const orders = Number(args.orders ?? 20);
  const eventsPerOrder = Math.max(3, Number(args.events));
  const batch = Math.max(1, Number(args.batch));
  const plant = await startPlant({ orders: { first: FIRST_ORDER, last: FIRST_ORDER + orders - 1 }, workers: Number(args.workers), rate: '1000000/60000/100000000/86400000', ...profile() });
  try {
    const list = Array.from({ length: orders }, (_, i) => FIRST_ORDER + i);
    const sentAt = new Map<string, number>();
    const start = Date.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async (_, sender) => {
        // Each sender owns whole orders (their events stay in floor order), round-robin over them as a floor interleaves.
        const mine = list.filter((o) => o % SENDERS === sender);
        const stream = Array.from({ length: eventsPerOrder }, (_, e) => mine.map((o) => ({ o, e }))).flat();
        for (let i = 0; i < stream.length; i += batch) {
          const chunk = stream.slice(i, i + batch);
          const events = chunk.map(({ o, e }) => (e === 0 ? released(plant.plant, o) : e === eventsPerOrder - 1 ? completed(plant.plant, o) : consumed(plant.plant, o, e)));
          await postEvents(plant.starterUrl, events);
          for (const { o, e } of chunk) sentAt.set(`${o}:${e}`, Date.now());
        }
      }),
    );
    await waitForOrders(plant.client, plant.plant, 'OrderStatus="Completed" AND ErpSyncStatus="InSync"', orders, 60 * 60_000);
    const elapsed = (Date.now() - start) / 1000;
    const ledger = await simulatorLedger(plant.simulatorUrl);
    const issues = issuesByOrder(ledger);
    const latencies: number[] = [];
    for (const o of list) {
      for (let e = 1; e < eventsPerOrder - 1; e++) {
        const at = heldAt(issues, o, e * 1.5);
        if (at !== undefined) latencies.push(at - sentAt.get(`${o}:${e}`)!);
      }
    }
    latencies.sort((a, b) => a - b);
    const calls = await simulatorCalls(plant.simulatorUrl);
    const total = orders * eventsPerOrder;
    const rate = total / elapsed;
    const rows: Row[] = [
      ['orders × events (events per request)', `${orders} × ${eventsPerOrder} = ${total} (${batch})`],
      ['events/s, first event sent → every order InSync (visibility)', rate.toFixed(1)],
      ['ERP calls per event', `${((calls.GET + calls.POST) / total).toFixed(3)} (${calls.GET} GET, ${calls.POST} POST)`],
      ['event → ledger p50 / p95', `${percentile(latencies, 50)} / ${percentile(latencies, 95)} ms`],
      ...(await historyRows(plant, list, total)),
      ...processRows(plant),
    ];
    const ceilingRate = await ceiling(plant, orders, eventsPerOrder);
    rows.push(['ceiling: signals/s into trivial workflows, same server', ceilingRate.toFixed(1)], ['bridge ÷ ceiling', (rate / ceilingRate).toFixed(2)]);
    return { title: `closed loop, ${orders} × ${eventsPerOrder}, ${args.workers} worker(s), ${batch} event(s) per request`, rows };
  } finally {
    await plant.stop();
  }
}

async function openLoop(): Promise<{ title: string; rows: Row[] }> {
  const orders = Number(args.orders ?? 500);
  const rate = Number(args.rate);
  const minutes = Number(args.minutes ?? 10);
  const plant = await startPlant({ orders: { first: FIRST_ORDER, last: FIRST_ORDER + orders - 1 }, workers: Number(args.workers), rate: '1000000/60000/100000000/86400000', ...profile() });
  try {
    const list = Array.from({ length: orders }, (_, i) => FIRST_ORDER + i);
    for (let i = 0; i < list.length; i += 100) await postEvents(plant.starterUrl, list.slice(i, i + 100).map((o) => released(plant.plant, o)));
    await waitForOrders(plant.client, plant.plant, 'OrderStatus="Released"', orders, 10 * 60_000);
    // Events at fixed times, whatever the bridge does: lag is measured against the schedule.
    const total = Math.round(rate * minutes * 60);
    const scheduled: { o: number; n: number; at: number; answered?: number }[] = [];
    const start = Date.now() + 1000;
    for (let i = 0; i < total; i++) scheduled.push({ o: list[i % orders]!, n: Math.floor(i / orders) + 1, at: start + (i * 1000) / rate });
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (;;) {
          const item = scheduled[next++];
          if (!item) return;
          const wait = item.at - Date.now();
          if (wait > 0) await sleep(wait);
          await postEvents(plant.starterUrl, [consumed(plant.plant, item.o, item.n)]);
          item.answered = Date.now();
        }
      }),
    );
    const sendEnd = Date.now();
    // Everything consumed must reach the ledger; then the orders complete.
    const expected = new Map<number, number>();
    for (const s of scheduled) expected.set(s.o, Math.max(expected.get(s.o) ?? 0, s.n));
    for (;;) {
      const issues = issuesByOrder(await simulatorLedger(plant.simulatorUrl));
      if ([...expected].every(([o, n]) => heldAt(issues, o, n * 1.5) !== undefined)) break;
      if (Date.now() - sendEnd > 30 * 60_000) throw new Error('the ledger did not catch up within 30 minutes of the last event');
      await sleep(2000);
    }
    const issues = issuesByOrder(await simulatorLedger(plant.simulatorUrl));
    const buckets = new Map<number, { accept: number[]; ledger: number[] }>();
    for (const s of scheduled) {
      const bucket = Math.floor((s.at - start) / 60_000);
      const b = buckets.get(bucket) ?? { accept: [], ledger: [] };
      b.accept.push(s.answered! - s.at);
      b.ledger.push(heldAt(issues, s.o, s.n * 1.5)! - s.at);
      buckets.set(bucket, b);
    }
    const all = [...buckets.values()].flatMap((b) => b.ledger).sort((a, b) => a - b);
    const calls = await simulatorCalls(plant.simulatorUrl);
    const rows: Row[] = [
      ['orders, rate, duration', `${orders} orders, ${rate} events/s, ${minutes} min (${total} events)`],
      ['events/s achieved (scheduled → answered)', (total / ((sendEnd - start) / 1000)).toFixed(1)],
      ['event → ledger p50 / p95 over the run', `${percentile(all, 50)} / ${percentile(all, 95)} ms`],
      ...[...buckets].map(([minute, b]): Row => {
        const ledger = b.ledger.sort((x, y) => x - y);
        const accept = b.accept.sort((x, y) => x - y);
        return [`minute ${minute + 1}: answered p95, event → ledger p95`, `${percentile(accept, 95)} ms, ${percentile(ledger, 95)} ms`];
      }),
      ['ERP calls per event', `${((calls.GET + calls.POST) / total).toFixed(3)} (${calls.GET} GET, ${calls.POST} POST)`],
      ...(await historyRows(plant, list, total / orders > 0 ? total : 1)),
      ...processRows(plant),
      ...rssGrowth(plant),
    ];
    return { title: `open loop, ${orders} orders at ${rate} events/s for ${minutes} min, ${args.workers} worker(s)`, rows };
  } finally {
    await plant.stop();
  }
}

const machineSources = (machines: number) => `version: 1
mqtt:
  url: {{mqtt}}
  clientId: bench-sources-{{plant}}
  unifiedNamespace:
    - topic: bench/{plant}/{machine}/counts
      payload: machineReadings
      minReadingIntervalSeconds: 5
# ${machines} machines
`;

/** Machines publish absolute counters every second; each runs an order. Returns the publisher and the counts so far. */
async function runMachines(plant: Plant, orders: number[], machines: number) {
  const client = await mqtt.connectAsync(plant.mqttUrl, { clientId: `bench-machines-${plant.plant}` });
  const counts = new Array<number>(machines).fill(0);
  // Each machine runs an order: the order goes onto it (OperationStarted naming it).
  for (let m = 0; m < machines; m += 50) {
    await postEvents(
      plant.starterUrl,
      orders.slice(m, Math.min(m + 50, machines)).map((o, i) => ({ ...base(plant.plant, o), eventId: `${o}-start`, occurredAt: now(), type: 'OperationStarted', operation: '0010', machine: `M${m + i}` })),
    );
  }
  let published = 0;
  const timer = setInterval(() => {
    for (let m = 0; m < machines; m++) {
      counts[m]! += 1;
      published += 1;
      void client.publishAsync(`bench/${plant.plant}/M${m}/counts`, JSON.stringify({ at: now(), good: counts[m], state: 'running' }), { qos: 1 });
    }
  }, 1000);
  return {
    counts,
    published: () => published,
    async stop() {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}

/** How long until the order running on machine m holds the machine's count as it is now. */
async function readingToOrderLag(plant: Plant, order: number, count: number, from: number, timeoutMs = 120_000): Promise<number> {
  const handle = plant.client.workflow.getHandle(productionOrderWorkflowId(plant.plant, String(order)));
  for (;;) {
    const view = await handle.query(statusQuery).catch(() => undefined);
    if (view && Number(view.good) >= count) return Date.now() - from;
    if (Date.now() - from > timeoutMs) return Number.NaN;
    await sleep(500);
  }
}

async function machinesScenario(): Promise<{ title: string; rows: Row[] }> {
  const machines = Number(args.machines);
  const minutes = Number(args.minutes ?? 30);
  const plant = await startPlant({ orders: { first: FIRST_ORDER, last: FIRST_ORDER + machines - 1 }, workers: Number(args.workers), rate: '1000000/60000/100000000/86400000', sourcesFile: machineSources(machines), ...profile() });
  try {
    const list = Array.from({ length: machines }, (_, i) => FIRST_ORDER + i);
    for (let i = 0; i < list.length; i += 100) await postEvents(plant.starterUrl, list.slice(i, i + 100).map((o) => released(plant.plant, o)));
    const floor = await runMachines(plant, list, machines);
    const lags: Row[] = [];
    const all: number[] = [];
    const end = Date.now() + minutes * 60_000;
    for (let minute = 1; Date.now() < end; minute++) {
      await sleep(Math.min(60_000, end - Date.now()));
      // Five machines each minute: how long their current count takes to reach their order.
      const sample = await Promise.all([0, 1, 2, 3, 4].map((k) => {
        const m = (minute * 37 + k * 41) % machines;
        return readingToOrderLag(plant, list[m]!, floor.counts[m]!, Date.now());
      }));
      all.push(...sample);
      lags.push([`minute ${minute}: reading → order, 5 machines (max)`, `${Math.max(...sample)} ms`]);
    }
    const published = floor.published();
    await floor.stop();
    const signals = await plant.client.workflow.count(`WorkflowType="machine"`).catch(() => ({ count: -1 }));
    all.sort((a, b) => a - b);
    const rows: Row[] = [
      ['machines × readings', `${machines} machines, 1 reading/s each, ${minutes} min: ${published} readings`],
      ['reading → order p50 / p95 (machine hands over every 10 s)', `${percentile(all, 50)} / ${percentile(all, 95)} ms`],
      ...lags,
      ['machine workflows', String(signals.count)],
      ...processRows(plant),
      ...rssGrowth(plant),
    ];
    return { title: `machines, ${machines} × 1 reading/s for ${minutes} min over MQTT (at most one reading per 5 s per machine goes on)`, rows };
  } finally {
    await plant.stop();
  }
}

async function plantDay(): Promise<{ title: string; rows: Row[] }> {
  const orders = Number(args.orders ?? 5000);
  const completing = Math.min(orders, Number(args.completed));
  const machines = Math.min(completing, Number(args.machines));
  const dayMinutes = Number(args['day-minutes']);
  const dayMs = dayMinutes * 60_000;
  // A day compressed into dayMinutes: Exact's 60 calls a minute and 5,000 a day keep their ratio to the day.
  const compression = 86_400_000 / dayMs;
  const windowMs = Math.round(60_000 / compression);
  const plant = await startPlant({
    orders: { first: FIRST_ORDER, last: FIRST_ORDER + orders - 1 },
    workers: Number(args.workers),
    rate: `60/${windowMs}/5000/${dayMs}`,
    env: { POSTING_BATCH_WINDOW: '2s', POSTING_BATCH_WINDOW_MAX: `${Math.round((7 * 86_400_000) / compression)}ms`, EXACT_MAX_POSTINGS_PER_SECOND: String(Math.min(100, Math.round(60 / (windowMs / 1000)))) },
    sourcesFile: machineSources(machines),
    ...profile(),
  });
  try {
    const list = Array.from({ length: orders }, (_, i) => FIRST_ORDER + i);
    const start = Date.now();
    let events = 0;
    const send = async (batch: Record<string, unknown>[]) => {
      await postEvents(plant.starterUrl, batch);
      events += batch.length;
    };
    // The morning: every open order is released (they were released on earlier days in a real plant: here, at once).
    for (let i = 0; i < list.length; i += 100) await send(list.slice(i, i + 100).map((o) => released(plant.plant, o)));
    const floor = await runMachines(plant, list, machines);
    // The day: each order consumes steel and paint three times; the completing ones report output and machine time, then complete.
    const mix: (() => Record<string, unknown>[])[] = [];
    for (let round = 1; round <= 3; round++) for (const o of list) mix.push(() => [consumed(plant.plant, o, round), consumed(plant.plant, o, round, 'PAINT')]);
    const completions = list.slice(0, completing).map((o) => () => [
      { ...base(plant.plant, o), eventId: `${o}-out`, occurredAt: now(), type: 'QuantityReported', good: '10', unit: 'pc', operation: '0010' },
      { ...base(plant.plant, o), eventId: `${o}-time`, occurredAt: now(), type: 'TimeBooked', activity: 'machine', hours: '0.5', operation: '0010', workCentre: 'PRESS' },
      { ...base(plant.plant, o), eventId: `${o}-op-done`, occurredAt: now(), type: 'OperationCompleted', operation: '0010', ...(list.indexOf(o) < machines ? { machine: `M${list.indexOf(o)}` } : {}) },
      completed(plant.plant, o),
    ]);
    // Consumption through the day, the completions in its second half; all spread evenly over the day.
    const firstHalf = mix.slice(0, Math.floor(mix.length / 2));
    const schedule = [...firstHalf, ...mix.slice(firstHalf.length).flatMap((m, i) => (i % Math.ceil((mix.length - firstHalf.length) / completing) === 0 && completions.length ? [m, completions.shift()!] : [m])), ...completions];
    const sendWindow = dayMs * 0.9 - (Date.now() - start);
    let next = 0;
    const sendStart = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const i = next++;
          const item = schedule[i];
          if (!item) return;
          const wait = sendStart + (i * sendWindow) / schedule.length - Date.now();
          if (wait > 0) await sleep(wait);
          await send(item());
        }
      }),
    );
    await sleep(Math.max(0, start + dayMs - Date.now()));
    const published = floor.published();
    await floor.stop();
    const calls = await simulatorCalls(plant.simulatorUrl);
    const dayCalls = calls.GET + calls.POST;
    const ledger = await simulatorLedger(plant.simulatorUrl);
    const receipts = new Set(ledger.filter((e) => e.entity === 'manufacturing/ShopOrderReceipts').map((e) => Number(e.record.ShopOrderNumber)));
    const completedInSync = await plant.client.workflow.count(`WorkflowType="productionOrder" AND Plant="${plant.plant}" AND OrderStatus="Completed" AND ErpSyncStatus="InSync"`).catch(() => ({ count: -1 }));
    const rows: Row[] = [
      ['the day', `${dayMinutes} min for 24 h (×${compression.toFixed(0)}); Exact: 60 calls per ${windowMs} ms, 5,000 a day`],
      ['open orders, completed, machines', `${orders}, ${completing}, ${machines}`],
      ['floor events from the MES', String(events)],
      ['machine readings published (1/s per machine)', String(published)],
      ['ERP calls in the day', `${dayCalls} (${calls.GET} GET, ${calls.POST} POST) of 5,000`],
      ['ERP calls per floor input (MES events + readings)', (dayCalls / (events + published)).toFixed(3)],
      ['ERP calls per MES event', (dayCalls / events).toFixed(3)],
      ['projected calls per day for this mix', String(Math.round((dayCalls * dayMs) / (Date.now() - start)))],
      ['completed orders with their receipt in Exact at the day\'s end', `${receipts.size} of ${completing} (${completedInSync.count} InSync)`],
      ...(await historyRows(plant, list, events)),
      ...processRows(plant),
      ...rssGrowth(plant),
    ];
    return { title: `plant day: ${orders} open orders, ${completing} completed, ${machines} machines, ${args.workers} worker(s)`, rows };
  } finally {
    await plant.stop();
  }
}

/** What every scenario takes from the common options: profiling, the batch window, the workers' cache and heap. */
function profile(): { profileDir?: string; batchWindow?: string; cachedWorkflows?: string; workerHeapMb?: string } {
  const tuning = { ...(args.window ? { batchWindow: args.window } : {}), ...(args.cache ? { cachedWorkflows: args.cache } : {}), ...(args.heap ? { workerHeapMb: args.heap } : {}) };
  if (!args.profile) return tuning;
  const dir = path.join(projectRoot, '.bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  return { ...tuning, profileDir: dir };
}

function table(title: string, rows: Row[]): string {
  const width = Math.max(...rows.map(([k]) => k.length), 7);
  return [`### ${title}`, '', `| ${'measure'.padEnd(width)} | value |`, `|${'-'.repeat(width + 2)}|-------|`, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`), ''].join('\n');
}

async function main() {
  const scenarios: Record<string, () => Promise<{ title: string; rows: Row[] }>> = { closed: closedLoop, open: openLoop, 'plant-day': plantDay, machines: machinesScenario };
  const scenario = scenarios[args.scenario!];
  if (!scenario) throw new Error(`--scenario must be one of ${Object.keys(scenarios).join(', ')}`);
  const started = new Date();
  const result = await scenario();
  const tuning = [args.window && `batch window ${args.window}`, args.cache && `${args.cache} cached workflows per worker`, args.heap && `workflow heap ${args.heap} MB`].filter(Boolean).join(', ');
  const { rows } = result;
  const title = tuning ? `${result.title}; ${tuning}` : result.title;
  const commit = execSync('git rev-parse --short HEAD', { cwd: projectRoot }).toString().trim();
  const dirty = execSync('git status --porcelain -- src bench', { cwd: projectRoot }).toString().trim() ? ' (with uncommitted changes)' : '';
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const text = `${table(title, rows)}\n_${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${dirty}, ${machine}; \`npm run bench -- ${process.argv.slice(2).filter((a) => a !== '--record').join(' ')}\`_\n`;
  console.log(`\n${text}`);
  if (args.record) {
    const file = path.join(projectRoot, 'BENCHMARKS.md');
    if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\nEvery figure from `npm run bench`; bench/README.md says what each scenario does and where the time goes.\n\n');
    appendFileSync(file, `${text}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
