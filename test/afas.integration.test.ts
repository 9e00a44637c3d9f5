/**
 * AFAS Profit end to end: floor events in, postings through a real worker into the AFAS
 * simulator over HTTP, outcomes read from its ledger. A maintenance window holds postings
 * back until it ends, with nothing lost and one alert; a post whose answer never came (AFAS
 * went on after the bridge gave up) is found, not posted again; operation confirmations are
 * left to AFAS's production, without a problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AfasSimulator, createAfasSimulator } from '../src/erp/afas/simulator';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, newPlant, startBridge } from './harness';

const TOKEN = '0123456789abcdef'.repeat(4);

describe('AFAS Profit', () => {
  const plant = newPlant();
  let afas: AfasSimulator;
  let bridge: Bridge;
  beforeAll(async () => {
    afas = createAfasSimulator({ token: TOKEN });
    const url = await afas.listen(0);
    afas.seedWarehouse('HOOFD');
    afas.seedWarehouse('QUAR');
    afas.seedItem('STEEL', 'kg', { decimals: 3 });
    afas.seedItem('BRACKET', 'pc');
    afas.seedItem('PAINT', 'l', { decimals: 4 });
    for (const workType of ['INSTEL', 'MACHINE', 'ARBEID']) afas.seedWorkType(workType);
    afas.seedJournal('MEM');
    afas.seedAccount('3000', '3100', '4990', '8010', '8020');
    bridge = await startBridge(
      { AFAS_TOKEN: TOKEN },
      { connections: [{ id: 'afas-test', erp: 'afas', plants: [plant], baseUrl: url, token: '${AFAS_TOKEN}', afasPlants: { [plant]: { warehouse: 'HOOFD', location: 'A1', quarantine: { warehouse: 'QUAR' } } }, defaultEmployee: 'E001', planningPlant: plant, maxPostingsPerSecond: 8, timeoutMs: 1500, productionOrders: { getConnector: 'Shopfloor_ProductionOrders', statuses: { Vrijgegeven: 'released', Gereed: 'finished' } }, productionPreparations: 'create', periodClose: { journal: 'MEM', accounts: { workInProgress: '3100', finishedGoods: '3000', materialVariance: '8010', conversionVariance: '8020' } } }] },
    );
  });
  afterAll(async () => {
    await bridge?.teardown();
    await afas?.close();
  });

  const event = (order: string, id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-30T08:00:00+01:00', ...fields });
  const view = (order: string) => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)).query(statusQuery);
  const orderEvents = (order: string) => [
    event(order, 'rel', { type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '10', unit: 'pc', operations: [{ operation: '10', workCentre: 'LASER' }] }),
    event(order, 'steel', { type: 'MaterialConsumed', material: 'STEEL', quantity: '4.5', unit: 'kg' }),
    event(order, 'q', { type: 'QuantityReported', operation: '10', good: '10', unit: 'pc' }),
    event(order, 'laser', { type: 'TimeBooked', activity: 'machine', hours: '1.5', operation: '10', workCentre: 'LASER' }),
    event(order, 'done', { type: 'OrderCompleted' }),
  ];
  const productionsOf = (order: string) => afas.productions.filter((p) => String(p.Remark).endsWith(`order ${order}`));
  const partsOf = (order: string) => afas.productionParts.filter((part) => productionsOf(order).some((p) => p.Id === part.ProductionId));
  const posted = (order: string) => ({
    productions: productionsOf(order).length,
    parts: partsOf(order).length,
    realizations: afas.realizations.filter((r) => String(r.Description).includes(`order ${order}`)).length,
  });

  it('holds postings back through a maintenance window, loses nothing, and raises one alert', async () => {
    const order = 'AF-1';
    afas.maintenance(3);
    for (const e of orderEvents(order)) expect((await bridge.postEvent(e)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(posted(order)).toEqual({ productions: 0, parts: 0, realizations: 0 });
    afas.maintenance(undefined);
    const done = await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    expect(posted(order)).toEqual({ productions: 1, parts: 1, realizations: 1 });
    // The confirmation of operation 10 is AFAS's production's to carry, and so is the steel it took: no posting of either, no problem.
    expect(done.planningProblems).toEqual([]);
    expect(done.postings.map((p) => p.content.kind).sort()).toEqual(['FinishedGoodsReceipt', 'TimePosting']);
    expect(partsOf(order)[0]).toMatchObject({ ItemCode: 'STEEL', Quantity: '4.5', Warehouse: 'HOOFD', Location: 'A1' });
    expect(afas.realizations[0]).toMatchObject({ WorkType: 'MACHINE', Employee: 'E001', Quantity: '1.5' });
    const alerts = async () => {
      const ids: string[] = [];
      for await (const w of bridge.env.client.workflow.list({ query: "WorkflowType = 'deliverAlert'" })) if (w.workflowId.includes('/erp-connection/afas-test/unavailable/')) ids.push(w.workflowId);
      return ids;
    };
    expect(await eventually(alerts, (ids) => ids.length > 0, 20_000)).toHaveLength(1);
  });

  it('finds a post AFAS finished after the bridge gave up on its answer, and posts it once', async () => {
    const order = 'AF-2';
    afas.loseNextAnswer();
    const before = posted(order);
    for (const e of orderEvents(order)) expect((await bridge.postEvent(e)).status).toBe(202);
    await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    expect(posted(order)).toEqual({ productions: 1, parts: 1, realizations: before.realizations + 1 });
  });

  it('posts once what AFAS booked while the bridge had given up waiting for its answer', async () => {
    const order = 'AF-4';
    // The production is booked at once, answered after 4 s: past the connection's 1.5 s timeout.
    afas.answerNextPostAfter(4000, 'FbAssembly');
    for (const e of orderEvents(order)) expect((await bridge.postEvent(e)).status).toBe(202);
    const done = await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    expect(posted(order)).toEqual({ productions: 1, parts: 1, realizations: 1 });
    expect(done.postings.map((p) => p.content.kind).sort()).toEqual(['FinishedGoodsReceipt', 'TimePosting']);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.map((a) => a.outcome)).toEqual(expect.arrayContaining(['retryable-error', 'found-existing']));
  });

  it("books the order's production with what it produced and every component it consumed, at AFAS's precision, the remainder carried", async () => {
    const order = 'AF-5';
    const events = [
      event(order, 'rel', { type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '12', unit: 'pc', outputBatch: 'B-AF5' }),
      event(order, 's1', { type: 'MaterialConsumed', material: 'STEEL', quantity: '1.23456', unit: 'kg' }),
      event(order, 's2', { type: 'MaterialConsumed', material: 'STEEL', quantity: '2.00007', unit: 'kg' }),
      event(order, 'p1', { type: 'MaterialConsumed', material: 'PAINT', quantity: '0.33333', unit: 'l' }),
      event(order, 'q', { type: 'QuantityReported', good: '11', scrap: '1', unit: 'pc' }),
      event(order, 'done', { type: 'OrderCompleted' }),
    ];
    for (const e of events) expect((await bridge.postEvent(e)).status).toBe(202);
    await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    expect(productionsOf(order)).toEqual([expect.objectContaining({ ItemCode: 'BRACKET', Quantity: '11', Batch: 'B-AF5', Warehouse: 'HOOFD' })]);
    expect(partsOf(order).map((p) => [p.ItemCode, p.Quantity, p.Batch])).toEqual([
      ['STEEL', '3.2346', ''],
      ['PAINT', '0.3333', ''],
    ]);
    // Steel the floor reports after the production: a production of the parts alone, the 0.00003 kg the first left carried into it.
    expect((await bridge.postEvent(event(order, 's3', { type: 'MaterialConsumed', material: 'STEEL', quantity: '0.00002', unit: 'kg' }))).status).toBe(202);
    await eventually(async () => partsOf(order).length, (n) => n === 3, 30_000);
    expect(partsOf(order).at(-1)).toMatchObject({ ItemCode: 'STEEL', Quantity: '0.0001' });
    expect(productionsOf(order).at(-1)).toMatchObject({ Quantity: '0' });
  });

  it("reads the customer's production orders GetConnector through the connection's field mapping, and drops what it no longer shows", async () => {
    const rows = [
      { Id: 1, OrderNumber: 'PR-1001', ItemCode: 'BRACKET', Description: 'Brackets for line 2', Quantity: 250, QuantityProduced: 0, Unit: 'pc', Status: 'Vrijgegeven', StartDate: '2026-12-02T00:00:00Z', EndDate: '2026-12-04T00:00:00Z' },
      { Id: 2, OrderNumber: 'PR-1002', ItemCode: 'BRACKET', Quantity: '12.5', Unit: 'pc', Status: 'Concept' },
      { Id: 3, OrderNumber: 'PR-1003', ItemCode: 'GEAR', Quantity: 40, QuantityProduced: 40, Unit: 'pc', Status: 'Gereed' },
    ];
    afas.publishGetConnector('Shopfloor_ProductionOrders', rows);
    const orders = async () => {
      await bridge.post(`/v1/planning/afas/${plant}/sync`, {});
      const all = (await bridge.get(`/v1/planning/orders?plant=${plant}`)).body.orders as { erpOrder: string; status: string; plannedQuantity: string; plannedStart?: string; description?: string }[];
      // The production orders the bridge prepared for floor orders show there too; these are the planner's.
      return all.filter((o) => o.erpOrder.startsWith('PR-')).map((o) => [o.erpOrder, o.status, o.plannedQuantity, o.plannedStart ?? null]);
    };
    // A concept order is not the floor's yet.
    expect(await eventually(orders, (o) => o.length === 2, 20_000)).toEqual([
      ['PR-1001', 'released', '250', '2026-12-02'],
      ['PR-1003', 'finished', '40', null],
    ]);
    rows.splice(2, 1);
    expect(await eventually(orders, (o) => o.length === 1, 20_000)).toEqual([['PR-1001', 'released', '250', '2026-12-02']]);
  });

  it("names the order's production order in its production, and prepares it where AFAS holds none", async () => {
    afas.publishGetConnector('Shopfloor_ProductionOrders', [{ Id: 7, OrderNumber: 'PR-2001', ItemCode: 'BRACKET', Quantity: 10, Unit: 'pc', Status: 'Vrijgegeven' }]);
    for (const order of ['PR-2001', 'AF-P1']) {
      for (const e of orderEvents(order)) expect((await bridge.postEvent(e)).status).toBe(202);
      await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    }
    // The planner's order is AFAS's already: linked, not prepared again. The floor's own is prepared first, once.
    expect(productionsOf('PR-2001').map((p) => p.Preparation)).toEqual(['PR-2001']);
    expect(productionsOf('AF-P1').map((p) => p.Preparation)).toEqual(['AF-P1']);
    expect(afas.ledger().preparations.filter((p) => ['PR-2001', 'AF-P1'].includes(String(p.OrderNumber)))).toEqual([expect.objectContaining({ OrderNumber: 'AF-P1', ItemCode: 'BRACKET', Quantity: '10' })]);
  });

  it("keeps AFAS's items and compositions as the plant's master data", async () => {
    afas.seedItem('GEAR', 'pc');
    afas.seedItem('SHAFT-STEEL', 'kg', { decimals: 3 });
    afas.seedComposition('GEAR', [{ item: 'SHAFT-STEEL', quantity: 0.75 }]);
    const material = async (code: string) => {
      const answer = await fetch(`${bridge.starterUrl}/v1/master-data/materials/${plant}/${code}`);
      return answer.status === 200 ? ((await answer.json()) as { baseUnit: string; decimals?: number | null }) : undefined;
    };
    await eventually(async () => {
      await bridge.post(`/v1/planning/afas/${plant}/sync`, { fullRead: true });
      return material('SHAFT-STEEL');
    }, (m) => m !== undefined, 20_000);
    expect(await material('GEAR')).toMatchObject({ baseUnit: 'pc', decimals: 0 });
    expect(await material('SHAFT-STEEL')).toMatchObject({ baseUnit: 'kg' });
    const bom = (await (await fetch(`${bridge.starterUrl}/v1/master-data/boms/${plant}/GEAR`)).json()) as { components: { component: string; quantityPer: string }[] };
    expect(bom.components.map((c) => [c.component, c.quantityPer])).toEqual([['SHAFT-STEEL', '0.75']]);
  });

  it('puts output a quality decision blocks into the quarantine warehouse, and a release back', async () => {
    const order = 'AF-3';
    const stockOf = (item: string) => {
      const byWarehouse: Record<string, number> = {};
      for (const row of afas.ledger().stock.filter((r) => r.item === item)) byWarehouse[row.warehouse!] = (byWarehouse[row.warehouse!] ?? 0) + Number(row.quantity);
      return byWarehouse;
    };
    const before = stockOf('BRACKET').HOOFD ?? 0;
    const decision = (id: string, fields: object) => event(order, id, { type: 'QualityResult', inspection: 'FAI-AF-3', unit: 'pc', ...fields });
    for (const e of [...orderEvents(order), decision('block', { result: 'rejected', disposition: 'block', quantity: '3' })]) expect((await bridge.postEvent(e)).status).toBe(202);
    await eventually(async () => stockOf('BRACKET').QUAR, (q) => q === 3, 30_000);
    expect(stockOf('BRACKET').HOOFD).toBe(before + 7);
    expect((await bridge.postEvent(decision('release', { result: 'accepted', disposition: 'release', quantity: '1' }))).status).toBe(202);
    await eventually(async () => stockOf('BRACKET').QUAR, (q) => q === 2, 30_000);
    expect(stockOf('BRACKET').HOOFD).toBe(before + 8);
    const done = await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync');
    // The quarantine is a warehouse of its own: each move is a warehouse transfer in AFAS's three steps.
    expect(done.postings.filter((p) => p.lineKey === 'hold').map((p) => [p.content.kind, p.status, p.erpDocumentId?.startsWith('warehouse-transfer:')])).toEqual([
      ['QualityHold', 'Posted', true],
      ['Reversal', 'Posted', true],
    ]);
  });

  it("moves stock between warehouses in AFAS's three steps, each once though the dispatch's answer was lost", async () => {
    const order = 'AF-T1';
    afas.seedWarehouse('EXPEDITIE');
    afas.loseNextAnswer('FbWarTransferOut');
    const events = [
      event(order, 'rel', { type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '10', unit: 'pc' }),
      event(order, 'move', { type: 'StockTransferred', material: 'STEEL', quantity: '12.5', unit: 'kg', toWarehouse: 'EXPEDITIE', toStorageLocation: 'D4' }),
    ];
    for (const e of events) expect((await bridge.postEvent(e)).status).toBe(202);
    const done = await eventually(() => view(order), (v) => v.postings.some((p) => p.status === 'Posted'), 30_000);
    const steps = afas.ledger().warehouseTransfers.filter((t) => t.Reference === afas.ledger().warehouseTransfers.find((p) => p.Step === 'prep' && p.From === 'HOOFD' && p.To === 'EXPEDITIE')?.Reference);
    expect(steps.map((t) => t.Step)).toEqual(['prep', 'out', 'in']);
    expect(done.postings[0]!.erpDocumentId).toBe(`warehouse-transfer:${steps.map((t) => t.OrderNumber).join('/')}`);
    const stock = afas.ledger().stock.filter((r) => r.item === 'STEEL');
    expect(stock.find((r) => r.warehouse === 'EXPEDITIE' && r.location === 'D4')?.quantity).toBe('12.5');
    // A correction taking 2.5 kg back moves it the other way, in three steps of its own.
    expect((await bridge.postEvent(event(order, 'fix', { type: 'EventCorrected', correctsEventId: `${order}-move`, reason: 'counted again', replacement: { quantity: '10' } }))).status).toBe(202);
    await eventually(async () => afas.ledger().stock.find((r) => r.item === 'STEEL' && r.warehouse === 'EXPEDITIE')?.quantity, (q) => q === '10', 30_000);
    expect(afas.ledger().warehouseTransfers.filter((t) => t.From === 'EXPEDITIE').map((t) => t.Step)).toEqual(['prep', 'out', 'in']);
  });

  it('closes November: a dry run lists the entries, the booking books them once, WIP to finished goods and the variances to cost of sales', async () => {
    const order = 'AF-C1';
    // At standard a bracket costs 10.00: 1.00 material, 9.00 conversion. Steel costs 2.40 a kg; an hour on the press 64.00.
    expect((await bridge.put('/v1/master-data/materials', [
      { plant, material: 'BRACKET', baseUnit: 'pc', decimals: 0, standardCost: '10.00', standardMaterialCost: '1.00' },
      { plant, material: 'STEEL', baseUnit: 'kg', decimals: 3, standardCost: '2.40' },
    ])).status).toBe(200);
    expect((await bridge.put('/v1/master-data/work-centre-costs', [{ plant, workCentre: 'PRESS', activity: 'machine', ratePerHour: '64', journal: 'MEM', debitAccount: '3100', creditAccount: '4990' }])).status).toBe(200);
    const events = [
      event(order, 'rel', { type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '10', unit: 'pc' }),
      event(order, 'steel', { type: 'MaterialConsumed', material: 'STEEL', quantity: '4.5', unit: 'kg' }),
      event(order, 'press', { type: 'TimeBooked', activity: 'machine', hours: '1.5', workCentre: 'PRESS' }),
      event(order, 'q', { type: 'QuantityReported', good: '10', unit: 'pc' }),
      event(order, 'done', { type: 'OrderCompleted' }),
    ];
    for (const e of events) expect((await bridge.postEvent(e)).status).toBe(202);
    // The close reads what orders closed with: wait until this one has.
    const workflowId = productionOrderWorkflowId(plant, order);
    await eventually(async () => (await bridge.env.client.workflow.getHandle(workflowId).describe()).status.name, (s) => s === 'COMPLETED', 30_000);
    expect(afas.balances()).toEqual({ '3100': '96', '4990': '-96' });

    const close = (body: object) => bridge.post('/v1/erp/connections/afas-test/period-close', { period: '2026-11', ...body });
    const dry = await close({});
    expect(dry.status).toBe(200);
    const ours = (lines: { productionOrder: string; error?: unknown }[]) => lines.filter((l) => l.productionOrder === order);
    expect(ours(dry.body.lines)).toEqual([
      expect.objectContaining({
        outcome: 'planned',
        quantity: '10',
        bookings: [
          expect.objectContaining({ account: 'finishedGoods', debit: '100', credit: '0' }),
          expect.objectContaining({ account: 'workInProgress', debit: '0', credit: '106.8' }),
          expect.objectContaining({ account: 'materialVariance', debit: '0.8', credit: '0' }),
          expect.objectContaining({ account: 'conversionVariance', debit: '6', credit: '0' }),
        ],
      }),
    ]);
    // The orders before standard costs were known get no entry, and the close says why.
    expect(dry.body.problems.length).toBeGreaterThan(0);
    expect(dry.body.openOrders).not.toContain(workflowId);
    for (const p of dry.body.problems) expect(p.problem).toMatch(/no standard cost/);
    expect(afas.balances()).toEqual({ '3100': '96', '4990': '-96' });

    const booked = async () => {
      const started = await close({ book: true });
      expect(started.status).toBe(202);
      return eventually(async () => (await bridge.get(started.body.status)).body, (s) => s.stage === 'Done', 30_000);
    };
    // A blocked booking period: refused for a person, with AFAS's words; nothing booked.
    afas.blockPeriod(2026, 11);
    const refused = await booked();
    expect(refused).toMatchObject({ booked: 0, failed: 1 });
    expect(ours(refused.lines)[0]?.error).toMatchObject({ type: 'BookingPeriodBlocked', message: expect.stringContaining('2026/11') });
    afas.blockPeriod(2026, 11, false);
    expect(await booked()).toMatchObject({ booked: 1, held: 0, failed: 0 });
    // WIP moved to finished goods at standard; the variances went to cost of sales.
    expect(afas.balances()).toEqual({ '3000': '100', '3100': '-10.8', '4990': '-96', '8010': '0.8', '8020': '6' });
    // Closing again books nothing: the entry is found in AFAS.
    expect(await booked()).toMatchObject({ booked: 0, held: 1, failed: 0 });
    expect(afas.balances()).toEqual({ '3000': '100', '3100': '-10.8', '4990': '-96', '8010': '0.8', '8020': '6' });
  });
});
