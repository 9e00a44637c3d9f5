import Big from 'big.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('a long order continues as new without losing or doubling anything', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ ORDER_CONTINUE_AS_NEW_AFTER_EVENTS: '10' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('carries quantities and remembered event ids into the next run', async () => {
    const plant = newPlant();
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 6001, itemCode: 'PIN', plannedQuantity: 100, unit: 'pc' });
    const events = floorEvents(plant, '6001');
    expect((await bridge.postEvent(events.released())).status).toBe(202);
    const reports = Array.from({ length: 20 }, (_, i) => events.quantity(`q${i}`, '1.25', '0.5'));
    for (const report of reports) expect((await bridge.postEvent(report)).status).toBe(202);

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '6001'));
    const description = await eventually(() => handle.describe(), (d) => d.runId !== d.raw.workflowExecutionInfo?.firstRunId);
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);

    // The MES resends the first reports after the order has continued as new.
    for (const report of reports.slice(0, 5)) expect((await bridge.postEvent(report)).status).toBe(202);
    expect((await bridge.postEvent(events.completed())).status).toBe(202);

    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.orderStatus === 'Completed');
    expect(view).toMatchObject({ good: '25', scrap: '10', duplicatesIgnored: 5, eventsApplied: 22 });
    const receipts = (await bridge.ledger()).filter((e) => e.record.ShopOrder === shopOrder.ID);
    expect(receipts.reduce((t, e) => t.plus(String(e.record.Quantity)), new Big(0)).toString()).toBe('25');
    expect(receipts).toHaveLength(1);
  });
});

describe('a long order with long ids and a posting that needs attention throughout', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    // Told of its size from a few KB on, so the warning is met (and its history replayed) here.
    bridge = await startBridge({ ORDER_CONTINUE_AS_NEW_AFTER_EVENTS: '300', POSTING_BATCH_WINDOW: '1s', ORDER_STATE_WARNING_BYTES: '4096' }, { rateLimit: { perWindow: 10_000, windowMs: 60_000, perDay: 100_000 } });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('keeps posting across many runs, carrying a state far below the payload limit', async () => {
    const plant = newPlant();
    const order = '6002';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6002, itemCode: 'FRAME', plannedQuantity: 100, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 2000, unit: 'kg' }] });
    const id = (n: number) => `${order}-${String(n).padStart(6, '0')}-`.padEnd(200, 'x');
    const consumed = (n: number, material: string) => ({ eventId: id(n), type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T09:00:00+01:00', material, quantity: '0.5', unit: 'kg' });
    expect((await bridge.postEvent(floorEvents(plant, order).released('100'))).status).toBe(202);
    // The first: a material Exact does not know, which needs attention for the whole test.
    expect((await bridge.postEvent(consumed(0, 'UNOBTAINIUM'))).status).toBe(202);
    const total = 3_000;
    // Five events a request: each request is one signal to the order, so its history grows past 300 several times.
    for (let start = 1; start <= total; start += 5) {
      const batch = Array.from({ length: Math.min(5, total - start + 1) }, (_, i) => consumed(start + i, 'STEEL'));
      expect((await bridge.postEvent(batch)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const issued = async () =>
      (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 6002).reduce((t, e) => t.plus(String(e.record.Quantity)), new Big(0)).toString();
    await eventually(issued, (q) => q === String(total / 2), 120_000);
    expect(await issued()).toBe(String(total / 2));
    const view = await handle.query(statusQuery);
    expect(view.postings.some((p) => p.status === 'NeedsAttention' && p.error?.type === 'UnknownMaterial')).toBe(true);
    expect(view.stateBytes).toBeLessThan(512 * 1024);
    const description = await handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
    // A run handed more than the warning tells people; that run's history replays on this code (patched('state-size-alert')).
    const stateAlerts = async () => {
      const ids: string[] = [];
      for await (const w of bridge.env.client.workflow.list({ query: `WorkflowType = 'deliverAlert'` })) if (w.workflowId.includes(`${plant}/${order}/state-size/`)) ids.push(w.workflowId);
      return ids;
    };
    // Visibility (the list) follows a started workflow by a moment.
    expect((await eventually(stateAlerts, (ids) => ids.length > 0)).length).toBeGreaterThan(0);
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, taskQueue: bridge.workerEnv.TEMPORAL_TASK_QUEUE } as never, history, productionOrderWorkflowId(plant, order));
  }, 180_000);
});
