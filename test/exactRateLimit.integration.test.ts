/**
 * Exact's call budget is the division's, not a worker's. Two workers (this process and a
 * worker process of its own) post 2,000 floor events, without a batching window, to a
 * simulator whose "minute" lasts 6 seconds and lets 12 calls through. Temporal holds the
 * division's posting queue to 1.2 postings a second across both workers, and while a line's
 * posting waits its turn, the line's new events gather into its next one. Answers are lost
 * on the way back now and then. (Unpaced, the first seconds alone spend the budget many
 * times over, and the 429 bound below fails.)
 */
import type { ChildProcess } from 'node:child_process';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, exited, newPlant, startBridge, startWorkerProcess } from './harness';

const LIMIT = { perWindow: 12, windowMs: 6000, perDay: 100_000 };
const ORDERS = 8;
const EVENTS_PER_ORDER = 250;
const MATERIALS = [
  { itemCode: 'STEEL', unit: 'kg' },
  { itemCode: 'RESIN', unit: 'l' },
  { itemCode: 'BOLT', unit: 'pc' },
];

describe("Exact's rate limit, shared by two workers", () => {
  let bridge: Bridge;
  let second: ChildProcess;
  beforeAll(async () => {
    bridge = await startBridge(
      { EXACT_MAX_POSTINGS_PER_SECOND: process.env.RATE_TEST_PACE ?? '1.2', POSTING_BATCH_WINDOW: '0', ORDER_CLOSE_AFTER: '120s', POSTING_RETRY_INITIAL_INTERVAL: '500ms' },
      { rateLimit: LIMIT },
    );
    second = startWorkerProcess(bridge.workerEnv);
  });
  afterAll(async () => {
    second?.kill('SIGKILL');
    if (second) await exited(second);
    await bridge?.teardown();
  });

  it('lets no more calls through per window than the limit allows, and the ledger ends equal to the floor, once', async () => {
    const plant = newPlant();
    const totals = new Map<string, Big>();
    const events: Record<string, unknown>[] = [];
    for (let o = 0; o < ORDERS; o++) {
      const order = String(8800 + o);
      bridge.simulator.seedShopOrder({ shopOrderNumber: Number(order), itemCode: 'VALVE', plannedQuantity: 500, unit: 'pc', materials: MATERIALS.map((m) => ({ ...m, plannedQuantity: 1000 })) });
      const base = { source: 'line-mes', plant, productionOrder: order, occurredAt: '2026-11-25T10:00:00Z' };
      events.push({ ...base, eventId: `${order}-rel`, type: 'OrderReleased', material: 'VALVE', plannedQuantity: '500', unit: 'pc' });
      for (let e = 0; e < EVENTS_PER_ORDER - 4; e++) {
        const material = MATERIALS[e % MATERIALS.length]!;
        const quantity = new Big(e % 7).plus('0.125').toString();
        const key = `${order}|${material.itemCode}`;
        totals.set(key, (totals.get(key) ?? new Big(0)).plus(quantity));
        events.push({ ...base, eventId: `${order}-m${e}`, type: 'MaterialConsumed', material: material.itemCode, quantity, unit: material.unit });
      }
      events.push({ ...base, eventId: `${order}-q1`, type: 'QuantityReported', good: '240', scrap: '3', unit: 'pc' });
      events.push({ ...base, eventId: `${order}-q2`, type: 'QuantityReported', good: '250.5', unit: 'pc' });
      events.push({ ...base, eventId: `${order}-done`, type: 'OrderCompleted' });
      totals.set(`${order}|receipt`, new Big('490.5'));
    }
    expect(events).toHaveLength(ORDERS * EVENTS_PER_ORDER);
    for (let f = 0; f < 4; f++) bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: f % 2 ? 'manufacturing/MaterialIssues' : 'manufacturing/ShopOrderReceipts' });

    // The MES sends in batches of 50, resending every tenth batch as retries do.
    for (let i = 0; i < events.length; i += 50) {
      const batch = events.slice(i, i + 50);
      expect((await bridge.postEvent(batch)).status).toBe(202);
      if ((i / 50) % 10 === 0) expect((await bridge.postEvent(batch)).status).toBe(202);
    }
    for (let o = 0; o < ORDERS; o++) {
      const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, String(8800 + o)));
      const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.orderStatus === 'Completed', 150_000);
      expect(view.erpSyncStatus, `order ${8800 + o}`).toBe('InSync');
    }

    // Exact's limit held in every window, and the bridge kept to its pace rather than leaning on 429s.
    const windows = bridge.simulator.rateLimitWindows();
    const through = windows.reduce((t, w) => t + w.used, 0);
    const refused = windows.reduce((t, w) => t + w.refused, 0);
    console.log(`${windows.length} windows, ${through} calls through, ${refused} refused with 429, most in a window: ${Math.max(...windows.map((w) => w.used))}`);
    for (const w of windows) expect(w.used, `window at ${new Date(w.start).toISOString()}`).toBeLessThanOrEqual(LIMIT.perWindow);
    expect(refused, '429s').toBeLessThanOrEqual(through * 0.1);

    // Both workers posted, and lost answers were found again rather than posted twice.
    const attempts = (await Promise.all(Array.from({ length: ORDERS }, (_, o) => bridge.audit.attemptsFor(plant, String(8800 + o))))).flat();
    expect(new Set(attempts.map((a) => a.worker)).size, 'workers that posted').toBe(2);
    expect(attempts.some((a) => a.outcome === 'found-existing'), 'a lost answer was found again, not re-posted').toBe(true);

    // The ledger equals the floor: every material and every receipt, to the last decimal, and no issue twice.
    const ledger = await bridge.ledger();
    const sum = (rows: typeof ledger) => rows.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0)).toString();
    for (let o = 0; o < ORDERS; o++) {
      const order = String(8800 + o);
      const ofOrder = ledger.filter((l) => l.record.ShopOrderNumber === Number(order));
      expect(sum(ofOrder.filter((l) => l.entity === 'manufacturing/ShopOrderReceipts')), `receipt of ${order}`).toBe(totals.get(`${order}|receipt`)!.toString());
      for (const m of MATERIALS) {
        expect(sum(ofOrder.filter((l) => l.entity === 'manufacturing/MaterialIssues' && l.record.ItemCode === m.itemCode)), `${m.itemCode} of ${order}`).toBe(totals.get(`${order}|${m.itemCode}`)!.toString());
      }
    }
    const notes = ledger.filter((l) => l.entity === 'manufacturing/MaterialIssues').map((l) => l.record.Note);
    expect(new Set(notes).size).toBe(notes.length);
  }, 240_000);
});
