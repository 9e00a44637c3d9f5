/**
 * Poison pills at the door and inside: ids and codes with control characters are refused
 * with a 400 naming the field (and kept as refused input); codes named after
 * Object.prototype members reach Exact like any other code.
 */
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
