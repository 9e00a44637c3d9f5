/**
 * Planning from the ERP to the floor: released shop orders with their material plans and
 * routing, read from Exact's sync endpoints by the planning workflow and served to the MES.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedOrderDetail } from '../src/domain/planning';
import { READ_FAILURES_BEFORE_ALERT, erpPlanningWorkflowId, planningStatusQuery } from '../src/workflows/erpPlanning/workflow';
import { type SlackSink, startSlackSink } from './alertSinks';
import { type Bridge, eventually, newPlant, startBridge } from './harness';

describe('planning from Exact for the floor', () => {
  let bridge: Bridge;
  let slack: SlackSink;
  const plant = newPlant();
  beforeAll(async () => {
    slack = await startSlackSink();
    // Reads happen when asked (syncNow); pages hold 2 rows (3 on sync sets) so that paging is met.
    // Every read reads master data too (seven calls): Exact's 60 calls come back every 5 s, not every minute.
    // Released orders start no order workflows here (planningToFloor tests that): their look-ups would spend the same calls.
    bridge = await startBridge(
      { EXACT_PLANNING_PLANT: plant, PLANNING_SYNC_EVERY: '1 hour', EXACT_MASTER_DATA_READ_EVERY_MS: '0', ALERT_SLACK_WEBHOOK_URL: slack.url, PLANNING_STARTS_ORDERS: 'false' },
      { syncPageSize: 2, pageSize: 3, rateLimit: { perWindow: 60, windowMs: 5000, perDay: 100_000 } },
    );
  });
  afterAll(async () => {
    await bridge?.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant)).terminate('test done').catch(() => undefined);
    await bridge?.teardown();
    await slack?.close();
  });

  const planned = async (query = '') => {
    const response = await fetch(`${bridge.starterUrl}/v1/planning/orders?plant=${plant}${query}`);
    return ((await response.json()) as { orders: PlannedOrderDetail[] }).orders;
  };
  const syncNow = async () => expect((await bridge.post(`/v1/planning/exact/${plant}/sync`)).status).toBe(202);

  it('serves released orders with their components and routing, and then only what changed', async () => {
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 7001, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc', plannedStartDate: '2026-12-01', plannedDate: '2026-12-03',
      materials: [
        { itemCode: 'STEEL', plannedQuantity: 20.5, unit: 'kg' },
        { itemCode: 'PAINT', plannedQuantity: 2, unit: 'l', backflush: true },
        { itemCode: 'SWARF', plannedQuantity: 0.4, unit: 'kg', byProduct: true },
      ],
      routing: [
        { operation: '10', workCentre: 'SAW', setupHours: 0.5, runHours: 2 },
        { operation: '20', workCentre: 'WELD', runHours: 3.25 },
      ],
    });
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7002, itemCode: 'BRACKET', plannedQuantity: 40, unit: 'pc' });
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7003, itemCode: 'BRACKET', plannedQuantity: 60, unit: 'pc', released: false });
    await syncNow();

    const orders = await eventually(() => planned(), (o) => o.length === 3 && o.find((x) => x.erpOrder === '7001')?.operations.length === 2);
    expect(orders.map((o) => [o.erpOrder, o.status]).sort()).toEqual([['7001', 'released'], ['7002', 'released'], ['7003', 'planned']]);
    const frame = orders.find((o) => o.erpOrder === '7001')!;
    expect(frame).toMatchObject({ material: 'FRAME', plannedQuantity: '10', producedQuantity: '0', unit: 'pc', plannedStart: '2026-12-01', plannedFinish: '2026-12-03', plant });
    expect(frame.components.map((c) => [c.material, c.plannedQuantity, c.unit, c.backflush, c.byProduct])).toEqual([
      ['STEEL', '20.5', 'kg', false, false],
      ['PAINT', '2', 'l', true, false],
      ['SWARF', '0.4', 'kg', false, true],
    ]);
    expect(frame.operations.map((s) => [s.sequence, s.operation, s.workCentre, s.plannedSetupHours, s.plannedRunHours])).toEqual([
      [1, '10', 'SAW', '0.5', '2'],
      [2, '20', 'WELD', '0', '3.25'],
    ]);
    expect((await planned('&status=released')).map((o) => o.erpOrder).sort()).toEqual(['7001', '7002']);

    // A planner releases 7003 and changes 7001's quantity: the next read brings those two, nothing else.
    const workflow = bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
    const before = await workflow.query(planningStatusQuery);
    expect(before.changesRead.orders).toBe(3);
    bridge.simulator.updateShopOrder(7003, { released: true });
    bridge.simulator.updateShopOrder(7001, { plannedQuantity: 12.5 });
    await syncNow();
    const after = await eventually(() => planned('&status=released'), (o) => o.length === 3);
    expect(after.find((o) => o.erpOrder === '7001')?.plannedQuantity).toBe('12.5');
    const status = await eventually(() => workflow.query(planningStatusQuery), (s) => s.changesRead.orders === 5);
    expect(status.changesRead).toMatchObject({ orders: 5, components: 3, operations: 2 });
    expect(status.lastError).toBeUndefined();

    // Operators read it from the CLI.
    const printed = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../src/cli.ts'), 'planning', plant, 'released'], { env: { ...process.env, STARTER_URL: bridge.starterUrl } }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(printed).toContain('7001 released   12.5 pc FRAME from 2026-12-01 to 2026-12-03');
    expect(printed).toContain('  uses   20.5 kg STEEL');
    expect(printed).toContain('  yields 0.4 kg SWARF');
    expect(printed).toContain('  op 10 on SAW, 2 h run');
  });

  it("keeps Exact's items and work centres as master data: units and precision as Exact has them, the operator's conversions while the unit stays", async () => {
    const material = async (code: string) => (await fetch(`${bridge.starterUrl}/v1/master-data/materials/${plant}/${code}`)).json() as Promise<Record<string, unknown>>;
    const workflow = bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
    // The first test's reads brought the five items of its orders, over pages of 3.
    expect((await workflow.query(planningStatusQuery)).changesRead.items).toBe(5);
    expect(await material('STEEL')).toMatchObject({ material: 'STEEL', baseUnit: 'kg', conversions: {}, backflush: 'actual' });
    expect(await material('STEEL')).not.toHaveProperty('decimals');

    // The operator adds what Exact does not keep: a conversion from grams, and a backflush mode.
    expect((await bridge.put('/v1/master-data/materials', { plant, material: 'STEEL', baseUnit: 'kg', conversions: { g: '0.001' }, backflush: 'derived' })).status).toBe(200);
    // In Exact: STEEL gets a new description, BRACKET is made a whole-units item, SAW gets its rates.
    bridge.simulator.updateItem('STEEL', { description: 'Steel S235' });
    bridge.simulator.updateItem('BRACKET', { fractionAllowed: false });
    bridge.simulator.seedWorkCentre('SAW', { RunLaborRate: 42.5, MachineBurdenRate: 18.25, Costcenter: 'CC-SAW' });
    await syncNow();
    await eventually(() => workflow.query(planningStatusQuery), (s) => s.changesRead.items === 7);
    expect(await material('STEEL')).toMatchObject({ baseUnit: 'kg', conversions: { g: '0.001' }, backflush: 'derived' });
    expect(await material('BRACKET')).toMatchObject({ baseUnit: 'pc', decimals: 0 });
    const centres = await (await fetch(`${bridge.starterUrl}/v1/master-data/work-centres/${plant}`)).json() as { workCentres: Record<string, unknown>[] };
    expect(centres.workCentres.map(({ code, runLabourRate, machineBurdenRate, costCentre }) => [code, runLabourRate, machineBurdenRate, costCentre])).toEqual([
      ['SAW', '42.5', '18.25', 'CC-SAW'],
      ['WELD', undefined, undefined, undefined],
    ]);

    // Exact now keeps STEEL in tonnes: the gram conversion was a factor to kilograms, so it goes.
    bridge.simulator.updateItem('STEEL', { unit: 't' });
    // An item that loses its unit in Exact leaves the material master's unit as it was.
    bridge.simulator.updateItem('BRACKET', { unit: '' });
    await syncNow();
    await eventually(() => workflow.query(planningStatusQuery), (s) => s.changesRead.items === 9);
    expect(await material('STEEL')).toMatchObject({ baseUnit: 't', conversions: {}, backflush: 'derived' });
    expect(await material('BRACKET')).toMatchObject({ baseUnit: 'pc', decimals: 0 });
    // Only what changed was read again: one item, and the work centres untouched since.
    expect((await workflow.query(planningStatusQuery)).changesRead.workCentres).toBe(3);
  });

  it('removes what a planner deleted in Exact once a full read has read everything again', async () => {
    const workflow = bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
    const centres = async () => ((await (await fetch(`${bridge.starterUrl}/v1/master-data/work-centres/${plant}`)).json()) as { workCentres: { code: string }[] }).workCentres.map((w) => w.code);
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 7101, itemCode: 'GATE', plannedQuantity: 4, unit: 'pc',
      materials: [{ itemCode: 'STEEL', plannedQuantity: 8, unit: 'kg' }, { itemCode: 'HINGE', plannedQuantity: 8, unit: 'pc' }],
      routing: [{ operation: '10', workCentre: 'SAW', runHours: 1 }, { operation: '20', workCentre: 'PAINTSHOP', runHours: 2 }],
    });
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7102, itemCode: 'GATE', plannedQuantity: 2, unit: 'pc', materials: [{ itemCode: 'HINGE', plannedQuantity: 4, unit: 'pc' }] });
    await syncNow();
    // Every line is read before the planner deletes any: the read pages on, and a line it reads after the deletion it never meets.
    await eventually(() => planned(), (o) => {
      const gate = o.find((x) => x.erpOrder === '7101');
      return gate?.operations.length === 2 && gate.components.length === 2 && o.find((x) => x.erpOrder === '7102')?.components.length === 1;
    });
    await eventually(centres, (codes) => codes.includes('PAINTSHOP'));

    // The planner drops the hinges and the painting from 7101, deletes 7102, and the paint shop with it.
    bridge.simulator.deleteFromPlanning({ shopOrderNumber: 7101, itemCode: 'HINGE', operation: '20' });
    bridge.simulator.deleteFromPlanning({ shopOrderNumber: 7102 });
    bridge.simulator.deleteFromPlanning({ workCentre: 'PAINTSHOP' });
    bridge.simulator.updateShopOrder(7101, { plannedQuantity: 5 });
    // Reading on from the cursor brings the change, and cannot see the deletions.
    await syncNow();
    await eventually(() => planned(), (o) => o.find((x) => x.erpOrder === '7101')?.plannedQuantity === '5');
    expect((await planned()).find((o) => o.erpOrder === '7101')!.components).toHaveLength(2);
    expect((await planned()).map((o) => o.erpOrder)).toContain('7102');

    // A full read, asked for by an operator, reads every set again over several pages and removes what it did not meet.
    const first = (await workflow.query(planningStatusQuery)).fullRead;
    expect(first?.endedAt).toBeDefined(); // the first read of all was a full one
    expect((await bridge.post(`/v1/planning/exact/${plant}/sync`, { fullRead: true })).status).toBe(202);
    const status = await eventually(() => workflow.query(planningStatusQuery), (s) => s.fullRead?.id !== first!.id && s.fullRead?.endedAt !== undefined);
    expect(status.fullRead!.removed).toEqual({ orders: 1, components: 2, operations: 1, workCentres: 1, bomLines: 0 });
    const orders = await planned();
    expect(orders.map((o) => o.erpOrder).sort()).toEqual(['7001', '7002', '7003', '7101']);
    const gate = orders.find((o) => o.erpOrder === '7101')!;
    expect(gate.components.map((c) => c.material)).toEqual(['STEEL']);
    expect(gate.operations.map((s) => s.operation)).toEqual(['10']);
    // What was not deleted is as it was: 7001's plan and routing, the other work centres.
    expect(orders.find((o) => o.erpOrder === '7001')!.components).toHaveLength(3);
    expect(await centres()).toEqual(['SAW', 'WELD']);
    expect(status.lastError).toBeUndefined();

    // Another read removes nothing more.
    await syncNow();
    await eventually(() => workflow.query(planningStatusQuery), (s) => s.reads > status.reads);
    expect((await planned()).map((o) => o.erpOrder).sort()).toEqual(['7001', '7002', '7003', '7101']);
  });

  it("takes the default BOM version of Exact's make items as the materials' bill of materials, and follows its changes", async () => {
    const bom = async (material: string) => {
      const response = await fetch(`${bridge.starterUrl}/v1/master-data/boms/${plant}/${material}`);
      return response.status === 200 ? ((await response.json()) as { components: { component: string; quantityPer: string; scrapAllowance: string }[] }).components.map((c) => [c.component, c.quantityPer, c.scrapAllowance]) : response.status;
    };
    // The floor calls the paint RAL9005; Exact's item is PAINT.
    expect((await bridge.put('/v1/master-data/materials', { plant, material: 'RAL9005', erpMaterial: 'PAINT', baseUnit: 'l' })).status).toBe(200);
    expect(await bom('CABINET')).toBe(404);
    bridge.simulator.seedBom('CABINET', 'pc', [
      { itemCode: 'SHEET', unit: 'kg', quantity: 4.2, wastePercentage: 5 },
      { itemCode: 'PAINT', unit: 'l', quantity: 0.25 },
      { itemCode: 'SHEET', unit: 'kg', quantity: 0.8, wastePercentage: 5 },
      { itemCode: 'OFFCUT', unit: 'kg', quantity: 0.3, byProduct: true },
    ]);
    // An engineer's draft version is not the default: new orders do not take it.
    bridge.simulator.seedBom('CABINET', 'pc', [{ itemCode: 'SHEET', unit: 'kg', quantity: 9 }], { isDefault: false });
    await syncNow();
    await eventually(() => bom('CABINET'), (b) => Array.isArray(b));
    expect(await bom('CABINET')).toEqual([
      ['RAL9005', '0.25', '0'],
      ['SHEET', '5', '0.05'],
    ]);

    // A line changed in Exact moves only the line's sysmodified, not its version's Modified.
    bridge.simulator.updateBomLine('CABINET', 'PAINT', { quantity: 0.3 });
    await syncNow();
    await eventually(() => bom('CABINET'), (b) => Array.isArray(b) && b.some(([component, quantity]) => component === 'RAL9005' && quantity === '0.3'));

    // A new default version replaces the bill of materials whole.
    bridge.simulator.seedBom('CABINET', 'pc', [{ itemCode: 'SHEET', unit: 'kg', quantity: 4.5, wastePercentage: 10 }]);
    await syncNow();
    await eventually(() => bom('CABINET'), (b) => Array.isArray(b) && b.length === 1);
    expect(await bom('CABINET')).toEqual([['SHEET', '4.5', '0.1']]);

    // A line deleted from the default version goes with the next full read.
    bridge.simulator.seedBom('CABINET', 'pc', [{ itemCode: 'SHEET', unit: 'kg', quantity: 4.5 }, { itemCode: 'HINGE', unit: 'pc', quantity: 2 }]);
    await syncNow();
    await eventually(() => bom('CABINET'), (b) => Array.isArray(b) && b.length === 2);
    bridge.simulator.deleteFromPlanning({ bomOf: 'CABINET', part: 'HINGE' });
    const workflow = bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
    const before = (await workflow.query(planningStatusQuery)).fullRead!.id;
    expect((await bridge.post(`/v1/planning/exact/${plant}/sync`, { fullRead: true })).status).toBe(202);
    const status = await eventually(() => workflow.query(planningStatusQuery), (s) => s.fullRead?.id !== before && s.fullRead?.endedAt !== undefined);
    expect(status.fullRead!.removed.bomLines).toBe(1);
    expect(await bom('CABINET')).toEqual([['SHEET', '4.5', '0']]);
  });

  it('tells people once when planning has not been read for several turns in a row, and reads on when it can', async () => {
    const workflow = bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
    const { reads, lastReadAt } = await workflow.query(planningStatusQuery);
    // Exact refuses the shop orders' sync read (a 400 no retry cures: each read fails at once) until it is fixed.
    bridge.simulator.injectFault({ kind: 'status', status: 400, method: 'GET', path: 'sync/Manufacturing/ShopOrders', times: 1000 });
    for (let failures = 0; failures < READ_FAILURES_BEFORE_ALERT + 1; ) {
      await syncNow();
      const status = await eventually(() => workflow.query(planningStatusQuery), (s) => (s.lastError?.failures ?? 0) > failures);
      expect(status.lastError).toMatchObject({ type: 'ValidationRejected' });
      failures = status.lastError!.failures!;
    }
    await eventually(async () => slack.delivered.length, (n) => n === 1);
    expect(slack.delivered[0]!.text).toBe(`Planning from Exact Online for plant ${plant} cannot be read (ValidationRejected)`);
    expect(JSON.stringify(slack.delivered[0]!.blocks)).toContain(`The MES sees the planning as last read at ${lastReadAt}`);
    // Exact answers again: the next read succeeds and the failing is over.
    bridge.simulator.clearFaults();
    await syncNow();
    const read = await eventually(() => workflow.query(planningStatusQuery), (s) => s.reads > reads);
    expect(read.lastError).toBeUndefined();
    expect(slack.delivered).toHaveLength(1);
  });

  it('names the field a planning query lacks, and knows no order it has not read', async () => {
    const missing = await fetch(`${bridge.starterUrl}/v1/planning/orders`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain('plant');
    expect((await fetch(`${bridge.starterUrl}/v1/planning/orders/${plant}/9999`)).status).toBe(404);
    const badSync = await bridge.post(`/v1/planning/exact/${plant}/sync`, { fullRead: 'yes' });
    expect(badSync.status).toBe(400);
    expect(badSync.body.errors).toEqual([{ field: 'fullRead', message: expect.stringContaining('boolean') }]);
  });
});
