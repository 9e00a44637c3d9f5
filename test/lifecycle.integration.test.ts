/**
 * The rest of an order's life in Exact Online, for real (dev server, simulator over
 * HTTP, PostgreSQL): operations confirmed and hours booked as time transactions,
 * master data transforming units and backflush modes, corrections reversing what
 * Exact holds (also after the order closed), and what operators see and do.
 */
import { randomUUID } from 'node:crypto';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_EMPLOYEE_ID } from '../src/erp/exact/simulator';
import { errorsQuery, productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { factTableProblems } from './exactFacts';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('an order, from release to its last correction, in Exact Online', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ POSTING_BATCH_WINDOW: '0', ORDER_CLOSE_AFTER: '1s' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const envelope = (plant: string, order: string, id: string, occurredAt = '2026-11-25T09:00:00Z') => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt });
  const entries = async (entity: string, shopOrderNumber: number) => (await bridge.ledger()).filter((e) => e.entity === `manufacturing/${entity}` && (e.record.ShopOrderNumber === shopOrderNumber || e.record.ShopOrder === shopOrderNumber));
  const total = (rows: { record: Record<string, unknown> }[], field = 'Quantity') => rows.reduce((t, r) => t.plus(String(r.record[field] ?? 0)), new Big(0)).toString();
  const orderHandle = (plant: string, order: string) => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
  const settle = (plant: string, order: string) => eventually(() => orderHandle(plant, order).query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.orderStatus === 'Completed');

  it('confirms operations and books labour and machine hours as time transactions, with the operator mapping an unknown employee', async () => {
    const plant = newPlant();
    const order = '6101';
    const shopOrder = bridge.simulator.seedShopOrder({
      shopOrderNumber: 6101, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc',
      routing: [{ operation: '0010', workCentre: 'SAW-01' }, { operation: '0020', workCentre: 'WELD-01' }],
    });
    const welder = bridge.simulator.seedEmployee();
    const e = (id: string, fields: object) => ({ ...envelope(plant, order, id), ...fields });
    const release = { ...floorEvents(plant, order).released('10'), operations: [{ operation: '0010', workCentre: 'SAW-01' }, { operation: '0020', workCentre: 'WELD-01' }] };
    for (const event of [
      release,
      e('s1', { type: 'OperationStarted', operation: '0010', machine: 'SAW-01' }),
      e('q1', { type: 'QuantityReported', operation: '0010', good: '10', scrap: '1', unit: 'pc', reasonCode: 'BURR' }),
      e('t1', { type: 'TimeBooked', activity: 'machine', hours: '1.75', operation: '0010', workCentre: 'SAW-01' }),
      e('c1', { type: 'OperationCompleted', operation: '0010' }),
      e('q2', { type: 'QuantityReported', operation: '0020', good: '10', unit: 'pc' }),
      e('t2', { type: 'TimeBooked', activity: 'labour', hours: '2.5', operation: '0020', employee: 'BADGE-17' }),
      e('t3', { type: 'TimeBooked', activity: 'setup', hours: '0.5', operation: '0020', workCentre: 'WELD-01' }),
      e('c2', { type: 'OperationCompleted', operation: '0020' }),
      floorEvents(plant, order).completed(),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = orderHandle(plant, order);
    const stuck = await eventually(() => handle.query(statusQuery), (v) => v.postings.some((p) => p.status === 'NeedsAttention') && !v.postings.some((p) => p.status === 'Pending'));
    expect(stuck.postings.filter((p) => p.status === 'NeedsAttention').map((p) => p.error?.type)).toEqual(['UnknownEmployee']);

    expect((await bridge.post(`/v1/orders/${plant}/${order}/mappings`, { employees: { 'BADGE-17': welder } })).status).toBe(200);
    const view = await settle(plant, order);
    expect(view.operations.map((o) => [o.operation, o.quantities.good, o.quantities.scrap, o.completedOn])).toEqual([
      ['0010', '10', '1', '2026-11-25'],
      ['0020', '10', '0', '2026-11-25'],
    ]);

    const transactions = (await bridge.ledger()).filter((l) => l.entity === 'manufacturing/TimeTransactions' && l.record.ShopOrder === shopOrder.ID);
    const steps = new Map((await fetch(`${bridge.simulatorUrl}/api/v1/123456/manufacturing/ShopOrderRoutingStepPlans?$filter=ShopOrder eq guid'${String(shopOrder.ID)}'&$select=ID,OperationCode`, { headers: { Authorization: 'Bearer simulator-access-token' } }).then((r) => r.json() as Promise<any>)).d.results.map((r: any) => [r.ID, r.OperationCode]));
    const of = (operation: string, match: (r: Record<string, unknown>) => boolean) => transactions.filter((t) => steps.get(t.record.RoutingStepPlan) === operation && match(t.record));
    const isConfirmation = (r: Record<string, unknown>) => r.Hours === 0 && r.LaborHours === 0;
    for (const operation of ['0010', '0020']) {
      // Confirmations (however the workflow batched them) add up to the yield, and the last one is final.
      const confirmations = of(operation, isConfirmation);
      expect(total(confirmations), `yield of ${operation}`).toBe('10');
      expect(confirmations.at(-1)!.record.IsOperationFinished, `${operation} final`).toBe(1);
      expect(confirmations.every((c) => c.record.Employee === SIMULATOR_EMPLOYEE_ID && c.record.Activity === 20)).toBe(true);
    }
    expect(of('0010', (r) => !isConfirmation(r)).map((t) => [t.record.Activity, t.record.Hours, t.record.Employee])).toEqual([[20, 1.75, SIMULATOR_EMPLOYEE_ID]]);
    expect(of('0020', (r) => !isConfirmation(r)).map((t) => [t.record.Activity, t.record.Hours, t.record.LaborHours, t.record.Employee])).toEqual(
      expect.arrayContaining([
        [20, 0, 2.5, welder], // labour hours, on the mapped employee
        [10, 0.5, 0, SIMULATOR_EMPLOYEE_ID], // setup
      ]),
    );
    expect(transactions.every((t) => typeof t.record.Notes === 'string' && String(t.record.Notes).startsWith(`production-order/${plant}/${order}#`))).toBe(true);
    expect(total(await entries('ShopOrderReceipts', 6101))).toBe('10');
    // Exact keeps no scrap on time transactions: the audit trail says so instead of losing it silently.
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.flatMap((a) => a.notes)).toEqual([expect.stringContaining('1 scrap and 0 rework pc of operation 0010')]);
    // The audit trail names the floor events each posting carried (the completion may ride along with the report).
    expect(attempts.find((a) => a.posting.kind === 'OperationConfirmation')?.sourceEventIds).toContain(`${order}-q1`);
    expect(attempts.find((a) => a.posting.kind === 'TimePosting' && a.posting.activity === 'labour')?.sourceEventIds).toEqual([`${order}-t2`]);
  });

  it('transforms units, honours backflush modes and derives consumption from output, as master data says', async () => {
    const plant = newPlant();
    const order = '6201';
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 6201, itemCode: 'BRACKET', plannedQuantity: 24, unit: 'pc',
      materials: [
        { itemCode: 'STEEL', plannedQuantity: 10, unit: 'kg' },
        { itemCode: 'SHEET', plannedQuantity: 8, unit: 'kg' },
        { itemCode: 'PAINT', plannedQuantity: 1, unit: 'l', backflush: true },
      ],
    });
    const materials = [
      { plant, material: 'BRACKET', baseUnit: 'pc', conversions: { box: '12' }, decimals: 0 },
      { plant, material: 'STEEL-FLOOR', erpMaterial: 'STEEL', baseUnit: 'kg', conversions: { g: '0.001' }, decimals: 3 },
      { plant, material: 'SHEET', baseUnit: 'kg', decimals: 2, backflush: 'derived' },
      { plant, material: 'PAINT', baseUnit: 'l', backflush: 'erp' },
    ];
    const refused = await bridge.put('/v1/master-data/materials', [{ ...materials[0], backflush: 'sometimes' }, { plant, material: 'X' }]);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '0.backflush' }), expect.objectContaining({ field: '1.baseUnit' })]));
    expect((await bridge.put('/v1/master-data/materials', materials)).status).toBe(200);
    const badBom = await bridge.put(`/v1/master-data/boms/${plant}/BRACKET`, { components: [{ component: 'SHEET', quantityPer: '0.3', yieldFactor: '1.2' }] });
    expect(badBom.status).toBe(400);
    expect(badBom.body.errors).toEqual([expect.objectContaining({ field: 'components.0.yieldFactor', message: 'must be at most 1' })]);
    expect((await bridge.put(`/v1/master-data/boms/${plant}/BRACKET`, { components: [{ component: 'SHEET', quantityPer: '0.3', yieldFactor: '0.95', scrapAllowance: '0.02' }] })).status).toBe(200);

    const e = (id: string, fields: object) => ({ ...envelope(plant, order, id), ...fields });
    for (const event of [
      floorEvents(plant, order).released('24'),
      e('m1', { type: 'MaterialConsumed', material: 'STEEL-FLOOR', quantity: '2500.4', unit: 'g' }),
      e('m2', { type: 'MaterialConsumed', material: 'PAINT', quantity: '0.9', unit: 'l' }),
      e('m3', { type: 'MaterialConsumed', material: 'SHEET', quantity: '99', unit: 'kg' }), // derived: the floor's figure is not issued
      e('q1', { type: 'QuantityReported', good: '2', scrap: '0', unit: 'box' }),
      e('q2', { type: 'QuantityReported', good: '0', scrap: '1', unit: 'pc' }),
      floorEvents(plant, order).completed(),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const view = await settle(plant, order);
    expect(view).toMatchObject({ good: '24', scrap: '1' });
    expect(view.consumption.map((c) => [c.material, c.backflush])).toEqual([['STEEL-FLOOR', 'actual'], ['PAINT', 'erp'], ['SHEET', 'derived']]);
    const issues = await entries('MaterialIssues', 6201);
    const issued = (item: string) => total(issues.filter((i) => i.record.ItemCode === item));
    expect(issued('STEEL')).toBe('2.5'); // 2500.4 g in kg, to Exact's three decimals for steel
    expect(issued('SHEET')).toBe('8.05'); // 25 produced × 0.3 × 1.02 ÷ 0.95 = 8.0526… kg, two decimals
    expect(issued('PAINT')).toBe('0'); // Exact backflushes paint
    expect(total(await entries('ShopOrderReceipts', 6201))).toBe('24');
    const issueAttempt = (await bridge.audit.attemptsFor(plant, order)).find((a) => a.posting.kind === 'MaterialIssue' && a.posting.material === 'STEEL-FLOOR');
    expect(issueAttempt?.posting).toMatchObject({ erpMaterial: 'STEEL', quantity: '2.5', unit: 'kg', basis: 'actual' });
    // The audit trail says how the floor's grams became the ERP's kilograms.
    expect(issueAttempt?.transformation).toBe('STEEL-FLOOR consumed: 2500.4 g × 0.001 = 2.5004 kg, rounded to 3 decimals: 2.5 kg; already carried quantity 0: posts quantity 2.5');
    const sheet = (await bridge.audit.attemptsFor(plant, order)).filter((a) => a.posting.kind === 'MaterialIssue' && a.posting.material === 'SHEET').at(-1);
    expect(sheet?.transformation).toMatch(/^SHEET implied by output: 25 produced × 0.3 × \(1 \+ 0.02\) ÷ 0.95 = 8.0526\d* kg, rounded to 2 decimals: 8.05 kg; already carried quantity [\d.]+: posts quantity [\d.]+$/);
  });

  it('reverses what Exact holds when a correction arrives, even after the order has closed', async () => {
    const plant = newPlant();
    const order = '6301';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6301, itemCode: 'PIN', plannedQuantity: 20, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 5, unit: 'kg' }] });
    bridge.simulator.seedWorkCentre('PRESS-01');
    const e = (id: string, fields: object, at?: string) => ({ ...envelope(plant, order, id, at), ...fields });
    const report = e('q1', { type: 'QuantityReported', good: '12', unit: 'pc' });
    const hours = e('h1', { type: 'TimeBooked', activity: 'machine', hours: '3', workCentre: 'PRESS-01' });
    for (const event of [floorEvents(plant, order).released('20'), e('m1', { type: 'MaterialConsumed', material: 'STEEL', quantity: '4', unit: 'kg' }), report, hours, e('q2', { type: 'QuantityReported', good: '8', unit: 'pc' }), floorEvents(plant, order).completed()]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    await settle(plant, order);
    const handle = orderHandle(plant, order);
    const { runId: firstRun } = await eventually(() => handle.describe(), (d) => d.status.name === 'COMPLETED');

    // The next morning the MES corrects a count, and resends an old report as it restarts.
    const fix = (id: string, correctsEventId: string, replacement?: object) => e(id, { type: 'EventCorrected', correctsEventId, reason: 'recount', ...(replacement ? { replacement } : {}) }, '2026-11-26T07:00:00Z');
    expect((await bridge.postEvent([fix('x1', `${order}-q1`, { good: '10' }), fix('x2', `${order}-m1`, { quantity: '3.5' }), fix('x3', `${order}-h1`, { hours: '2.5' }), report])).status).toBe(202);
    const reopened = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.good === '18');
    expect(reopened).toMatchObject({ good: '18', duplicatesIgnored: 1 });
    expect((await handle.describe()).runId).not.toBe(firstRun);

    expect(total(await entries('ShopOrderReceipts', 6301))).toBe('38'); // 20, then 18 after the reversal
    expect(total(await entries('ShopOrderReversals', 6301))).toBe('20');
    expect(total(await entries('MaterialIssues', 6301))).toBe('4');
    expect(total(await entries('MaterialReversals', 6301))).toBe('0.5');
    const reversalAttempt = (await bridge.audit.attemptsFor(plant, order)).find((a) => a.posting.kind === 'Reversal' && a.posting.of.kind === 'MaterialIssue');
    expect(reversalAttempt?.transformation).toBe('STEEL consumed: 3.5 kg; the ERP held quantity 4: reverses quantity 0.5 of posting 1');
    expect(reversalAttempt?.sourceEventIds).toEqual([`${order}-x2`]);
    // Hours are reversed by deleting the time transaction, then booked again as corrected.
    const timeRows = (await bridge.ledger()).filter((l) => l.entity === 'manufacturing/TimeTransactions' && l.record.ShopOrder === (bridge.simulator.ledger().find((x) => x.record.ShopOrderNumber === 6301)?.record.ShopOrder));
    expect(timeRows.map((t) => [t.action, t.record.Hours])).toEqual([['created', 3], ['deleted', 3], ['created', 2.5]]);
    const reversal = (await entries('MaterialReversals', 6301))[0]!;
    expect(reversal.record.TransactionDate).toBe(`/Date(${Date.parse('2026-11-26T00:00:00Z')})/`);
  });

  it('shows a rejected event until an operator acknowledges it, and finds orders needing attention through visibility', async () => {
    const plant = newPlant();
    const order = '6401';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6401, itemCode: 'PIN', plannedQuantity: 5, unit: 'pc' });
    for (const event of [floorEvents(plant, order).released('5'), floorEvents(plant, order).quantity('kg', '2', '0', 'kg')]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = orderHandle(plant, order);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');
    expect((await handle.query(errorsQuery)).rejectedEvents).toEqual([expect.objectContaining({ eventId: `${order}-kg`, reason: expect.stringContaining('"kg"') })]);
    const listed = async () => {
      const ids: string[] = [];
      for await (const w of bridge.env.client.workflow.list({ query: `ErpSyncStatus = 'NeedsAttention' AND Plant = '${plant}'` })) ids.push(w.workflowId);
      return ids;
    };
    expect(await eventually(listed, (ids) => ids.length > 0)).toEqual([productionOrderWorkflowId(plant, order)]);

    const noNote = await bridge.post(`/v1/orders/${plant}/${order}/rejected-events/${order}-kg/acknowledge`, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors).toEqual([expect.objectContaining({ field: 'note' })]);
    const unknown = await bridge.post(`/v1/orders/${plant}/${order}/rejected-events/nope/acknowledge`, { note: 'x' });
    expect(unknown.status).toBe(422);
    const acknowledged = await bridge.post(`/v1/orders/${plant}/${order}/rejected-events/${order}-kg/acknowledge`, { note: 'MES resent it in pieces' });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ erpSyncStatus: 'InSync', rejectedEvents: [{ acknowledged: 'MES resent it in pieces' }] });
    expect(await eventually(listed, (ids) => ids.length === 0)).toEqual([]);
  });

  it('recognises an earlier attempt on every endpoint it writes when Exact committed but the answer was lost', async () => {
    const plant = newPlant();
    const order = '6501';
    const shopOrder = bridge.simulator.seedShopOrder({
      shopOrderNumber: 6501, itemCode: 'HUB', plannedQuantity: 10, unit: 'pc',
      materials: [{ itemCode: 'STEEL', plannedQuantity: 5, unit: 'kg' }],
      routing: [{ operation: '0010', workCentre: 'LATHE-01' }],
    });
    const drop = (method: 'POST' | 'DELETE', entity: string) => bridge.simulator.injectFault({ kind: 'dropResponse', method, path: `manufacturing/${entity}` });
    for (const entity of ['MaterialIssues', 'ShopOrderReceipts', 'TimeTransactions']) drop('POST', entity);
    const e = (id: string, fields: object) => ({ ...envelope(plant, order, id), ...fields });
    for (const event of [
      { ...floorEvents(plant, order).released('10'), operations: [{ operation: '0010', workCentre: 'LATHE-01' }] },
      e('m', { type: 'MaterialConsumed', material: 'STEEL', quantity: '4', unit: 'kg' }),
      e('q', { type: 'QuantityReported', good: '10', unit: 'pc', operation: '0010' }),
      e('t', { type: 'TimeBooked', activity: 'machine', hours: '2', operation: '0010', workCentre: 'LATHE-01' }),
      floorEvents(plant, order).completed(),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    await settle(plant, order);
    // Now corrections, whose reversals lose their answers too.
    drop('POST', 'MaterialReversals');
    drop('POST', 'ShopOrderReversals');
    drop('DELETE', 'TimeTransactions');
    const fix = (id: string, target: string, replacement: object) => e(id, { type: 'EventCorrected', correctsEventId: `${order}-${target}`, reason: 'recount', replacement });
    expect((await bridge.postEvent([fix('x-m', 'm', { quantity: '3' }), fix('x-q', 'q', { good: '9' }), fix('x-t', 't', { hours: '1.5' })])).status).toBe(202);
    await eventually(() => orderHandle(plant, order).query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.good === '9');

    const ledger = (await bridge.ledger()).filter((l) => l.record.ShopOrderNumber === 6501 || l.record.ShopOrder === shopOrder.ID);
    const rows = (entity: string, action = 'created') => ledger.filter((l) => l.entity === `manufacturing/${entity}` && l.action === action);
    expect(rows('MaterialIssues').map((r) => r.record.Quantity)).toEqual([4]);
    expect(rows('MaterialReversals').map((r) => r.record.Quantity)).toEqual([1]);
    expect(rows('ShopOrderReceipts').map((r) => r.record.Quantity)).toEqual([10, 9]);
    expect(rows('ShopOrderReversals').map((r) => r.record.Quantity)).toEqual([10]);
    const time = rows('TimeTransactions').filter((r) => r.record.Hours !== 0).map((r) => r.record.Hours);
    expect(time).toEqual([2, 1.5]);
    // The hours and, since the corrected report lowered its yield, operation 0010's confirmation.
    expect(rows('TimeTransactions', 'deleted').map((r) => [r.record.Hours, r.record.Quantity])).toEqual(expect.arrayContaining([[2, 0], [0, 10]]));
    expect(rows('TimeTransactions').filter((r) => r.record.Hours === 0).map((r) => r.record.Quantity)).toEqual([10, 9]);
    // Each lost answer was followed by a look-up that found the document, not by a second post.
    const found = (await bridge.audit.attemptsFor(plant, order)).filter((a) => a.outcome === 'found-existing');
    // Time transactions carry both hours and confirmations: whichever the fault met first.
    const endpointOf = (kind: string) => kind.replace(/TimePosting|OperationConfirmation/, 'TimeTransaction');
    const kinds = found.map((a) => endpointOf(a.posting.kind === 'Reversal' ? `Reversal of ${a.posting.of.kind}` : a.posting.kind)).sort();
    expect(kinds).toEqual(['FinishedGoodsReceipt', 'MaterialIssue', 'Reversal of FinishedGoodsReceipt', 'Reversal of MaterialIssue', 'Reversal of TimeTransaction', 'TimeTransaction']);
  });

  it('sent Exact only bodies its fact table takes, on every endpoint the bridge writes (runs last)', () => {
    const writes = bridge.simulator.requestLog().filter((r) => r.method !== 'GET');
    const used = new Set(writes.map((r) => `${r.method} ${r.path.replace(/\(guid'[^']*'\)$/, '')}`));
    expect([...used].sort()).toEqual(
      [
        'DELETE manufacturing/TimeTransactions',
        'POST manufacturing/MaterialIssues',
        'POST manufacturing/MaterialReversals',
        'POST manufacturing/ShopOrderReceipts',
        'POST manufacturing/ShopOrderReversals',
        'POST manufacturing/TimeTransactions',
      ].sort(),
    );
    for (const { path, body } of writes.filter((r) => r.method === 'POST')) {
      expect(factTableProblems(path, 'POST', body as Record<string, unknown>), `${path} ${JSON.stringify(body)}`).toEqual([]);
    }
  });

  it('answers a read of master data, and 404 for a material it does not hold', async () => {
    const plant = newPlant();
    const material = `M-${randomUUID().slice(0, 6)}`;
    expect((await fetch(`${bridge.starterUrl}/v1/master-data/materials/${plant}/${material}`)).status).toBe(404);
    await bridge.put('/v1/master-data/materials', { plant, material, baseUnit: 'kg', conversions: { g: '0.001' } });
    const read = await (await fetch(`${bridge.starterUrl}/v1/master-data/materials/${plant}/${material}`)).json();
    expect(read).toEqual({ plant, material, baseUnit: 'kg', conversions: { g: '0.001' }, backflush: 'actual' });
  });
});
