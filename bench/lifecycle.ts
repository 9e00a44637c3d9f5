/**
 * bench/lifecycle: N orders × M events through the starter API, the workflows and the
 * worker into the Exact simulator, then the same number of signals into trivial
 * workflows on the same server (the ceiling). Prints one table.
 *
 *   npm run bench -- [orders] [eventsPerOrder]      (defaults 20 × 10)
 *
 * Uses TEMPORAL_ADDRESS and DATABASE_URL when set; otherwise an in-memory dev server
 * and the embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import type { ExactSimulator } from '../src/erp/exact/simulator';
import { startEmbedded } from '../src/embedded';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { signalSink, tick } from './sinkWorkflow';

const SENDERS = 8;

async function main() {
  const orders = Number(process.argv[2] ?? 20);
  const eventsPerOrder = Math.max(3, Number(process.argv[3] ?? 10));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Postings unpaced (the simulator has no rate limit here): this measures the bridge, not Exact's budget.
  const config = loadConfig(process.env, { TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`, ORDER_CLOSE_AFTER: '1s', POSTING_RETRY_INITIAL_INTERVAL: '100ms', EXACT_MAX_POSTINGS_PER_SECOND: '50', AUTH: 'open' });

  const embedded = await startEmbedded(config, { simulators: { tuning: { rateLimit: { perWindow: 1_000_000, windowMs: 60_000, perDay: 10_000_000 } } } });
  const { client, nativeConnection } = embedded;
  const simulator = [...embedded.simulators.values()][0]!.handle as ExactSimulator;
  const { starterUrl } = embedded.bridge;

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  // The floor: each order is released, consumes steel in M-2 steps, and completes.
  const plant = `BENCH-${Date.now() % 100000}`;
  const sentAt = new Map<string, number>(); // `${order}:${cumulative steel}` → when the event was accepted
  const streams = Array.from({ length: orders }, (_, i) => {
    const order = String(700000 + i);
    simulator.seedShopOrder({ shopOrderNumber: Number(order), itemCode: 'BENCH', plannedQuantity: 1000, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 1000, unit: 'kg' }] });
    const base = { source: 'bench', plant, productionOrder: order, occurredAt: new Date().toISOString() };
    const events: Record<string, unknown>[] = [{ ...base, eventId: `${order}-rel`, type: 'OrderReleased', material: 'BENCH', plannedQuantity: '1000', unit: 'pc' }];
    for (let e = 1; e <= eventsPerOrder - 2; e++) events.push({ ...base, eventId: `${order}-s${e}`, type: 'MaterialConsumed', material: 'STEEL', quantity: '1.5', unit: 'kg', cumulative: e * 1.5 });
    events.push({ ...base, eventId: `${order}-done`, type: 'OrderCompleted' });
    return { order, events };
  });
  // Interleave orders as a real floor does: round-robin over orders.
  const byIndex = streams.map((s) => s.events.map((event) => ({ order: s.order, event })));
  const interleaved = Array.from({ length: eventsPerOrder }, (_, i) => byIndex.map((events) => events[i]!)).flat();

  const start = Date.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, sender) => {
      // Each sender owns whole orders, so one order's events stay in their floor order.
      for (const { order, event } of interleaved.filter((x) => Number(x.order) % SENDERS === sender)) {
        const { cumulative, ...body } = event as { cumulative?: number; type?: string };
        const response = await fetch(`${starterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        if (response.status !== 202) throw new Error(`starter answered ${response.status}: ${await response.text()}`);
        if (cumulative !== undefined) sentAt.set(`${order}:${cumulative}`, Date.now());
        if (body.type === 'OrderCompleted') sentAt.set(`${order}:receipt`, Date.now());
      }
    }),
  );
  for (const { order } of streams) {
    const handle = client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    for (;;) {
      const view = await handle.query(statusQuery);
      if (view.orderStatus === 'Completed' && view.erpSyncStatus === 'InSync') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const elapsedMs = Date.now() - start;
  clearInterval(sampler);

  // Event → ledger latency: a consumption event is in the ledger once the issued total reaches it.
  const latencies: number[] = [];
  const ledger = simulator.ledger();
  for (const { order } of streams) {
    const issues = ledger.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === Number(order));
    let issued = 0;
    for (const issue of issues) {
      issued += issue.record.Quantity as number;
      for (const [key, at] of sentAt) {
        const [o, cumulative] = key.split(':');
        if (o === order && cumulative !== 'receipt' && Number(cumulative) <= issued + 1e-9) {
          latencies.push(Date.parse(issue.committedAt) - at);
          sentAt.delete(key);
        }
      }
    }
    const receipt = ledger.find((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === Number(order));
    const completedAt = sentAt.get(`${order}:receipt`);
    if (receipt && completedAt !== undefined) latencies.push(Date.parse(receipt.committedAt) - completedAt);
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const totalEvents = orders * eventsPerOrder;
  const calls = simulator.requestCounts();
  const bridgeRate = totalEvents / (elapsedMs / 1000);

  // The ceiling: the same number of signals, 8 senders, into workflows that only count them.
  const sinkQueue = `bench-sink-${randomUUID()}`;
  const sinkWorker = await Worker.create({ connection: nativeConnection, taskQueue: sinkQueue, workflowsPath: path.join(__dirname, 'sinkWorkflow.ts') });
  const sinkRun = sinkWorker.run();
  const sinkStart = Date.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, sender) => {
      for (let o = sender; o < orders; o += SENDERS) {
        const workflowId = `bench-sink/${plant}/${o}`;
        for (let e = 0; e < eventsPerOrder; e++) {
          await client.workflow.signalWithStart(signalSink, { workflowId, taskQueue: sinkQueue, args: [eventsPerOrder], signal: tick, signalArgs: [e] });
        }
      }
    }),
  );
  await Promise.all(Array.from({ length: orders }, (_, o) => client.workflow.getHandle(`bench-sink/${plant}/${o}`).result()));
  const ceilingRate = totalEvents / ((Date.now() - sinkStart) / 1000);

  const rows: [string, string][] = [
    ['orders × events', `${orders} × ${eventsPerOrder} = ${totalEvents}`],
    ['events/s, event accepted → order InSync', bridgeRate.toFixed(1)],
    ['ERP calls per event', ((calls.GET + calls.POST) / totalEvents).toFixed(2) + ` (${calls.GET} GET, ${calls.POST} POST)`],
    ['event → ledger latency p50', `${percentile(50)} ms`],
    ['event → ledger latency p95', `${percentile(95)} ms`],
    ['peak RSS (worker, API and simulator in one process)', `${(peakRss / 1024 / 1024).toFixed(0)} MiB`],
    ['ceiling: signals/s into trivial workflows', ceilingRate.toFixed(1)],
    ['bridge ÷ ceiling', (bridgeRate / ceilingRate).toFixed(2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n| ${'measure'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`);
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);

  sinkWorker.shutdown();
  await sinkRun;
  await embedded.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
