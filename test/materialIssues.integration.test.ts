import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('material consumption reaches Exact as material issues', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge();
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const consumed = (plant: string, order: string, id: string, material: string, quantity: string, unit: string) => ({
    eventId: `${order}-${id}`, type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order,
    occurredAt: '2026-11-25T09:00:00+01:00', material, quantity, unit,
  });
  const issuesOf = async (itemCode: string, shopOrderNumber: number) =>
    (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ItemCode === itemCode && e.record.ShopOrderNumber === shopOrderNumber);
  const total = (rows: { record: Record<string, unknown> }[]) => rows.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0)).toString();

  it('issues exactly what was consumed, once, through duplicates, a lost answer, a mapping fix and a backflushed material', async () => {
    const plant = newPlant();
    const order = '5101';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 5101, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc',
      materials: [
        { itemCode: 'STEEL', plannedQuantity: 20, unit: 'kg' },
        { itemCode: 'BOLT-M8', plannedQuantity: 40, unit: 'pc' },
        { itemCode: 'PAINT', plannedQuantity: 2, unit: 'l', backflush: true },
      ],
    });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialIssues', times: 1 });
    const events = floorEvents(plant, order);
    const steel = consumed(plant, order, 'c1', 'STEEL', '12.5', 'kg');
    for (const event of [
      events.released('10'),
      steel,
      steel,
      consumed(plant, order, 'c2', 'STEEL', '7.25', 'kg'),
      consumed(plant, order, 'c3', 'BOLT-M8-ZN', '40', 'pc'), // the floor's code; Exact knows BOLT-M8
      consumed(plant, order, 'c4', 'PAINT', '1.8', 'l'), // Exact backflushes paint itself
      events.quantity('q1', '10'),
      events.completed(),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await eventually(
      () => handle.query(statusQuery),
      (v) => v.postings.filter((p) => p.status === 'NeedsAttention').length === 2 && !v.postings.some((p) => p.status === 'Pending'),
    );
    expect(stuck.erpSyncStatus).toBe('NeedsAttention');
    expect(stuck.postings.filter((p) => p.status === 'NeedsAttention').map((p) => [p.content.kind === 'MaterialIssue' && p.content.material, p.error?.type])).toEqual(
      expect.arrayContaining([['BOLT-M8-ZN', 'UnknownMaterial'], ['PAINT', 'BackflushedByErp']]),
    );
    // Everything else flowed: steel issued exactly once in total, and the receipt posted.
    expect(total(await issuesOf('STEEL', 5101))).toBe('19.75');
    expect((await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts')).toHaveLength(1);

    // Operators find it the way `temporal workflow list --query` does: through visibility.
    const needingAttention = async () => {
      const ids: string[] = [];
      for await (const w of bridge.env.client.workflow.list({ query: `ErpSyncStatus = 'NeedsAttention' AND Plant = '${plant}'` })) ids.push(w.workflowId);
      return ids;
    };
    expect(await eventually(needingAttention, (ids) => ids.length > 0)).toEqual([productionOrderWorkflowId(plant, order)]);

    // Skip first: a mapping correction sends every stuck posting again.
    const paint = stuck.postings.find((p) => p.content.kind === 'MaterialIssue' && p.content.material === 'PAINT')!;
    expect((await bridge.post(`/v1/orders/${plant}/${order}/postings/${paint.sequence}/skip`, { reason: 'Exact backflushes paint' })).status).toBe(200);
    const mapped = await bridge.post(`/v1/orders/${plant}/${order}/mappings`, { materials: { 'BOLT-M8-ZN': 'BOLT-M8' } });
    expect(mapped.status).toBe(200);

    const settled = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(settled.erpSyncStatus).toBe('InSync');
    expect(total(await issuesOf('BOLT-M8', 5101))).toBe('40');
    expect(await issuesOf('PAINT', 5101)).toEqual([]);
    const steelIssues = await issuesOf('STEEL', 5101);
    expect(total(steelIssues)).toBe('19.75');
    // Each issue carries its posting key, and no key appears twice.
    const notes = (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues').map((e) => e.record.Note);
    expect(new Set(notes).size).toBe(notes.length);
    expect(notes.every((n) => typeof n === 'string' && n.startsWith(`production-order/${plant}/${order}#`))).toBe(true);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'MaterialIssue')).toBe(true);
    // Every attempt of the bolt posting is in the audit trail: refused for the floor's code, posted after the mapping.
    const bolts = attempts.filter((a) => a.posting.kind === 'MaterialIssue' && a.posting.material === 'BOLT-M8-ZN');
    expect(bolts.map((a) => [a.outcome, a.errorType ?? null, a.posting.kind === 'MaterialIssue' && a.posting.erpMaterial])).toEqual([
      ['needs-person', 'UnknownMaterial', 'BOLT-M8-ZN'],
      ['posted', null, 'BOLT-M8'],
    ]);
    expect(bolts[0]!.exchanges.at(-1)).toMatchObject({ method: 'GET', status: 200 });
    expect(await eventually(needingAttention, (ids) => ids.length === 0)).toEqual([]);
  });
});

describe('batching', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ POSTING_BATCH_WINDOW: '1 hour', POSTING_BATCH_SIZE: '4' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('carries many events in one ERP call, flushing when the batch is full and when the order completes', async () => {
    const plant = newPlant();
    const order = '5201';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5201, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 20, unit: 'kg' }] });
    const events = floorEvents(plant, order);
    const steel = (id: string, quantity: string) => ({ eventId: `${order}-${id}`, type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T09:00:00Z', material: 'STEEL', quantity, unit: 'kg' });
    const issues = async () => (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues').map((e) => e.record.Quantity);

    // Four events fill the batch: one issue, without waiting for the (hour-long) window.
    expect((await bridge.postEvent([events.released('10'), steel('a', '1.5'), steel('b', '2.25'), steel('c', '0.25')])).status).toBe(202);
    expect(await eventually(issues, (q) => q.length > 0)).toEqual([4]);

    // Two more wait in the window, until completion flushes them with the receipt.
    expect((await bridge.postEvent([steel('d', '1'), events.quantity('q', '10')])).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(`production-order/${plant}/${order}`);
    expect((await handle.query(statusQuery)).postings).toHaveLength(1);
    expect((await bridge.postEvent(events.completed())).status).toBe(202);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(await issues()).toEqual([4, 1]);
    expect((await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts').map((e) => e.record.Quantity)).toEqual([10]);
  });
});
