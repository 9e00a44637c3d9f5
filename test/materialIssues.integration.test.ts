import type { WorkflowHandle } from '@temporalio/client';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const consumed = (plant: string, order: string, id: string, material: string, quantity: string, unit: string) => ({
  eventId: `${order}-${id}`, type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order,
  occurredAt: '2026-11-25T09:00:00+01:00', material, quantity, unit,
});
/** The MES correcting event `id` of the order (its replacement fields, or none to cancel it), later that day. */
const corrected = (plant: string, order: string, id: string, reason: string, replacement?: object) => ({
  eventId: `${order}-${id}-fix`, type: 'EventCorrected', source: 'test-mes', plant, productionOrder: order,
  occurredAt: '2026-11-25T17:00:00+01:00', correctsEventId: `${order}-${id}`, reason, ...(replacement ? { replacement } : {}),
});
const total = (rows: { record: Record<string, unknown> }[]) => rows.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0)).toString();

describe('material consumption, output and by-products reach Exact as stock transactions', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    // The tests of this bridge together make more calls in a minute than Exact's 60; the rate limit has a test of its own.
    bridge = await startBridge({}, { rateLimit: { perWindow: 1000, windowMs: 60_000, perDay: 100_000 } });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });
  const postAll = async (events: unknown[]) => {
    for (const event of events) expect((await bridge.postEvent(event)).status).toBe(202);
  };
  /** The order once nothing is on its way and `count` postings wait for a person. */
  const settledNeedingAttention = (handle: WorkflowHandle, count: number) =>
    eventually(
      () => handle.query(statusQuery),
      (v) => v.postings.filter((p) => p.status === 'NeedsAttention').length === count && !v.postings.some((p) => p.status === 'Pending'),
    );
  const issuesOf = async (itemCode: string, shopOrderNumber: number) =>
    (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ItemCode === itemCode && e.record.ShopOrderNumber === shopOrderNumber);

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
    await postAll([
      events.released('10'),
      steel,
      steel,
      consumed(plant, order, 'c2', 'STEEL', '7.25', 'kg'),
      consumed(plant, order, 'c3', 'BOLT-M8-ZN', '40', 'pc'), // the floor's code; Exact knows BOLT-M8
      consumed(plant, order, 'c4', 'PAINT', '1.8', 'l'), // Exact backflushes paint itself
      events.quantity('q1', '10'),
      events.completed(),
    ]);

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await settledNeedingAttention(handle, 2);
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

  it('reserves batches and serial numbers before the issue, once, through lost answers; stops for missing ones until the event is corrected', async () => {
    const plant = newPlant();
    const order = '5102';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 5102, itemCode: 'TANK', plannedQuantity: 2, unit: 'pc',
      materials: [
        { itemCode: 'RESIN', plannedQuantity: 8, unit: 'kg', batchNumbers: ['R-100', 'R-101'] },
        { itemCode: 'FILM', plannedQuantity: 20, unit: 'm' },
        { itemCode: 'SENSOR', plannedQuantity: 2, unit: 'pc', serialNumbers: ['SN-1', 'SN-2', 'SN-3'] },
      ],
    });
    const shelf = bridge.simulator.seedStorageLocation('A-01');
    // The first reservations and the first issue are committed, and their answers lost.
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'inventory/StockBatchNumbers', times: 1 });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'inventory/StockSerialNumbers', times: 1 });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialIssues', times: 1 });
    const from = (event: ReturnType<typeof consumed>, extra: { batch?: string; storageLocation?: string }) => ({ ...event, ...extra });
    const events = floorEvents(plant, order);
    await postAll([
      events.released('2'),
      from(consumed(plant, order, 'r1', 'RESIN', '3.5', 'kg'), { batch: 'R-100', storageLocation: 'A-01' }),
      from(consumed(plant, order, 'r2', 'RESIN', '2', 'kg'), { batch: 'R-101' }),
      consumed(plant, order, 'r3', 'RESIN', '1', 'kg'), // no batch: Exact cannot take it
      from(consumed(plant, order, 'f1', 'FILM', '10', 'm'), { batch: 'F-9' }), // Exact keeps no batches of film
      consumed(plant, order, 's1', 'SENSOR', '2', 'pc'), // no serial numbers: Exact cannot take it
      events.quantity('q1', '2'),
      events.completed(),
    ]);

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await settledNeedingAttention(handle, 2);
    const byMaterial = (material: string, batch?: string) =>
      stuck.postings.find((p) => p.content.kind === 'MaterialIssue' && p.content.material === material && p.content.batch === batch)!;
    expect([byMaterial('RESIN').error?.type, byMaterial('SENSOR').error?.type]).toEqual(['BatchNumberRequired', 'SerialNumbersRequired']);

    // Each batch issue carries the reservation made for it: same draft id, batch, quantity, type 150; none reserved twice.
    const ledger = await bridge.ledger();
    const reservations = ledger.filter((e) => e.entity === 'inventory/StockBatchNumbers' && e.record.ItemCode === 'RESIN').map((e) => e.record);
    const resin = ledger.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 5102 && e.record.ItemCode === 'RESIN').map((e) => e.record);
    expect(reservations).toHaveLength(2);
    expect(
      resin.map((issue) => {
        const reservation = reservations.find((r) => r.DraftStockTransactionID === issue.DraftStockTransactionID)!;
        return [issue.Quantity, issue.StorageLocation, reservation.BatchNumber, reservation.Quantity, reservation.StockTransactionType];
      }).sort(),
    ).toEqual([
      [2, null, 'R-101', 2, 150],
      [3.5, shelf.ID, 'R-100', 3.5, 150],
    ]);
    // Film is issued; its batch stays in the floor record, and the audit trail says so.
    const film = ledger.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ItemCode === 'FILM' && e.record.ShopOrderNumber === 5102);
    expect(film.map((e) => [e.record.Quantity, e.record.DraftStockTransactionID])).toEqual([[10, null]]);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.find((a) => a.posting.kind === 'MaterialIssue' && a.posting.material === 'FILM' && a.outcome === 'posted')?.notes).toEqual([
      'Exact Online does not manage item FILM by batch: batch F-9 stays in the floor record',
    ]);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'MaterialIssue' && a.posting.material === 'RESIN')).toBe(true);

    // The MES corrects the sensors with their serial numbers (the stopped issue goes again, with them) and the batchless resin.
    const correction = (id: string, replacement: object) => corrected(plant, order, id, 'read from the label', replacement);
    expect((await bridge.post(`/v1/orders/${plant}/${order}/postings/${byMaterial('RESIN').sequence}/skip`, { reason: 'replaced by the corrected event' })).status).toBe(200);
    await postAll([correction('r3', { batch: 'R-101' }), correction('s1', { serialNumbers: ['SN-1', 'SN-3'] })]);
    const settled = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(settled.erpSyncStatus).toBe('InSync');
    const after = await bridge.ledger();
    expect(total(after.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 5102 && e.record.ItemCode === 'RESIN'))).toBe('6.5');
    expect(after.filter((e) => e.entity === 'inventory/StockBatchNumbers' && e.record.ItemCode === 'RESIN').map((e) => [e.record.BatchNumber, e.record.Quantity]).sort()).toEqual([
      ['R-100', 3.5],
      ['R-101', 1],
      ['R-101', 2],
    ]);
    // One issue of the two sensors, with their serial numbers reserved once each (type 150) under its draft id.
    const sensors = after.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 5102 && e.record.ItemCode === 'SENSOR').map((e) => e.record);
    expect(sensors.map((s) => [s.Quantity, s.IsSerial])).toEqual([[2, 1]]);
    const serials = after.filter((e) => e.entity === 'inventory/StockSerialNumbers' && e.record.DraftStockTransactionID === sensors[0]!.DraftStockTransactionID);
    expect(serials.map((e) => [e.record.SerialNumber, e.record.StockTransactionType]).sort()).toEqual([['SN-1', 150], ['SN-3', 150]]);
  });

  it('takes batch and serial items back the Exact way: what is left without a quantity, a part with its numbers named', async () => {
    const plant = newPlant();
    const order = '5106';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 5106, itemCode: 'PUMP', plannedQuantity: 3, unit: 'pc',
      materials: [
        { itemCode: 'GASKET', plannedQuantity: 6, unit: 'kg', batchNumbers: ['G-1', 'G-2'] },
        { itemCode: 'MOTOR', plannedQuantity: 3, unit: 'pc', serialNumbers: ['M-1', 'M-2', 'M-3', 'M-4'] },
      ],
    });
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const inSync = () => eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && !v.postings.some((p) => p.status === 'Pending'));
    const events = floorEvents(plant, order);
    const motors = (id: string, serialNumbers: string[]) => ({ ...consumed(plant, order, id, 'MOTOR', String(serialNumbers.length), 'pc'), serialNumbers });
    await postAll([
      events.released('3'),
      { ...consumed(plant, order, 'g1', 'GASKET', '5', 'kg'), batch: 'G-1' },
      { ...consumed(plant, order, 'g2', 'GASKET', '2', 'kg'), batch: 'G-2' },
      motors('m1', ['M-1', 'M-2', 'M-3']),
    ]);
    await inSync();
    await postAll([motors('m2', ['M-4'])]);
    await inSync();

    // Recounted: 3.5 kg of G-1, no G-2 at all, motor M-2 went back to the shelf and M-4 was never fitted. A reversal's answer is lost.
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialReversals', times: 1 });
    const correction = (id: string, replacement?: object) => corrected(plant, order, id, 'recounted', replacement);
    await postAll([correction('g1', { quantity: '3.5' }), correction('g2'), correction('m1', { quantity: '2', serialNumbers: ['M-1', 'M-3'] }), correction('m2')]);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.filter((p) => p.content.kind === 'Reversal' && p.status === 'Posted').length === 4);

    const ledger = await bridge.ledger();
    const reversals = ledger.filter((e) => e.entity === 'manufacturing/MaterialReversals' && e.record.ShopOrderNumber === 5106).map((e) => e.record);
    const numbers = (rows: unknown, field: string) => (rows as Record<string, unknown>[]).map((r) => (field === 'BatchNumber' ? `${String(r.BatchNumber)} ${String(r.Quantity)}` : r.SerialNumber));
    expect(reversals.map((r) => [r.ItemCode, r.Quantity, ...numbers(r.BatchNumbers, 'BatchNumber'), ...numbers(r.SerialNumbers, 'SerialNumber')]).sort()).toEqual([
      ['GASKET', 1.5, 'G-1 1.5'],
      ['GASKET', 2, 'G-2 2'],
      ['MOTOR', 1, 'M-2'],
      ['MOTOR', 1, 'M-4'],
    ]);
    const issued = (item: string) => total(ledger.filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 5106 && e.record.ItemCode === item));
    expect([issued('GASKET'), total(reversals.filter((r) => r.ItemCode === 'GASKET').map((record) => ({ record })))]).toEqual(['7', '3.5']);
    expect(new Set(reversals.map((r) => r.Note)).size).toBe(4);

    // What was left of an issue went back without a quantity; a part went back naming its batch or serial numbers as type 151.
    const sent = bridge.simulator.requestLog().filter((r) => r.method === 'POST' && r.path.endsWith('manufacturing/MaterialReversals')).map((r) => r.body as Record<string, unknown>);
    const shapes = sent.map((b) => [b.Quantity ?? 'rest', ((b.BatchNumbers ?? b.SerialNumbers ?? []) as Record<string, unknown>[]).map((n) => `${String(n.BatchNumber ?? n.SerialNumber)}/${String(n.StockTransactionType)}`).join()].join(' '));
    expect(shapes.sort()).toEqual(['1 M-2/151', '1.5 G-1/151', 'rest ', 'rest ']);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'Reversal' && a.posting.of.kind === 'MaterialIssue')).toBe(true);
  });

  it('receives a batch item into the batch the release names, once; a release without one waits for it', async () => {
    const plant = newPlant();
    const order = '5103';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5103, itemCode: 'KEG', plannedQuantity: 4, unit: 'pc', batchItem: true });
    const putAway = bridge.simulator.seedStorageLocation('FG-01');
    const events = floorEvents(plant, order);
    await postAll([events.released('4'), events.quantity('q1', '4'), events.completed()]);

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await eventually(() => handle.query(statusQuery), (v) => v.postings.some((p) => p.status === 'NeedsAttention'));
    expect(stuck.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')?.error).toMatchObject({ type: 'BatchNumberRequired', message: expect.stringContaining('outputBatch') });
    expect((await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === 5103)).toEqual([]);

    // The MES releases it again with the lot it printed; the first receipt's answer is lost.
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/ShopOrderReceipts', times: 1 });
    const relabelled = { ...events.released('4'), eventId: `${order}-rel-2`, outputBatch: 'L-5103', outputStorageLocation: 'FG-01' };
    expect((await bridge.postEvent(relabelled)).status).toBe(202);
    expect((await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync')).erpSyncStatus).toBe('InSync');

    const ledger = await bridge.ledger();
    const receipts = ledger.filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === 5103).map((e) => e.record);
    expect(receipts.map((r) => [r.Quantity, r.StorageLocation, r.IsBatch])).toEqual([[4, putAway.ID, 1]]);
    const reservations = ledger.filter((e) => e.entity === 'inventory/StockBatchNumbers' && e.record.DraftStockTransactionID === receipts[0]!.DraftStockTransactionID);
    expect(reservations.map((e) => [e.record.BatchNumber, e.record.Quantity, e.record.StockTransactionType, e.record.StorageLocation])).toEqual([['L-5103', 4, 140, putAway.ID]]);
  });

  it('receives by-products against their plan, once through a lost answer, into their batch, and reverses what a correction takes back', async () => {
    const plant = newPlant();
    const order = '5104';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 5104, itemCode: 'PIPE', plannedQuantity: 10, unit: 'pc',
      materials: [
        { itemCode: 'SWARF', plannedQuantity: 0, unit: 'kg', byProduct: true },
        { itemCode: 'REGRIND', plannedQuantity: 0, unit: 'kg', byProduct: true, batchNumbers: [] },
      ],
    });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/ByProductReceipts', times: 1 });
    const base = { source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T11:00:00+01:00', type: 'ByProductReported' };
    const swarf = { ...base, eventId: `${order}-b1`, material: 'SWARF', quantity: '1.25', unit: 'kg' };
    const events = floorEvents(plant, order);
    await postAll([
      events.released('10'),
      swarf,
      swarf,
      { ...base, eventId: `${order}-b2`, material: 'SWARF', quantity: '0.5', unit: 'kg' },
      { ...base, eventId: `${order}-b3`, material: 'REGRIND', quantity: '2', unit: 'kg', batch: 'RG-1' },
      events.quantity('q1', '10'),
      events.completed(),
    ]);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    expect((await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync')).erpSyncStatus).toBe('InSync');
    // The scale was off: the first swarf weighing was 1 kg. The reversal's answer is lost too.
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/ByProductReversals', times: 1 });
    const correction = { ...base, eventId: `${order}-b1-fix`, type: 'EventCorrected', correctsEventId: `${order}-b1`, reason: 'scale recalibrated', replacement: { quantity: '1' } };
    expect((await bridge.postEvent(correction)).status).toBe(202);
    const settled = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.some((p) => p.content.kind === 'Reversal'));
    expect(settled.byProducts.map((b) => [b.material, b.quantity]).sort()).toEqual([['REGRIND', '2'], ['SWARF', '1.5']]);

    const ledger = await bridge.ledger();
    const received = ledger.filter((e) => e.entity === 'manufacturing/ByProductReceipts' && e.record.ShopOrderNumber === 5104).map((e) => e.record);
    const reversed = ledger.filter((e) => e.entity === 'manufacturing/ByProductReversals' && e.record.ShopOrderNumber === 5104).map((e) => e.record);
    const net = (item: string) =>
      received.filter((r) => r.ItemCode === item).reduce((t, r) => t.plus(String(r.Quantity)), new Big(0))
        .minus(reversed.filter((r) => r.ItemCode === item).reduce((t, r) => t.plus(String(r.Quantity)), new Big(0))).toString();
    expect([net('SWARF'), net('REGRIND')]).toEqual(['1.5', '2']);
    expect(reversed).toHaveLength(1);
    const regrind = received.find((r) => r.ItemCode === 'REGRIND')!;
    expect(ledger.filter((e) => e.entity === 'inventory/StockBatchNumbers' && e.record.DraftStockTransactionID === regrind.DraftStockTransactionID).map((e) => [e.record.BatchNumber, e.record.Quantity, e.record.StockTransactionType])).toEqual([['RG-1', 2, 147]]);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'ByProductReceipt')).toBe(true);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'Reversal' && a.posting.of.kind === 'ByProductReceipt')).toBe(true);
  });

  it('receives serialized output and by-products with their serial numbers, once through lost answers; a correction takes a receipt back whole', async () => {
    const plant = newPlant();
    const order = '5107';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 5107, itemCode: 'GEARBOX', plannedQuantity: 3, unit: 'pc', serialItem: true,
      materials: [{ itemCode: 'CORE', plannedQuantity: 0, unit: 'pc', byProduct: true, serialNumbers: [] }],
    });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'inventory/StockSerialNumbers', times: 1 });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/ShopOrderReceipts', times: 1 });
    const events = floorEvents(plant, order);
    const good = (id: string, serialNumbers: string[]) => ({ ...events.quantity(id, String(serialNumbers.length)), serialNumbers });
    const cores = { eventId: `${order}-b1`, type: 'ByProductReported', source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T11:00:00+01:00', material: 'CORE', quantity: '2', unit: 'pc', serialNumbers: ['C-1', 'C-2'] };
    await postAll([events.released('3'), good('q1', ['G-1', 'G-2']), good('q2', ['G-3']), cores, events.completed()]);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    expect((await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.length === 2)).erpSyncStatus).toBe('InSync');

    // G-2 was a misread label (it is G-4), and C-2 was never cast. Receipts go back whole, and what stays is received again.
    const correction = (id: string, replacement: object) => corrected(plant, order, id, 'label re-read', replacement);
    await postAll([correction('q1', { serialNumbers: ['G-1', 'G-4'] }), correction('b1', { quantity: '1', serialNumbers: ['C-1'] })]);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.filter((p) => p.status === 'Posted').length === 6);

    const ledger = await bridge.ledger();
    const reserved = (draft: unknown) =>
      ledger.filter((e) => e.entity === 'inventory/StockSerialNumbers' && e.record.DraftStockTransactionID === draft).map((e) => `${String(e.record.SerialNumber)}/${String(e.record.StockTransactionType)}`).sort();
    const stock = (entity: string) => ledger.filter((e) => e.entity === entity && e.record.ShopOrderNumber === 5107).map((e) => [e.record.Quantity, ...reserved(e.record.DraftStockTransactionID)]);
    expect(stock('manufacturing/ShopOrderReceipts')).toEqual([
      [3, 'G-1/140', 'G-2/140', 'G-3/140'],
      [3, 'G-1/140', 'G-3/140', 'G-4/140'],
    ]);
    expect(stock('manufacturing/ByProductReceipts')).toEqual([
      [2, 'C-1/147', 'C-2/147'],
      [1, 'C-1/147'],
    ]);
    expect(ledger.filter((e) => ['manufacturing/ShopOrderReversals', 'manufacturing/ByProductReversals'].includes(e.entity) && e.record.ShopOrderNumber === 5107).map((e) => e.record.Quantity).sort()).toEqual([2, 3]);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'FinishedGoodsReceipt')).toBe(true);
  });

  it('moves stock for the order between warehouses and locations, once through a lost answer, and back when a correction lowers it', async () => {
    const plant = newPlant();
    const order = '5105';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5105, itemCode: 'CABINET', plannedQuantity: 5, unit: 'pc', materials: [{ itemCode: 'PANEL', plannedQuantity: 20, unit: 'pc' }] });
    bridge.simulator.seedItem('GLUE', 'kg', { batchNumbers: ['G-1'] });
    const rack = bridge.simulator.seedStorageLocation('R-01');
    const spare = bridge.simulator.seedStorageLocation('R-02');
    const lineSide = bridge.simulator.seedStorageLocation('L1-A', 'LINE-1');
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'inventory/WarehouseTransfers', times: 1 });
    const move = (id: string, material: string, quantity: string, unit: string, way: object) => ({
      eventId: `${order}-${id}`, type: 'StockTransferred', source: 'test-wms', plant, productionOrder: order, occurredAt: '2026-11-25T07:00:00+01:00', material, quantity, unit, ...way,
    });
    const events = floorEvents(plant, order);
    await postAll([
      events.released('5'),
      move('t1', 'PANEL', '20', 'pc', { fromStorageLocation: 'R-01', toWarehouse: 'LINE-1', toStorageLocation: 'L1-A' }), // staged to the line
      move('t2', 'PANEL', '2', 'pc', { fromStorageLocation: 'R-01', toStorageLocation: 'R-02' }), // a location transfer
      move('t3', 'GLUE', '1.5', 'kg', { toWarehouse: 'LINE-1', toStorageLocation: 'L1-A' }), // a batch item
      move('t4', 'PANEL', '1', 'pc', { toStorageLocation: 'R-02' }), // within the warehouse, but from where?
    ]);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await settledNeedingAttention(handle, 2);
    expect(stuck.postings.filter((p) => p.status === 'NeedsAttention').map((p) => p.error?.type).sort()).toEqual(['StorageLocationRequired', 'TransferOfBatchItemNotSupported']);

    // Five panels were never taken to the line: the staging is corrected, and five go back (that answer lost too).
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'inventory/WarehouseTransfers', times: 1 });
    await postAll([{ ...move('t1-fix', 'PANEL', '0', 'pc', {}), type: 'EventCorrected', correctsEventId: `${order}-t1`, reason: 'recounted at the line', replacement: { quantity: '15' } }]);
    const settled = await eventually(() => handle.query(statusQuery), (v) => v.postings.some((p) => p.content.kind === 'Reversal' && p.status === 'Posted'));
    expect(settled.transfers.map((t) => [t.toStorageLocation, t.quantity]).sort()).toEqual([['L1-A', '1.5'], ['L1-A', '15'], ['R-02', '1'], ['R-02', '2']]);

    const transfers = (await bridge.ledger()).filter((e) => e.entity === 'inventory/WarehouseTransfers' && String(e.record.Remarks).startsWith(`production-order/${plant}/`)).map((e) => e.record);
    const lines = transfers.map((t) => {
      const [line] = t.WarehouseTransferLines as Record<string, unknown>[];
      return [t.WarehouseFromCode, line!.StorageLocationFrom, t.WarehouseToCode, line!.StorageLocationTo, line!.ItemCode, line!.Quantity, t.Status];
    });
    expect(lines).toEqual([
      ['1', rack.ID, 'LINE-1', lineSide.ID, 'PANEL', 20, 50],
      ['1', rack.ID, '1', spare.ID, 'PANEL', 2, 50],
      ['LINE-1', lineSide.ID, '1', rack.ID, 'PANEL', 5, 50],
    ]);
    expect(new Set(transfers.map((t) => t.Remarks)).size).toBe(3);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'StockTransfer')).toBe(true);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'Reversal' && a.posting.of.kind === 'StockTransfer')).toBe(true);
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
