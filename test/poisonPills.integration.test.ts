/**
 * Poison pills at the door and inside: ids and codes with control characters are refused
 * with a 400 naming the field (and kept as refused input); codes named after
 * Object.prototype members reach Exact like any other code.
 */
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineStatusQuery, machineWorkflowId } from '../src/workflows/machine/workflow';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('poison pills', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({}, { rateLimit: { perWindow: 1000, windowMs: 60_000, perDay: 100_000 } });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it.each([
    ['eventId', '\u0000'],
    ['material', '\u0007'],
    ['batch', '\u001b[31m'],
    ['unit', '\u007f'],
    ['source', '\u0085'],
  ])('refuses %s with %j in it, naming the field and the character, and keeps what arrived', async (field, bad) => {
    const plant = newPlant();
    const event = { eventId: 'c1', type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: '6001', occurredAt: '2026-11-25T09:00:00+01:00', material: 'STEEL', quantity: '1', unit: 'kg', batch: 'B1' };
    const answer = await bridge.postEvent({ ...event, [field]: `x${bad}y` });
    expect(answer.status).toBe(400);
    const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: `must not contain control characters (U+${code} at position 2)` })]));
    const refused = await bridge.rejectedInputs.recent(20);
    expect(refused.some((r) => r.payload.includes(plant) && r.reason.includes(field))).toBe(true);
  });

  it('posts a material, unit, batch and operation named after Object.prototype members like any other', async () => {
    const plant = newPlant();
    const order = '6002';
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 6002, itemCode: 'BRACKET', plannedQuantity: 10, unit: 'pc',
      materials: names.map((itemCode) => ({ itemCode, plannedQuantity: 5, unit: 'kg' })),
      routing: [{ operation: 'toString' }],
    });
    const events = floorEvents(plant, order);
    const base = { source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T09:00:00+01:00' };
    const all = [
      { ...events.released('10'), operations: [{ operation: 'toString' }] },
      ...names.map((material, i) => ({ ...base, eventId: `${order}-c${i}`, type: 'MaterialConsumed', material, quantity: '1.5', unit: 'kg', batch: 'constructor' })),
      { ...base, eventId: `${order}-q1`, type: 'QuantityReported', good: '10', unit: 'pc', operation: 'toString' },
      { ...base, eventId: `${order}-op`, type: 'OperationCompleted', operation: 'toString' },
      events.completed(),
    ];
    for (const event of all) expect((await bridge.postEvent(event)).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.length >= names.length + 2);
    expect(view.erpSyncStatus).toBe('InSync');
    const ledger = await bridge.ledger();
    for (const name of names) {
      const issued = ledger.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ItemCode === name && e.record.ShopOrderNumber === 6002);
      expect(issued.reduce((t, e) => t.plus(String(e.record.Quantity)), new Big(0)).toString()).toBe('1.5');
    }
    const receipts = ledger.filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === 6002);
    expect(receipts.map((r) => r.record.Quantity)).toEqual([10]);
  });
});

describe('floor times outside the plausible window', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge();
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it.each([
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['an hour ahead', () => new Date(Date.now() + 3_600_000).toISOString()],
    ['two years back', () => new Date(Date.now() - 2 * 365 * 86_400_000).toISOString()],
  ])('refuses an event dated %s at the door, naming occurredAt', async (_, at) => {
    const plant = newPlant();
    const occurredAt = typeof at === 'function' ? at() : at;
    const answer = await bridge.postEvent([floorEvents(plant, '6301').released(), { ...floorEvents(plant, '6301').quantity('q1', '1'), occurredAt }]);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: '1.occurredAt', message: expect.stringMatching(/^must lie between .* \(400 days back to 10 minutes ahead of the bridge's clock\); check the sender's clock$/) }]);
  });

  it('refuses a machine reading dated 9999 inside the machine, which keeps its hours', async () => {
    const plant = newPlant();
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 8, minutes)).toISOString();
    await bridge.delivery.deliverReading(plant, 'SAW-1', { at: at(0), source: 'test-plc', good: 10, state: 'running' });
    await bridge.delivery.deliverReading(plant, 'SAW-1', { at: '9999-12-31T23:59:59Z', source: 'test-plc', good: 11 });
    await bridge.delivery.deliverReading(plant, 'SAW-1', { at: at(30), source: 'test-plc', good: 12 });
    const machine = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'SAW-1'));
    const status = await eventually(() => machine.query(machineStatusQuery), (m) => m.rejectedReadings.length > 0 && m.counted.good === '2');
    expect(status).toMatchObject({ counted: { good: '2' }, hours: { running: '0.5' }, rejectedReadings: [expect.stringMatching(/^at: must lie between/)] });
  });
});
