/**
 * A machine's readings, as a source delivers them, become the running order's output and
 * machine hours in Exact: the MES puts the order on the machine (OperationStarted names it),
 * the machine workflow turns absolute counters into deltas and hands them over.
 */
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineStatusQuery, machineWorkflowId } from '../src/workflows/machine/workflow';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, signalledEventTypes, startBridge } from './harness';

describe('a machine feeding the order running on it', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    // Nothing goes over on the clock here: only taking the order off hands the machine's work over.
    bridge = await startBridge({ MACHINE_HAND_OVER_EVERY: '1h' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('hands counted units and running hours to the order, exactly, through resent and stale readings', async () => {
    const plant = newPlant();
    const order = '6601';
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 6601, itemCode: 'CAP', plannedQuantity: 30, unit: 'pc', routing: [{ operation: '0010', workCentre: 'PRESS-01' }] });
    const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T07:59:00Z', ...fields });
    for (const event of [
      { ...floorEvents(plant, order).released('30'), operations: [{ operation: '0010', workCentre: 'PRESS-01' }] },
      e('start', { type: 'OperationStarted', operation: '0010', workCentre: 'PRESS-01', machine: 'PRESS-3' }),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 8, minutes)).toISOString();
    const reading = (minutes: number, fields: object) => bridge.delivery.deliverReading(plant, 'PRESS-3', { at: at(minutes), source: 'test-plc', ...fields });
    await reading(0, { good: 1000, scrap: 40, state: 'running' }); // the counters' values when the order starts
    await reading(10, { good: 1012 });
    await reading(10, { good: 1012 }); // resent
    await reading(5, { good: 1003 }); // stale, replayed late
    await reading(20, { good: 1027, scrap: 42 });
    await reading(30, { state: 'idle' });
    await reading(31, { bad: 'reading' }); // refused and kept, not fatal

    const machine = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'PRESS-3'));
    const orderHandle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    await eventually(() => machine.query(machineStatusQuery), (m) => m.rejectedReadings.length > 0);
    expect(await machine.query(machineStatusQuery)).toMatchObject({
      counted: { good: '27', scrap: '2' },
      hours: { running: '0.5' },
      order: { productionOrder: order, operation: '0010', workCentre: 'PRESS-01' },
      readingsIgnored: 2,
      rejectedReadings: [expect.stringContaining('bad')],
    });

    for (const event of [e('done-op', { type: 'OperationCompleted', operation: '0010', machine: 'PRESS-3', occurredAt: '2026-11-25T08:31:00Z' }), e('done', { type: 'OrderCompleted', occurredAt: '2026-11-25T08:32:00Z' })]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const view = await eventually(() => orderHandle.query(statusQuery), (v) => v.orderStatus === 'Completed' && v.erpSyncStatus === 'InSync');
    expect(view).toMatchObject({ good: '27', scrap: '2' });
    // The machine's count reached the order before the MES's OperationCompleted: one confirmation, the final one.
    const signalled = await signalledEventTypes(orderHandle);
    expect(signalled.lastIndexOf('QuantityReported')).toBeLessThan(signalled.indexOf('OperationCompleted'));
    expect(view.postings.map((p) => p.content).filter((c) => c.kind === 'OperationConfirmation')).toEqual([expect.objectContaining({ operation: '0010', yield: '27', scrap: '2', final: true })]);
    expect(view.time).toEqual([expect.objectContaining({ activity: 'machine', operation: '0010', workCentre: 'PRESS-01', hours: '0.5' })]);
    const ledger = (await bridge.ledger()).filter((l) => l.record.ShopOrderNumber === 6601 || l.record.ShopOrder === shopOrder.ID);
    const sum = (rows: typeof ledger, field: string) => rows.reduce((t, r) => t.plus(String(r.record[field] ?? 0)), new Big(0)).toString();
    expect(sum(ledger.filter((l) => l.entity === 'manufacturing/ShopOrderReceipts'), 'Quantity')).toBe('27');
    expect(sum(ledger.filter((l) => l.entity === 'manufacturing/TimeTransactions'), 'Hours')).toBe('0.5');
    // Taken off the machine: what it counts next is no longer this order's.
    await eventually(() => machine.query(machineStatusQuery), (m) => m.order === undefined);
  });

  it("gives an order the machine's running time up to when it left, though the machine reported nothing since", async () => {
    const plant = newPlant();
    const at = (hour: number, minutes: number) => new Date(Date.UTC(2026, 10, 25, hour, minutes)).toISOString();
    const reading = (hour: number, minutes: number, fields: object) => bridge.delivery.deliverReading(plant, 'PRESS-5', { at: at(hour, minutes), source: 'test-plc', ...fields });
    const hoursBooked = async (shopOrderId: unknown) =>
      (await bridge.ledger()).filter((l) => l.entity === 'manufacturing/TimeTransactions' && l.record.ShopOrder === shopOrderId).reduce((t, r) => t.plus(String(r.record.Hours)), new Big(0)).toString();
    const run = async (order: string, started: [number, number], completed: [number, number], readings: () => Promise<void>) => {
      const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: Number(order), itemCode: 'CAP', plannedQuantity: 20, unit: 'pc', routing: [{ operation: '0010', workCentre: 'PRESS-01' }] });
      const e = (id: string, occurredAt: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt, ...fields });
      for (const event of [
        { ...floorEvents(plant, order).released('20'), operations: [{ operation: '0010', workCentre: 'PRESS-01' }] },
        e('start', at(...started), { type: 'OperationStarted', operation: '0010', workCentre: 'PRESS-01', machine: 'PRESS-5' }),
      ]) expect((await bridge.postEvent(event)).status).toBe(202);
      await readings();
      for (const event of [e('done-op', at(...completed), { type: 'OperationCompleted', operation: '0010', machine: 'PRESS-5' }), e('done', at(...completed), { type: 'OrderCompleted' })]) {
        expect((await bridge.postEvent(event)).status).toBe(202);
      }
      await eventually(() => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)).query(statusQuery), (v) => v.orderStatus === 'Completed' && v.erpSyncStatus === 'InSync');
      return shopOrder.ID;
    };

    // 6611 runs from 9:00; the press reports its count at 9:10 and then nothing until the order leaves at 9:30.
    const first = await run('6611', [9, 0], [9, 30], async () => {
      await reading(9, 0, { good: 0, scrap: 0, state: 'running' });
      await reading(9, 10, { good: 10 });
    });
    expect(await hoursBooked(first)).toBe('0.5');
    // 6612 starts at 9:30, and the press stops at 9:45: its quarter of an hour, not the twenty minutes before it too.
    const second = await run('6612', [9, 30], [9, 50], async () => {
      await reading(9, 45, { good: 25, state: 'idle' });
    });
    expect(await hoursBooked(second)).toBe('0.25');
  });
});
