/**
 * AFAS's limits, held by the transport against the simulator over HTTP: never more than 8
 * calls at once however many the bridge starts (AFAS refuses the ninth), and a large read
 * split into pages read side by side, sorted, none lost or read twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afasConnection } from '../src/erp/afas/connection';
import { createAfasPlanningReader } from '../src/erp/afas/planning';
import { AfasSettings } from '../src/erp/afas/settings';
import { type AfasSimulator, createAfasSimulator } from '../src/erp/afas/simulator';
import { createAfasTransport } from '../src/erp/afas/transport';

const TOKEN = 'c'.repeat(64);

describe('the AFAS transport', () => {
  let afas: AfasSimulator;
  let url: string;
  beforeAll(async () => {
    afas = createAfasSimulator({ token: TOKEN });
    url = await afas.listen(0);
  });
  afterAll(async () => afas?.close());

  it('keeps to 8 calls at once: 30 started together all answer', async () => {
    const transport = createAfasTransport({ baseUrl: url, token: TOKEN, timeoutMs: 10_000 });
    afas.slowReads(150);
    try {
      const answers = await Promise.allSettled(Array.from({ length: 30 }, () => transport.get('Profit_Article', { orderBy: 'ItemCode', take: 1 })));
      expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    } finally {
      afas.slowReads(undefined);
    }
    // The simulator does refuse a ninth call at once: the limit is real.
    afas.slowReads(300);
    try {
      const raw = await Promise.all(Array.from({ length: 12 }, () => fetch(`${url}/connectors/Profit_Article?skip=0&take=1&orderbyfieldids=ItemCode`, { headers: { Authorization: `AfasToken ${Buffer.from(`<token><version>1</version><data>${TOKEN}</data></token>`).toString('base64')}` } })));
      expect(raw.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    } finally {
      afas.slowReads(undefined);
    }
  });

  it('reads 7,300 items in pages of 1,000, five at a time, every item once', async () => {
    for (let i = 0; i < 7300; i++) afas.seedItem(`ITEM-${String(i).padStart(5, '0')}`, 'pc');
    const transport = createAfasTransport({ baseUrl: url, token: TOKEN, timeoutMs: 10_000 });
    const changes = await createAfasPlanningReader(transport, { masterDataReadEveryMs: 0 }).changesSince(undefined, { fullRead: true });
    const codes = (changes.items ?? []).map((i) => i.code);
    expect(codes).toHaveLength(7300);
    expect(new Set(codes).size).toBe(7300);
  });

  it("checks red, naming it, where a plant's warehouse is not AFAS's", async () => {
    afas.seedWarehouse('HOOFD');
    const connection = (warehouse: string) => afasConnection({ ...AfasSettings.parse({ token: TOKEN, afasPlants: { P1: { warehouse, quarantine: { warehouse: 'HOOFD' } } } }), baseUrl: url });
    expect(await connection('HOOFD').check()).toMatchObject({ ok: true });
    expect(await connection('HOFD').check()).toMatchObject({ ok: false, detail: expect.stringContaining('no open warehouse HOFD in Profit_Warehouses') });
  });
});
