/**
 * What a plant's monitoring scrapes: /metrics counts the events taken and the input refused,
 * each attempt to post by ERP, kind and outcome with its latency, the connection's call
 * budget left and the running orders by ERP sync status.
 */
import { Writable } from 'node:stream';
import { FloorEvent } from '../src/domain/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('metrics for Prometheus', () => {
  let bridge: Bridge;
  const plant = newPlant();
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunk.toString('utf8').split('\n').filter(Boolean).forEach((line) => logLines.push(JSON.parse(line) as Record<string, unknown>)), done()) });
    bridge = await startBridge({ POSTING_BATCH_WINDOW: '0' }, { logger: createLogger({ destination }) });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const scrape = async () => {
    const response = await fetch(`${bridge.starterUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  /** The value of one sample, by its name and labels as Prometheus prints them. */
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts events, refusals and postings by outcome, and tells the budget and the orders by sync status', async () => {
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5301, itemCode: 'BRACKET', plannedQuantity: 5, unit: 'pc' });
    const good = floorEvents(plant, '5301');
    const refusedByExact = floorEvents(plant, '5306'); // Exact knows no shop order 5306
    for (const event of [good.released('5'), good.quantity('q1', '5'), good.completed(), refusedByExact.released('2'), refusedByExact.quantity('q1', '2'), refusedByExact.completed()]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    expect((await bridge.postEvent({ ...good.quantity('q2', 'five'), source: 'test-mes' })).status).toBe(400);
    await eventually(() => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5306')).query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');
    await eventually(() => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5301')).query(statusQuery), (v) => v.erpSyncStatus === 'InSync');

    // What the MQTT and OPC UA sources hand over goes through the same delivery, and is counted as well.
    expect(await bridge.delivery.deliverToOrder([{ ...FloorEvent.parse(floorEvents(plant, '5399').released('1')), source: 'line-broker' }])).toBe(productionOrderWorkflowId(plant, '5399'));
    await bridge.delivery.deliverReading(plant, 'PRESS-9', { at: '2026-11-25T09:00:00Z', partCount: 3 });

    const text = await scrape();
    expect(sample(text, 'shopfloor_events_accepted_total{source="line-broker",type="OrderReleased"}')).toBe(1);
    expect(sample(text, `shopfloor_machine_readings_accepted_total{plant="${plant}",machine="PRESS-9"}`)).toBe(1);
    expect(sample(text, 'shopfloor_events_accepted_total{source="test-mes",type="OrderReleased"}')).toBe(2);
    expect(sample(text, 'shopfloor_events_accepted_total{source="test-mes",type="QuantityReported"}')).toBe(2);
    expect(sample(text, 'shopfloor_inputs_refused_total{channel="http",source="",reason="Invalid event"}')).toBe(1);
    expect(sample(text, 'shopfloor_erp_posting_attempts_total{erp="exact",kind="FinishedGoodsReceipt",outcome="posted"}')).toBe(1);
    expect(sample(text, 'shopfloor_erp_posting_attempts_total{erp="exact",kind="FinishedGoodsReceipt",outcome="needs-person"}')).toBe(1);
    expect(sample(text, 'shopfloor_erp_posting_seconds_count{erp="exact",kind="FinishedGoodsReceipt",outcome="posted"}')).toBe(1);
    expect(text).toMatch(/^shopfloor_erp_call_budget_remaining\{connection="exact-123456",window="[^"]+"\} \d+$/m);
    // Visibility is eventually consistent: the count follows the search attributes.
    const counted = await eventually(scrape, (t) => (sample(t, 'shopfloor_orders_running{erp_sync_status="NeedsAttention"}') ?? 0) >= 1);
    expect(sample(counted, 'shopfloor_orders_running{erp_sync_status="InSync"}')).toBeGreaterThanOrEqual(0);
    expect(counted).toContain('shopfloor_process_resident_memory_bytes');

    // The JSON log names the order and the posting in each line about them.
    const posted = logLines.find((l) => l.productionOrder === '5301' && l.outcome === 'posted');
    expect(posted).toMatchObject({ level: 30, service: 'shopfloor-bridge', workflowId: productionOrderWorkflowId(plant, '5301'), plant, postingSequence: 1, postingKind: 'FinishedGoodsReceipt', attempt: 1, msg: 'posting 1 posted' });
    expect(posted!.erpDocumentId).toEqual(expect.any(String));
    expect(logLines.find((l) => l.productionOrder === '5306' && l.outcome === 'needs-person')).toMatchObject({ level: 40, error: { type: 'UnknownShopOrder' } });
    expect(logLines.find((l) => l.msg === 'input refused')).toMatchObject({ channel: 'http', reason: expect.stringContaining('Invalid event') });
  });
});
