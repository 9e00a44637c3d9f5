/**
 * A worker killed with SIGKILL while a post is under way, and started again: nothing
 * is lost and nothing is posted twice, because the workflow's history is the buffer
 * and the retried post looks in Exact before sending again.
 */
import type { ChildProcess } from 'node:child_process';
import Big from 'big.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, exited, floorEvents, newPlant, startBridge, startWorkerProcess } from './harness';

describe('a worker killed mid-post', () => {
  let bridge: Bridge;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    bridge = await startBridge({ POSTING_ATTEMPT_TIMEOUT: '3s', POSTING_RETRY_INITIAL_INTERVAL: '200ms' }, { worker: false });
  });
  afterEach(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('loses and duplicates nothing when the worker is SIGKILLed and started again', async () => {
    const plant = newPlant();
    const orders = ['8101', '8102', '8103'];
    const shopOrders = orders.map((o, i) => bridge.simulator.seedShopOrder({ shopOrderNumber: Number(o), itemCode: `P${i}`, plannedQuantity: 30, unit: 'pc' }));
    // Exact commits the first receipt but answers only after 20 s: the worker dies waiting.
    bridge.simulator.injectFault({ kind: 'delayResponse', method: 'POST', path: 'manufacturing/ShopOrderReceipts', delayMs: 20_000, times: 1 });

    for (const [i, order] of orders.entries()) {
      const events = floorEvents(plant, order);
      const batch = [events.released('30'), events.quantity('a', `${10 + i}.5`, '1'), events.quantity('b', '4', '0.25'), events.completed()];
      expect((await bridge.postEvent(batch)).status).toBe(202);
    }

    const first = startWorkerProcess(bridge.workerEnv);
    children.push(first);
    // Once every receipt is in Exact, the delayed one is committed and its worker still waits for the answer.
    await eventually(() => bridge.ledger(), (l) => l.length === 3, 45_000);
    first.kill('SIGKILL');
    await exited(first);

    const second = startWorkerProcess(bridge.workerEnv);
    children.push(second);

    for (const [i, order] of orders.entries()) {
      const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
      const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync', 45_000);
      expect(view.erpSyncStatus).toBe('InSync');
      const receipts = (await bridge.ledger()).filter((e) => e.record.ShopOrder === shopOrders[i]!.ID);
      expect(receipts, `order ${order}`).toHaveLength(1);
      expect(new Big(String(receipts[0]!.record.Quantity)).eq(new Big(`${10 + i}.5`).plus(4)), `order ${order}`).toBe(true);
    }
    expect(await bridge.ledger()).toHaveLength(3);

    // The killed attempt left no audit row; its retry found the receipt in Exact instead of posting again.
    // (Another order's receipt may also have been committed, even audited as posted, but not yet reported
    // to Temporal when the worker died; its retry finds it the same way.) No posting was posted twice.
    const attempts = (await Promise.all(orders.map((o) => bridge.audit.attemptsFor(plant, o)))).flat();
    const keys = orders.map((o) => `production-order/${plant}/${o}#1`);
    for (const key of keys) {
      const ofKey = attempts.filter((a) => a.idempotencyKey === key);
      expect(ofKey.filter((a) => a.outcome === 'posted').length, `${key} posted at most once`).toBeLessThanOrEqual(1);
      expect(ofKey.some((a) => a.outcome === 'posted' || a.outcome === 'found-existing'), `${key} reached Exact`).toBe(true);
    }
    const foundAgain = attempts.filter((a) => a.outcome === 'found-existing');
    expect(foundAgain.length).toBeGreaterThanOrEqual(1);
    expect(foundAgain.every((a) => a.attempt >= 2)).toBe(true);
  });
});
