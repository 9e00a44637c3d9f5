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
    for (const workType of ['INSTEL', 'MACHINE', 'ARBEID']) afas.seedWorkType(workType);
    bridge = await startBridge(
      { AFAS_TOKEN: TOKEN },
      { connections: [{ id: 'afas-test', erp: 'afas', plants: [plant], baseUrl: url, token: '${AFAS_TOKEN}', afasPlants: { [plant]: { warehouse: 'HOOFD', location: 'A1', quarantine: { warehouse: 'QUAR' } } }, defaultEmployee: 'E001', planningPlant: plant, maxPostingsPerSecond: 8 }] },
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
  const posted = (order: string) => ({
    mutations: afas.stockMutations.filter((m) => String(m.Description).startsWith('Shopfloor') && m.ItemCode === 'STEEL').length,
    productions: afas.productions.filter((p) => String(p.Reference).startsWith('Shopfloor')).length,
    realizations: afas.realizations.filter((r) => String(r.Description).includes(`order ${order}`)).length,
  });

  it('holds postings back through a maintenance window, loses nothing, and raises one alert', async () => {
    const order = 'AF-1';
    afas.maintenance(3);
    for (const e of orderEvents(order)) expect((await bridge.postEvent(e)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(posted(order)).toEqual({ mutations: 0, productions: 0, realizations: 0 });
    afas.maintenance(undefined);
    const done = await eventually(() => view(order), (v) => v.erpSyncStatus === 'InSync', 30_000);
    expect(posted(order)).toEqual({ mutations: 1, productions: 1, realizations: 1 });
    // The confirmation of operation 10 is AFAS's production's to carry: no posting, no problem.
    expect(done.planningProblems).toEqual([]);
    expect(done.postings.map((p) => p.content.kind).sort()).toEqual(['FinishedGoodsReceipt', 'MaterialIssue', 'TimePosting']);
    expect(afas.stockMutations.find((m) => m.ItemCode === 'STEEL')).toMatchObject({ EntrySort: '42', Quantity: '4.5', Warehouse: 'HOOFD', Location: 'A1' });
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
    expect(afas.stockMutations.filter((m) => m.ItemCode === 'STEEL')).toHaveLength(2);
    expect(posted(order).realizations - before.realizations).toBe(1);
    expect(afas.productions).toHaveLength(2);
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
    expect(done.postings.filter((p) => p.lineKey === 'hold').map((p) => [p.content.kind, p.status, p.erpDocumentId?.startsWith('stock-move:')])).toEqual([
      ['QualityHold', 'Posted', true],
      ['Reversal', 'Posted', true],
    ]);
  });
});
