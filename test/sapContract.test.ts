/**
 * SAP's published contracts hold both sides: the simulator refuses what the EDMX / OpenAPI
 * refuses, with SAP's error body, and the adapter refuses to send such a body at all. Also
 * the keys SAP carries for the bridge (UUIDv5, the short header text) and the IDoc formats,
 * read from the real LOIPRO05 samples.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErpError } from '../src/erp/adapter';
import { sapConnection } from '../src/erp/sap/connection';
import { contractProblems, sapContract } from '../src/erp/sap/contract';
import { buildMbgmcr, parseLoipro, parseMbgmcr } from '../src/erp/sap/idoc';
import { shortKey, uuidV5 } from '../src/erp/postingKeys';
import { SapSettings } from '../src/erp/sap/settings';
import { type SapSimulator, createSapSimulator } from '../src/erp/sap/simulator';

const root = (url: string, service: string) => `${url}/sap/opu/odata/sap/${service}/`;
const basic = `Basic ${Buffer.from('COMM:secret').toString('base64')}`;

describe("SAP's contracts", () => {
  let sap: SapSimulator;
  let url: string;
  beforeAll(async () => {
    sap = createSapSimulator({ client: '100', user: 'COMM', password: 'secret' });
    url = await sap.listen(0);
    sap.seedOrder({ order: '4711', material: 'FRAME', plant: '1010', quantity: '10', unit: 'PC', operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'STEEL', quantity: '5', unit: 'KG', operation: '0010' }] });
  });
  afterAll(async () => sap?.close());

  /** A session as a client opens one: GET with X-CSRF-Token: Fetch, then writes with its token and cookie. */
  async function session(service: string) {
    const answer = await fetch(`${root(url, service)}?sap-client=100`, { headers: { Authorization: basic, 'X-CSRF-Token': 'Fetch' } });
    return { 'X-CSRF-Token': answer.headers.get('x-csrf-token')!, Cookie: answer.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), Authorization: basic, 'Content-Type': 'application/json', Accept: 'application/json' };
  }

  it('serves $metadata from the published EDMX, and refuses a write without a CSRF token', async () => {
    const metadata = await fetch(`${root(url, 'API_PROD_ORDER_CONFIRMATION_2_SRV')}$metadata?sap-client=100`, { headers: { Authorization: basic } });
    expect(await metadata.text()).toBe(readFileSync(path.resolve(__dirname, '../contracts/sap/API_PROD_ORDER_CONFIRMATION_2_SRV.edmx'), 'utf8'));
    const refused = await fetch(`${root(url, 'API_PROD_ORDER_CONFIRMATION_2_SRV')}ProdnOrdConf2?sap-client=100`, { method: 'POST', headers: { Authorization: basic, 'Content-Type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-csrf-token')).toBe('Required');
    const anonymous = await fetch(`${root(url, 'API_PROD_ORDER_CONFIRMATION_2_SRV')}$metadata`);
    expect(anonymous.status).toBe(401);
    // The communication user exists in client 100 only; without sap-client the default client answers, which is not it.
    for (const query of ['?sap-client=200', '']) expect((await fetch(`${root(url, 'API_PROD_ORDER_CONFIRMATION_2_SRV')}$metadata${query}`, { headers: { Authorization: basic } })).status).toBe(401);
  });

  it('refuses what the metadata refuses, in SAP\'s error body naming the property', async () => {
    const headers = await session('API_PROD_ORDER_CONFIRMATION_2_SRV');
    const tooLong = await fetch(`${root(url, 'API_PROD_ORDER_CONFIRMATION_2_SRV')}ProdnOrdConf2?sap-client=100`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ OrderID: '000000004711', OrderOperation: '0010', ConfirmationText: 'x'.repeat(41), ConfirmationYieldQuantity: 1, Colour: 'red' }),
    });
    expect(tooLong.status).toBe(400);
    const body = (await tooLong.json()) as { error: { code: string; message: { value: string }; innererror: { errordetails: { message: string; propertyref: string }[] } } };
    expect(body.error.code).toBe('/IWBEP/CM_MGW_RT/022');
    expect(body.error.innererror.errordetails.map((d) => d.propertyref)).toEqual(['', 'ProdnOrdConf2/ConfirmationText', 'ProdnOrdConf2/ConfirmationYieldQuantity', 'ProdnOrdConf2/Colour']);
    expect(body.error.innererror.errordetails.map((d) => d.message).slice(1)).toEqual([
      'ProdnOrdConf2/ConfirmationText is 41 characters long; at most 40',
      'ProdnOrdConf2/ConfirmationYieldQuantity must be a decimal in a string (Edm.Decimal), e.g. "12.500"',
      'ProdnOrdConf2/Colour property Colour is not part of ProdnOrdConf2',
    ]);
    expect(sap.books.confirmations).toHaveLength(0);
    const badFilter = await fetch(`${root(url, 'API_MATERIAL_DOCUMENT_SRV')}A_MaterialDocumentHeader?$filter=${encodeURIComponent("Colour eq 'red'")}&sap-client=100`, { headers });
    expect(badFilter.status).toBe(400);
  });

  it('reads the OpenAPI of the services SAP publishes no EDMX of: keys, lengths, decimals, deep inserts', () => {
    const documents = sapContract('API_MATERIAL_DOCUMENT_SRV');
    expect(documents.entitySets.get('A_MaterialDocumentHeader')!.navigations.get('to_MaterialDocumentItem')).toEqual({ target: 'A_MaterialDocumentItem', many: true });
    expect(documents.entitySets.get('A_MaterialDocumentItem')!.properties.get('QuantityInEntryUnit')).toMatchObject({ type: 'Edm.Decimal', precision: 13, scale: 3 });
    expect(contractProblems(documents, 'A_MaterialDocumentHeader', { MaterialDocumentHeaderText: 'x'.repeat(26), to_MaterialDocumentItem: { results: [{ QuantityInEntryUnit: '1.0001' }] } }, { assigned: ['MaterialDocument', 'MaterialDocumentYear', 'MaterialDocumentItem'] })).toEqual([
      { property: 'A_MaterialDocumentHeader/MaterialDocumentHeaderText', reason: 'is 26 characters long; at most 25' },
      { property: 'A_MaterialDocumentHeader/to_MaterialDocumentItem[0]/QuantityInEntryUnit', reason: 'has 4 decimals; at most 3' },
    ]);
    expect(sapContract('API_INSPECTIONLOT_SRV').entitySets.get('A_InspLotUsageDecision')!.keys).toEqual(['InspectionLot']);
  });

  it('never sends a body the contract refuses: the adapter stops it for a person, naming the property', async () => {
    const settings = { ...SapSettings.parse({ client: '100', user: 'COMM', password: 'secret', sapPlants: { P1: { plant: '1010' } } }), baseUrl: url };
    const posts = () => sap.requests.filter((r) => r.method === 'POST').length;
    const before = posts();
    const refused = await sapConnection(settings)
      .adapter.post({
        idempotencyKey: 'contract#1',
        content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: '4711', erpOrderReference: '4711', transactionDate: '2026-12-01', material: 'STEEL', erpMaterial: 'STEEL', quantity: '1', unit: 'KG', storageLocation: 'SHELF-12' },
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ErpError);
    expect(refused).toMatchObject({ classification: 'needsPerson', type: 'ValidationRejected', message: expect.stringContaining('to_MaterialDocumentItem[0]/StorageLocation is 8 characters long; at most 4') });
    expect(posts()).toBe(before);
  });

  it('moves a serialized material by its serial numbers, and refuses it without them, as SAP does', async () => {
    sap.seedProduct('1010', 'FRAME', 'PC', { serialNumberProfile: 'ZSER' });
    const settings = { ...SapSettings.parse({ client: '100', user: 'COMM', password: 'secret', sapPlants: { P1: { plant: '1010' } } }), baseUrl: url };
    const receipt = (key: string, serialNumbers?: string[]) => ({
      idempotencyKey: key,
      content: { kind: 'FinishedGoodsReceipt', plant: 'P1', productionOrder: '4711', erpOrderReference: '4711', transactionDate: '2026-12-01', material: 'FRAME', erpMaterial: 'FRAME', quantity: '2', unit: 'PC', ...(serialNumbers ? { serialNumbers } : {}) },
    }) as const;
    const adapter = sapConnection(settings).adapter;
    const refused = await adapter.post(receipt('serial#1')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ classification: 'needsPerson', message: expect.stringContaining('M7/574') });
    await adapter.post(receipt('serial#2', ['FR-0001', 'FR-0002']));
    const items = sap.books.documents.flatMap((d) => d.items).filter((i) => i.Material === 'FRAME' && i.GoodsMovementType === '101');
    expect(items.map((i) => i.serialNumbers)).toEqual([['FR-0001', 'FR-0002']]);
  });

  it('answers 503 during maintenance, which the adapter leaves to retry', async () => {
    const settings = { ...SapSettings.parse({ client: '100', user: 'COMM', password: 'secret', sapPlants: { P1: { plant: '1010' } } }), baseUrl: url };
    const request = { idempotencyKey: 'maintenance#1', content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: '4711', erpOrderReference: '4711', transactionDate: '2026-12-01', material: 'STEEL', erpMaterial: 'STEEL', quantity: '1', unit: 'KG' } } as const;
    sap.maintenance(true);
    const check = await sapConnection(settings).check();
    const down = await sapConnection(settings)
      .adapter.findPosted(request)
      .catch((e: unknown) => e);
    sap.maintenance(false);
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('down for maintenance') });
    expect(down).toMatchObject({ classification: 'retryable', type: 'ServerError', details: { status: 503 } });
    expect(await sapConnection(settings).adapter.findPosted(request)).toBeUndefined();
  });

  it('carries the key as SAP can hold it: a UUIDv5 (RFC 9562) and a 25-character header text', () => {
    // RFC 9562's example: www.example.com in the DNS namespace.
    expect(uuidV5('www.example.com', Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex'))).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(uuidV5('production-order/P1/4711#3')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const a = shortKey(`production-order/P1/${'4711'.repeat(40)}#3`);
    expect(a).toHaveLength(25);
    expect(a).not.toBe(shortKey(`production-order/P1/${'4711'.repeat(40)}#4`));
  });

  it('reads the real LOIPRO05 samples: order, plant, routing with confirmation numbers, components with reservations', () => {
    const [order] = parseLoipro(readFileSync(path.resolve(__dirname, '../contracts/sap/idoc/LOIPRO05_sample-s4.xml'), 'utf8'));
    expect(order).toMatchObject({ docnum: '430094', order: '1895938', plant: 'HZ001', material: 'D2O_EVOGUARD_DOUBLE_SEAT_VALVE_V1', quantity: '1.000', unit: 'EA', receiptStorageLocation: '101P' });
    expect(order!.operations).toEqual([
      { operation: '0060', workCentre: 'D2O_ASSY', text: 'Picking of components', confirmationGroup: '0000352237' },
      { operation: '0070', workCentre: 'D2O_ASSY', text: 'Main Assembly Double-Seat Valve', confirmationGroup: '0000352238' },
      { operation: '0080', workCentre: 'D2O_ASSY', text: 'Quality Check', confirmationGroup: '0000352239' },
    ]);
    expect(order!.components).toHaveLength(12);
    expect(order!.components[0]).toEqual({ material: 'D2O_DOUBLE_SEAT_VALVE_BODY', quantity: '1.000', unit: 'EA', operation: '0060', storageLocation: '101A', movementType: '261', reservation: '0001950857', reservationItem: '0001', position: '0010' });
    const [other] = parseLoipro(readFileSync(path.resolve(__dirname, '../contracts/sap/idoc/LOIPRO05_sample-nonsap.xml'), 'utf8'));
    expect(other).toMatchObject({ order: '208277437', plant: 'DM01', quantity: '200', operations: [{ operation: '0009' }, { operation: '0010' }, { operation: '0020' }] });
    expect(other!.components.map((c) => `${c.material} ${c.quantity} ${c.unit}`)).toEqual(['R1CH01007 3560.1 CM', 'R1MF00012 400 EA']);
    expect(() => parseLoipro('<MATMAS05><IDOC/></MATMAS05>')).toThrow('(document): is a MATMAS05, not a LOIPRO IDoc');
    expect(() => parseLoipro('<LOIPRO05><IDOC>')).toThrow(/not well-formed XML/);
  });

  it('writes goods movements as MBGMCR03 that read back into the same material document', () => {
    const xml = buildMbgmcr({
      client: '100',
      sender: 'SHOPFLOOR',
      receiver: 'S4HCLNT100',
      postingDate: '2026-12-01',
      headerText: 'SFB0123456789ABCDEFGHJKMN',
      referenceDocument: 'SFB0123456789ABC',
      code: '03',
      items: [{ material: 'STEEL', plant: '1010', storageLocation: '0001', movementType: '261', quantity: '2.500', unit: 'KG', order: '4711', reservation: '0000001000', reservationItem: '0001' }],
    });
    expect(xml).toContain('<E1BP2017_GM_CODE><GM_CODE>03</GM_CODE></E1BP2017_GM_CODE>');
    expect(parseMbgmcr(xml)).toEqual({
      headerText: 'SFB0123456789ABCDEFGHJKMN',
      materialDocument: {
        GoodsMovementCode: '03',
        PostingDate: `/Date(${Date.parse('2026-12-01T00:00:00Z')})/`,
        DocumentDate: `/Date(${Date.parse('2026-12-01T00:00:00Z')})/`,
        MaterialDocumentHeaderText: 'SFB0123456789ABCDEFGHJKMN',
        to_MaterialDocumentItem: {
          results: [{ Material: 'STEEL', Plant: '1010', StorageLocation: '0001', Batch: undefined, GoodsMovementType: '261', QuantityInEntryUnit: '2.500', EntryUnit: 'KG', ManufacturingOrder: '000000004711', Reservation: '0000001000', ReservationItem: '0001', IssuingOrReceivingStorageLoc: undefined }],
        },
      },
    });
  });
});
