/**
 * SAP S/4HANA end to end: floor events in, postings through a real worker into the SAP
 * simulator over HTTP, outcomes read from its books. Confirmations carry what SAP
 * backflushes; a goods movement that fails into COGI stops its confirmation for a person,
 * and after COGI is reprocessed the operator's retry posts nothing twice; lost answers,
 * expired CSRF sessions and locks are weathered; QM plants block stock through the
 * inspection lot's usage decision; LOIPRO IDocs start orders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SapSimulator, createSapSimulator } from '../src/erp/sap/simulator';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, newPlant, startBridge } from './harness';

const idoc = (name: string) => readFileSync(path.resolve(__dirname, '../contracts/sap/idoc', name), 'utf8');

describe('SAP S/4HANA', () => {
  const plant = newPlant();
  const qmPlant = newPlant();
  const idocPlant = newPlant();
  let sap: SapSimulator;
  let bridge: Bridge;
  beforeAll(async () => {
    sap = createSapSimulator({ client: '100', user: 'SHOPFLOOR_COMM', password: 'comm-secret' });
    const url = await sap.listen(0);
    bridge = await startBridge(
      { SAP_PASSWORD: 'comm-secret' },
      {
        connections: [
          {
            id: 'sap-100',
            erp: 'sap',
            plants: [plant, qmPlant, 'HZ001', 'DM01'],
            baseUrl: url,
            client: '100',
            user: 'SHOPFLOOR_COMM',
            password: '${SAP_PASSWORD}',
            sapPlants: { [plant]: { plant: '1010' }, [qmPlant]: { plant: '1020', qualityManagement: true }, HZ001: { plant: 'HZ01' }, DM01: { plant: 'DM01' } },
            planningPlant: plant,
            maxPostingsPerSecond: 50,
          },
          // A plant whose goods movements go as MBGMCR IDocs (its confirmations still by OData).
          { id: 'sap-100-idoc', erp: 'sap', plants: [idocPlant], baseUrl: url, client: '100', user: 'SHOPFLOOR_COMM', password: '${SAP_PASSWORD}', sapPlants: { [idocPlant]: { plant: '1030' } }, goodsMovements: 'idoc', maxPostingsPerSecond: 50 },
        ],
      },
    );
  });
  afterAll(async () => {
    await bridge?.teardown();
    await sap?.close();
  });

  const at = '2026-11-30T08:00:00+01:00';
  const event = (p: string, order: string, id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant: p, productionOrder: order, occurredAt: at, ...fields });
  const post = async (...events: object[]) => {
    for (const e of events) expect((await bridge.postEvent(e)).status).toBe(202);
  };
  const view = (p: string, order: string) => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(p, order)).query(statusQuery);
  const confirmationsOf = (order: string, operation: string) => sap.books.confirmations.filter((c) => c.OrderID === order.padStart(12, '0') && c.OrderOperation === operation && !c.IsReversal);
  const movements = (order: string, movementType: string, material: string) =>
    sap.books.documents.flatMap((d) => d.items).filter((i) => i.ManufacturingOrder === order.padStart(12, '0') && i.GoodsMovementType === movementType && i.Material === material);

  it('confirms with the backflushed consumption; a movement failing into COGI waits for a person, and after COGI the retry posts nothing twice', async () => {
    sap.seedOrder({
      order: '1000500',
      material: 'FRAME',
      plant: '1010',
      quantity: '10',
      unit: 'PC',
      storageLocation: '0001',
      operations: [
        { operation: '0010', workCentre: 'WELD-01' },
        { operation: '0020', workCentre: 'PAINT-01' },
      ],
      components: [
        { material: 'STEEL', quantity: '50', unit: 'KG', operation: '0010', backflush: true, storageLocation: '0001' },
        { material: 'PAINT', quantity: '2', unit: 'L', operation: '0020', storageLocation: '0001' },
      ],
    });
    sap.failGoodsMovements('STEEL', 'Deficit of SL Unrestricted-use 25 KG : STEEL 1010 0001');
    const order = '1000500';
    await post(
      event(plant, order, 'rel', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'PC', operations: [{ operation: '0010', workCentre: 'WELD-01' }, { operation: '0020', workCentre: 'PAINT-01' }] }),
      event(plant, order, 'q1', { type: 'QuantityReported', operation: '0010', good: '5', unit: 'PC' }),
    );
    const stopped = await eventually(() => view(plant, order), (v) => v.postings.some((p) => p.lineKey === 'confirmation|0010' && p.status === 'NeedsAttention'));
    const confirmation = stopped.postings.find((p) => p.lineKey === 'confirmation|0010')!;
    expect(confirmation.error).toMatchObject({ type: 'FailedGoodsMovement', message: expect.stringContaining('Deficit of SL Unrestricted-use 25 KG') });
    // SAP saved the confirmation; its goods movement is in COGI, not in stock.
    expect(confirmationsOf(order, '0010')).toHaveLength(1);
    expect(movements(order, '261', 'STEEL')).toHaveLength(0);
    expect(sap.books.failed.map((f) => f.movement.Material)).toEqual(['STEEL']);

    // The rest of the order keeps posting: the paint the floor consumed goes as a goods issue against its reservation.
    await post(event(plant, order, 'paint', { type: 'MaterialConsumed', material: 'PAINT', quantity: '1.5', unit: 'L', operation: '0020' }));
    await eventually(async () => movements(order, '261', 'PAINT'), (m) => m.length === 1);
    expect(movements(order, '261', 'PAINT')[0]).toMatchObject({ QuantityInEntryUnit: '1.500', Reservation: expect.stringMatching(/^\d{10}$/), ReservationItem: '0002' });

    // The documented action: the steel arrives, COGI is reprocessed, then the operator retries.
    sap.failGoodsMovements('STEEL');
    expect(sap.reprocessFailedMovements()).toBe(1);
    expect((await bridge.post(`/v1/orders/${plant}/${order}/postings/${confirmation.sequence}/retry`)).status).toBe(200);
    await eventually(() => view(plant, order), (v) => v.postings.find((p) => p.lineKey === 'confirmation|0010')?.status === 'Posted');
    expect(confirmationsOf(order, '0010')).toHaveLength(1);
    expect(movements(order, '261', 'STEEL').map((m) => m.QuantityInEntryUnit)).toEqual(['25.000']);

    // A lost answer on the next confirmation: the retry finds it by its ExternalSystemConfirmation.
    sap.loseNextAnswer();
    await post(event(plant, order, 'q2', { type: 'QuantityReported', operation: '0020', good: '5', unit: 'PC' }));
    await eventually(() => view(plant, order), (v) => v.postings.find((p) => p.lineKey === 'confirmation|0020')?.status === 'Posted');
    expect(confirmationsOf(order, '0020')).toHaveLength(1);
    expect(confirmationsOf(order, '0020')[0]).toMatchObject({ ConfirmationYieldQuantity: '5.000', ExternalSystemConfirmation: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('weathers an expired CSRF session and a lock: each posting lands once', async () => {
    sap.seedOrder({ order: '1000510', material: 'FRAME', plant: '1010', quantity: '10', unit: 'PC', storageLocation: '0001', operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'BOLT', quantity: '40', unit: 'PC', operation: '0010' }] });
    const order = '1000510';
    await post(event(plant, order, 'rel', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'PC', operations: [{ operation: '0010', workCentre: 'WELD-01' }] }), event(plant, order, 'b1', { type: 'MaterialConsumed', material: 'BOLT', quantity: '8', unit: 'PC' }));
    await eventually(async () => movements(order, '261', 'BOLT'), (m) => m.length === 1);

    // The gateway forgets every session: the next write is refused for its token, which is fetched again, once.
    sap.expireSessions();
    const refusedBefore = sap.requests.filter((r) => r.status === 403).length;
    await post(event(plant, order, 'b2', { type: 'MaterialConsumed', material: 'BOLT', quantity: '4', unit: 'PC' }));
    await eventually(async () => movements(order, '261', 'BOLT'), (m) => m.length === 2);
    expect(sap.requests.filter((r) => r.status === 403).length).toBe(refusedBefore + 1);

    // The material is locked by a person in MM02 for a while: the issue is retried until the lock clears.
    // (Longer than the posting batch window, so the first attempt meets it.)
    sap.lock('material:BOLT', 4000);
    await post(event(plant, order, 'b3', { type: 'MaterialConsumed', material: 'BOLT', quantity: '2', unit: 'PC' }));
    await eventually(async () => movements(order, '261', 'BOLT'), (m) => m.length === 3, 20_000);
    expect(movements(order, '261', 'BOLT').map((m) => m.QuantityInEntryUnit)).toEqual(['8.000', '4.000', '2.000']);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'retryable-error' && /locked by user JSMITH/.test(String(a.errorMessage ?? '')))).toBe(true);
    expect((await view(plant, order)).erpSyncStatus).toBe('InSync');
  });

  it("confirms hours as the work centre's activities, and a correction cancels the confirmation with its goods movements", async () => {
    // The welding cell's standard value key lists labour before machine time: machine hours are its activity 3.
    sap.seedWorkCentre('1010', 'WELD-02', ['SAP_01', 'SAP_03', 'SAP_02']);
    sap.seedOrder({ order: '1000520', material: 'FRAME', plant: '1010', quantity: '10', unit: 'PC', storageLocation: '0001', operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'STEEL', quantity: '50', unit: 'KG', operation: '0010', backflush: true }] });
    const order = '1000520';
    await post(
      event(plant, order, 'rel', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'PC', operations: [{ operation: '0010', workCentre: 'WELD-01' }] }),
      event(plant, order, 'machine', { type: 'TimeBooked', activity: 'machine', hours: '1.25', operation: '0010', workCentre: 'WELD-02' }),
      event(plant, order, 'q1', { type: 'QuantityReported', operation: '0010', good: '4', scrap: '1', unit: 'PC', reasonCode: 'SPATTER' }),
    );
    await eventually(() => view(plant, order), (v) => v.erpSyncStatus === 'InSync' && v.postings.length === 2);
    // SPATTER is no 4-character variance reason key: it goes in the confirmation's text, and the audit trail says so.
    expect(confirmationsOf(order, '0010').find((c) => c.ConfirmationScrapQuantity === '1.000')).toMatchObject({ ConfirmationText: 'Shopfloor Bridge, reason SPATTER' });
    expect((await bridge.audit.attemptsFor(plant, order)).some((a) => a.notes.some((n: string) => n.includes('reason SPATTER is longer')))).toBe(true);
    const hours = confirmationsOf(order, '0010').find((c) => c.OpConfirmedWorkQuantity3 !== undefined)!;
    expect(hours).toMatchObject({ OpConfirmedWorkQuantity3: '1.250', OpWorkQuantityUnit3: 'H', ConfirmationYieldQuantity: '0.000', APIConfHasNoGoodsMovements: true });
    expect(movements(order, '261', 'STEEL').map((m) => m.QuantityInEntryUnit)).toEqual(['25.000']);

    // The 4 were 3: the confirmation is cancelled (its 261 taken back with it) and 3 confirmed anew.
    await post(event(plant, order, 'fix', { type: 'EventCorrected', correctsEventId: `${order}-q1`, reason: 'miscounted', replacement: { good: '3' } }));
    await eventually(() => view(plant, order), (v) => v.erpSyncStatus === 'InSync' && v.postings.length === 4);
    const yields = sap.books.confirmations.filter((c) => c.OrderID === '000001000520' && c.OpConfirmedWorkQuantity3 === undefined);
    expect(yields.map((c) => [c.ConfirmationYieldQuantity, c.IsReversed, c.IsReversal])).toEqual([
      ['4.000', true, false],
      ['4.000', false, true],
      ['3.000', false, false],
    ]);
    expect(movements(order, '262', 'STEEL').map((m) => m.QuantityInEntryUnit)).toEqual(['25.000']);
    expect(movements(order, '261', 'STEEL').map((m) => m.QuantityInEntryUnit)).toEqual(['25.000', '20.000']);
  });

  it('sends the goods movements of an IDoc plant as MBGMCR, and a lost answer books them once', async () => {
    sap.seedOrder({ order: '1000530', material: 'FRAME', plant: '1030', quantity: '10', unit: 'PC', storageLocation: '0001', operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'BOLT', quantity: '40', unit: 'PC', operation: '0010', storageLocation: '0001' }] });
    const order = '1000530';
    sap.loseNextAnswer();
    await post(
      event(idocPlant, order, 'rel', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'PC', outputStorageLocation: '0003' }),
      event(idocPlant, order, 'b', { type: 'MaterialConsumed', material: 'BOLT', quantity: '16', unit: 'PC' }),
      event(idocPlant, order, 'q', { type: 'QuantityReported', good: '4', unit: 'PC' }),
      event(idocPlant, order, 'done', { type: 'OrderCompleted' }),
    );
    await eventually(() => view(idocPlant, order), (v) => v.erpSyncStatus === 'InSync' && v.postings.length === 2, 20_000);
    expect(movements(order, '261', 'BOLT').map((m) => m.QuantityInEntryUnit)).toEqual(['16.000']);
    expect(movements(order, '101', 'FRAME').map((m) => [m.QuantityInEntryUnit, m.StorageLocation])).toEqual([['4.000', '0003']]);
    const ledger = sap.ledger();
    expect(ledger.idocs.filter((i) => i.document).length).toBe(2);
  });

  it("records the inspection's results on the lot and blocks part of it through its usage decision: that part in blocked stock, the rest unrestricted", async () => {
    sap.seedOrder({ order: '1000600', material: 'GEAR', plant: '1020', quantity: '10', unit: 'PC', storageLocation: '0002', operations: [{ operation: '0010', workCentre: 'HOB-01' }] });
    sap.inspect('1020', 'GEAR', ['DIAMETER', 'HARDNESS']);
    const order = '1000600';
    const decision = (id: string, fields: object) => event(qmPlant, order, id, { type: 'QualityResult', inspection: 'LOT-1000600', unit: 'PC', ...fields });
    await post(
      event(qmPlant, order, 'rel', { type: 'OrderReleased', material: 'GEAR', plannedQuantity: '10', unit: 'PC' }),
      event(qmPlant, order, 'q', { type: 'QuantityReported', good: '10', unit: 'PC' }),
      event(qmPlant, order, 'done', { type: 'OrderCompleted' }),
    );
    // The receipt lands in quality inspection stock, under a lot of origin 04.
    await eventually(async () => sap.stockOf('GEAR', 'quality', '1020'), (q) => q === '10');
    expect(sap.books.lots).toHaveLength(1);
    await post(decision('block', { result: 'rejected', disposition: 'block', quantity: '4', characteristic: 'DIAMETER', measuredValue: '50.31' }));
    await eventually(async () => sap.stockOf('GEAR', 'blocked', '1020'), (b) => b === '4');
    expect({ quality: sap.stockOf('GEAR', 'quality', '1020'), unrestricted: sap.stockOf('GEAR', 'unrestricted', '1020'), blocked: sap.stockOf('GEAR', 'blocked', '1020') }).toEqual({ quality: '0', unrestricted: '6', blocked: '4' });
    const [lot] = sap.books.lots;
    // The inspector's measurement is the lot's result of that characteristic, recorded before the decision.
    expect(lot!.results).toEqual([expect.objectContaining({ InspectionCharacteristic: '0010', InspectionResultOriginalValue: '50.31', InspectionValuationResult: 'R' })]);
    expect(lot).toMatchObject({ InspectionLotHasUsageDecision: true, InspLotQtyToBlocked: '4', InspLotQtyToFree: '6', InspLotQtyToBePosted: '0', decision: { InspectionLotUsageDecisionCode: 'A2' } });

    // One unit is released after all: blocked to unrestricted (343), once.
    await post(decision('release', { result: 'accepted', disposition: 'release', quantity: '1' }));
    await eventually(async () => sap.stockOf('GEAR', 'blocked', '1020'), (b) => b === '3');
    expect(sap.stockOf('GEAR', 'unrestricted', '1020')).toBe('7');
    await eventually(() => view(qmPlant, order), (v) => v.erpSyncStatus === 'InSync');
  });

  it("reads SAP's production orders of the planning plant, with components and operations, into the floor's planning", async () => {
    sap.seedOrder({ order: '1000700', material: 'HUB', plant: '1010', quantity: '25', unit: 'PC', operations: [{ operation: '0010', workCentre: 'LATHE-01', text: 'Turn' }, { operation: '0020', workCentre: 'DRILL-01' }], components: [{ material: 'BAR-40', quantity: '12.5', unit: 'KG', operation: '0010', backflush: true }] });
    sap.seedOrder({ order: '1000701', material: 'HUB', plant: '1020', quantity: '5', unit: 'PC', operations: [{ operation: '0010', workCentre: 'LATHE-09' }] });
    const read = async () => {
      const answer = await fetch(`${bridge.starterUrl}/v1/planning/orders/${plant}/1000700`);
      return answer.status === 200 ? ((await answer.json()) as { status: string; plannedQuantity: string; components: { erpId: string; material: string; backflush: boolean }[]; operations: { operation: string; workCentre: string; description?: string }[] }) : undefined;
    };
    const planned = await eventually(async () => {
      await bridge.post(`/v1/planning/sap/${plant}/sync`, {});
      return read();
    }, (o) => o !== undefined, 20_000);
    expect(planned).toMatchObject({ status: 'released', plannedQuantity: '25', components: [{ material: 'BAR-40', backflush: true, erpId: expect.stringMatching(/^\d{10}\/0001$/) }] });
    expect(planned!.operations.map((o) => `${o.operation} ${o.workCentre} ${o.description}`)).toEqual(['0010 LATHE-01 Turn', '0020 DRILL-01 Operation 0020']);
    // Another SAP plant's order is not this plant's planning.
    expect((await fetch(`${bridge.starterUrl}/v1/planning/orders/${plant}/1000701`)).status).toBe(404);
  });

  it("keeps the plant's products, work centres and production BOMs as master data", async () => {
    sap.seedProduct('1010', 'HUB-2', 'PC');
    sap.seedProduct('1010', 'BAR-60', 'KG', { batch: true });
    sap.seedProduct('1020', 'ELSEWHERE', 'PC');
    sap.seedBom('1010', 'HUB-2', '10', [
      { component: 'BAR-60', quantity: '25', unit: 'KG', scrapPercent: '4' },
      { component: 'SWARF', quantity: '-2', unit: 'KG' },
    ]);
    sap.seedWorkCentre('1010', 'LATHE-02', ['SAP_01', 'SAP_02', 'SAP_03'], 'CNC lathe 2');
    const material = async (code: string) => {
      const answer = await fetch(`${bridge.starterUrl}/v1/master-data/materials/${plant}/${code}`);
      return answer.status === 200 ? ((await answer.json()) as { baseUnit: string; decimals?: number | null; batchManaged?: boolean }) : undefined;
    };
    // A full read asked for reads the master data now, whenever it last did.
    await eventually(async () => {
      await bridge.post(`/v1/planning/sap/${plant}/sync`, { fullRead: true });
      return material('HUB-2');
    }, (m) => m !== undefined, 20_000);
    expect(await material('HUB-2')).toMatchObject({ baseUnit: 'PC', decimals: 0 });
    expect(await material('BAR-60')).toMatchObject({ baseUnit: 'KG', batchManaged: true });
    expect(await material('ELSEWHERE')).toBeUndefined();
    // Per unit of HUB-2 (the BOM is for 10), with its component scrap; the co-product (negative in SAP) is no component.
    const bom = (await (await fetch(`${bridge.starterUrl}/v1/master-data/boms/${plant}/HUB-2`)).json()) as { components: { component: string; quantityPer: string; scrapAllowance: string }[] };
    expect(bom.components.map((c) => [c.component, c.quantityPer, c.scrapAllowance])).toEqual([['BAR-60', '2.5', '0.04']]);
    const centres = (await (await fetch(`${bridge.starterUrl}/v1/master-data/work-centres/${plant}`)).json()) as { workCentres: { code: string; description?: string }[] };
    expect(centres.workCentres.find((c) => c.code === 'LATHE-02')).toMatchObject({ description: 'CNC lathe 2' });
  });

  it('starts orders from the LOIPRO05 samples with their routing and components; sending one again changes nothing', async () => {
    const s4 = idoc('LOIPRO05_sample-s4.xml');
    const sent = await fetch(`${bridge.starterUrl}/v1/sap/sap-100/idoc`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: s4 });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ reference: '430094', accepted: [{ eventId: 'sap-idoc-430094-1895938', workflowId: productionOrderWorkflowId('HZ001', '1895938') }] });
    const started = await eventually(() => view('HZ001', '1895938').catch(() => undefined), (v) => v?.material !== undefined);
    expect(started).toMatchObject({ material: 'D2O_EVOGUARD_DOUBLE_SEAT_VALVE_V1', plannedQuantity: '1.000', unit: 'EA', erpOrderReference: '1895938', erpSystem: 'sap' });
    const planned = (await (await fetch(`${bridge.starterUrl}/v1/planning/orders/HZ001/1895938`)).json()) as { components: { erpId: string; material: string }[]; operations: { erpId: string; operation: string }[] };
    expect(planned.components).toHaveLength(12);
    expect(planned.components[0]).toMatchObject({ erpId: '0001950857/0001', material: 'D2O_DOUBLE_SEAT_VALVE_BODY' });
    expect(planned.operations.map((o) => `${o.operation}:${o.erpId}`)).toEqual(['0060:0000352237', '0070:0000352238', '0080:0000352239']);

    const again = await fetch(`${bridge.starterUrl}/v1/sap/sap-100/idoc`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: s4 });
    expect(again.status).toBe(202);
    const after = await eventually(() => view('HZ001', '1895938'), (v) => v.duplicatesIgnored === started!.duplicatesIgnored + 1);
    expect({ ...after, duplicatesIgnored: started!.duplicatesIgnored, stateBytes: started!.stateBytes }).toEqual(started);

    // An order that ended takes no events: the IDoc is refused for it, not dropped.
    await bridge.env.client.workflow.getHandle(productionOrderWorkflowId('HZ001', '1895938')).terminate('test: the order ended');
    const ended = await fetch(`${bridge.starterUrl}/v1/sap/sap-100/idoc`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: s4 });
    expect(ended.status).toBe(409);
    expect(await ended.json()).toMatchObject({ title: 'Order ended', accepted: [] });

    // The non-SAP sample (no reservations, no confirmation numbers) starts its order too.
    const other = await fetch(`${bridge.starterUrl}/v1/sap/sap-100/idoc`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: idoc('LOIPRO05_sample-nonsap.xml') });
    expect(other.status).toBe(202);
    await eventually(() => view('DM01', '208277437').catch(() => undefined), (v) => v?.plannedQuantity === '200');

    // An IDoc the bridge cannot read is refused naming the field, and recorded.
    const broken = await fetch(`${bridge.starterUrl}/v1/sap/sap-100/idoc`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: s4.replace(/<AUFNR>1895938<\/AUFNR>/, '') });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: unknown[] }).errors).toEqual([{ field: 'LOIPRO05/IDOC[0]/E1AFKOL[0]/AUFNR', message: 'is missing' }]);
    expect((await bridge.rejectedInputs.recent(5)).some((r) => r.reason.includes('E1AFKOL[0]/AUFNR'))).toBe(true);
  });
});
