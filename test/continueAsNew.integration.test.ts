import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
