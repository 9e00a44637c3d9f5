/**
 * Quality decisions as stock status: a QualityResult that blocks puts received output on
 * hold, one that releases takes it off hold; in Exact, which has no quality management,
 * they are transfers into and out of the plant's quarantine. A correction takes a decision
 * back, and the ERP follows.
 */
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('quality decisions as stock status in Exact Online', () => {
  const plant = newPlant();
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({}, { settings: { quarantine: { [plant]: { warehouse: 'QUAR' } } } });
    bridge.simulator.seedWarehouse('QUAR');
  });
  afterAll(async () => bridge?.teardown());

  /** Stock of the order's item by warehouse code, from what the simulator's ledger holds: receipts, and transfers between warehouses. */
  async function stockOf(shopOrderNumber: number): Promise<Record<string, string>> {
    const ledger = await bridge.ledger();
    const stock = new Map<string, Big>();
    const move = (warehouse: string, quantity: Big) => stock.set(warehouse, (stock.get(warehouse) ?? new Big(0)).plus(quantity));
    for (const e of ledger.filter((l) => l.entity === 'manufacturing/ShopOrderReceipts' && l.record.ShopOrderNumber === shopOrderNumber)) move(String(e.record.WarehouseCode ?? '1'), new Big(String(e.record.Quantity)));
    for (const e of ledger.filter((l) => l.entity === 'inventory/WarehouseTransfers' && String(l.record.Remarks).startsWith(`production-order/${plant}/${shopOrderNumber}#`))) {
      for (const line of e.record.WarehouseTransferLines as { Quantity: number }[]) {
        move(String(e.record.WarehouseFromCode), new Big(String(line.Quantity)).times(-1));
        move(String(e.record.WarehouseToCode), new Big(String(line.Quantity)));
      }
    }
    return Object.fromEntries([...stock].map(([w, q]) => [w, q.toString()]));
  }

  it('blocks 5 of 40 received units and releases 3: 2 in quarantine, 38 in the warehouse; a correction reverses it', async () => {
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7301, itemCode: 'BRACKET', plannedQuantity: 40 });
    const events = floorEvents(plant, '7301');
    const decision = (id: string, fields: object) => ({ ...events.completed(), eventId: `7301-${id}`, type: 'QualityResult', inspection: 'FAI-7301', unit: 'pc', ...fields });
    for (const event of [events.released('40'), events.quantity('q', '40'), events.completed(), decision('block', { result: 'rejected', disposition: 'block', quantity: '5' })]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    // The hold waits for the receipt: Exact cannot block stock it has not received.
    await eventually(() => stockOf(7301), (s) => s.QUAR === '5', 20_000);
    expect(await stockOf(7301)).toEqual({ '1': '35', QUAR: '5' });
    expect((await bridge.postEvent(decision('release', { result: 'accepted', disposition: 'release', quantity: '3' }))).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '7301'));
    await eventually(() => stockOf(7301), (s) => s.QUAR === '2', 20_000);
    expect(await stockOf(7301)).toEqual({ '1': '38', QUAR: '2' });
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(view.postings.filter((p) => p.lineKey === 'hold').map((p) => [p.content.kind, p.status])).toEqual([
      ['QualityHold', 'Posted'],
      ['Reversal', 'Posted'],
    ]);
    // The good output stays 40: units on hold are received, only blocked.
    expect(view.good).toBe('40');

    // The inspector withdraws the block (it was a mix-up): what is still on hold goes back.
    const cancel = { ...events.completed(), eventId: '7301-block-cancel', type: 'EventCorrected', correctsEventId: '7301-block', reason: 'wrong lot inspected' };
    // Cancelling the block while 3 of its units were released would take more off hold than is on it: refused, naming why.
    expect((await bridge.postEvent(cancel)).status).toBe(202);
    const refused = await eventually(() => handle.query(statusQuery), (v) => v.rejectedEvents.some((r) => r.eventId === '7301-block-cancel'));
    expect(refused.rejectedEvents.find((r) => r.eventId === '7301-block-cancel')!.reason).toMatch(/takes 5 pc off hold but only 2 pc are on hold/);
    // Corrected instead to a block of 4: one unit stays on hold.
    const fix = { ...cancel, eventId: '7301-block-fix', replacement: { quantity: '4' } };
    expect((await bridge.postEvent(fix)).status).toBe(202);
    await eventually(() => stockOf(7301), (s) => s.QUAR === '1', 20_000);
    expect(await stockOf(7301)).toEqual({ '1': '39', QUAR: '1' });
  });

  it('stops a hold for a person when the plant has no quarantine, and refuses a release of more than is held', async () => {
    const other = newPlant();
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7302, itemCode: 'BRACKET', plannedQuantity: 10 });
    const events = floorEvents(other, '7302');
    const decision = (id: string, fields: object) => ({ ...events.completed(), eventId: `7302-${id}`, type: 'QualityResult', inspection: 'FAI-7302', unit: 'pc', ...fields });
    for (const event of [events.released('10'), events.quantity('q', '10'), events.completed(), decision('release', { result: 'accepted', disposition: 'release', quantity: '1' }), decision('block', { result: 'rejected', disposition: 'block', quantity: '2' })]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(other, '7302'));
    const view = await eventually(() => handle.query(statusQuery), (v) => v.postings.some((p) => p.lineKey === 'hold' && p.status === 'NeedsAttention'));
    expect(view.postings.find((p) => p.lineKey === 'hold')!.error).toMatchObject({ type: 'NoQuarantineLocation', message: expect.stringContaining(`quarantine.${other}`) });
    expect(view.rejectedEvents.find((r) => r.eventId === '7302-release')!.reason).toMatch(/takes 1 pc off hold but only 0 pc are on hold/);
    expect((await bridge.postEvent({ ...decision('bad', { result: 'rejected', disposition: 'release', quantity: '1' }) })).body.errors).toEqual([{ field: 'disposition', message: 'release applies to accepted units only' }]);
  });
});
