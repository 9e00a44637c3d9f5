/**
 * The Exact simulator's contract table checked against Exact's published fact table,
 * and the simulator's refusals checked over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExactEntityPath, exactContract, exactEntityPaths, exactRowProblem } from '../src/erp/exact/contract';
import { type ExactSimulator, createExactSimulator, exactErrorBody } from '../src/erp/exact/simulator';
import { classifyExactFailure } from '../src/erp/exact/transport';
import { publishedEndpoints } from './exactFacts';


describe("Exact's fact table is the contract", () => {
  it('describes every endpoint the bridge uses, with the methods it uses', () => {
    const methods = (entity: ExactEntityPath) => publishedEndpoints.find((e) => e.path === entity)?.methods ?? [];
    for (const entity of exactEntityPaths) expect(methods(entity), entity).toContain('GET');
    for (const entity of ['ShopOrderReceipts', 'ShopOrderReversals', 'MaterialIssues', 'MaterialReversals', 'TimeTransactions'] as const) {
      expect(methods(`manufacturing/${entity}`), entity).toContain('POST');
    }
    expect(methods('manufacturing/TimeTransactions')).toContain('DELETE');
    expect(exactContract()['manufacturing/MaterialIssues']).toMatchObject({ key: 'StockTransactionId', typeName: 'Exact.Web.Api.Models.Manufacturing.MaterialIssue' });
  });

  it('types the rows Exact serves: the simulator serves none the fact table would not', () => {
    const items = exactContract()['logistics/Items'];
    // IsSerialItem is an Edm.Boolean where IsBatchItem is an Edm.Byte: an adapter testing `=== 1` on both never sees a serial item.
    expect(exactRowProblem(items, { IsSerialItem: true, IsBatchItem: 1, Modified: '/Date(1764150000000)/', Unit: null })).toBeUndefined();
    expect(exactRowProblem(items, { IsSerialItem: 1 })).toBe('Exact.Web.Api.Models.Logistics.Item.IsSerialItem is served as 1, not as Edm.Boolean');
    expect(exactRowProblem(items, { Modified: '2026-11-26T10:00:00' })).toContain('not as Edm.DateTime');
    expect(exactRowProblem(items, { Colour: 'red' })).toBe("Exact.Web.Api.Models.Logistics.Item has no property 'Colour'");
    const reversal = exactContract()['manufacturing/MaterialReversals'];
    expect(exactRowProblem(reversal, { SerialNumbers: [{ SerialNumber: 7 }] })).toContain('SerialNumber is served as 7');
  });
});

describe('Exact simulator refuses what Exact refuses', () => {
  let simulator: ExactSimulator;
  let url: string;
  let shopOrderId: string;
  beforeAll(async () => {
    simulator = createExactSimulator({ division: 42, accessTokens: ['good-token'] });
    url = await simulator.listen(0);
    shopOrderId = String(simulator.seedShopOrder({ shopOrderNumber: 1, itemCode: 'X', plannedQuantity: 5, unit: 'pc' }).ID);
  });
  afterAll(() => simulator.close());

  const post = async (body: unknown, { token = 'good-token', division = 42 } = {}) => {
    const response = await fetch(`${url}/api/v1/${division}/manufacturing/ShopOrderReceipts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const valid = () => ({ ShopOrder: shopOrderId, Quantity: 2, TransactionDate: '2026-11-25T00:00:00' });

  it('accepts a valid receipt with 201 and the {"d": ...} envelope', async () => {
    const answer = await post(valid());
    expect(answer.status).toBe(201);
    expect(answer.body.d).toMatchObject({ ShopOrder: shopOrderId, Quantity: 2, TransactionDate: `/Date(${Date.parse('2026-11-25T00:00:00Z')})/` });
    expect(Number(answer.headers.get('X-RateLimit-Minutely-Reset'))).toBeGreaterThan(Date.now() - 1000);
  });

  it('answers a missing mandatory field with 500 and "Verplicht"', async () => {
    const { Quantity: _q, ...body } = valid();
    const answer = await post(body);
    expect(answer.status).toBe(500);
    expect(answer.body.error.message.value).toBe('Verplicht: Quantity');
  });

  it('refuses a read-only property and an unknown one', async () => {
    expect((await post({ ...valid(), ItemCode: 'X' })).body.error.message.value).toMatch(/'ItemCode' is read-only/);
    expect((await post({ ...valid(), Qty: 2 })).status).toBe(400);
  });

  it('refuses a quantity sent as a string (Edm.Double)', async () => {
    expect((await post({ ...valid(), Quantity: '2' })).status).toBe(400);
  });

  it('refuses a wrong token with 401 and a wrong division with 403', async () => {
    expect((await post(valid(), { token: 'stolen' })).status).toBe(401);
    const wrong = await post(valid(), { division: 7 });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message.value).toBe('Forbidden - WrongDivision');
  });

  it('pages lists at 60 with __next', async () => {
    for (let i = 0; i < 65; i++) simulator.seedShopOrder({ shopOrderNumber: 1000 + i, itemCode: 'P', plannedQuantity: 1, unit: 'pc' });
    const get = (u: string) => fetch(u, { headers: { Authorization: 'Bearer good-token' } }).then((r) => r.json() as Promise<any>);
    const first = await get(`${url}/api/v1/42/manufacturing/ShopOrders?$filter=ItemCode eq 'P'&$select=ID,ShopOrderNumber`);
    expect(first.d.results).toHaveLength(60);
    const second = await get(first.d.__next);
    expect(second.d.results).toHaveLength(5);
    expect(second.d.__next).toBeUndefined();
  });

  it('refuses to list an endpoint that has a sync twin without $filter, and a sync endpoint without a Timestamp', async () => {
    const get = (path: string) => fetch(`${url}/api/v1/42/${path}`, { headers: { Authorization: 'Bearer good-token' } });
    expect((await get('manufacturing/ShopOrders?$select=ID')).status).toBe(400);
    expect((await get('manufacturing/Workcenters?$select=ID')).status).toBe(200);
    expect((await get('sync/Manufacturing/ShopOrders?$select=ID')).status).toBe(400);
    const synced = (await (await get('sync/Manufacturing/ShopOrders?$filter=Timestamp gt 1L&$select=Timestamp,ShopOrderNumber')).json()) as { d: { results: { Timestamp: number }[] } };
    const stamps = synced.d.results.map((r) => r.Timestamp);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});

describe('Exact simulator refuses every body the fact table refuses', () => {
  let simulator: ExactSimulator;
  let url: string;
  beforeAll(async () => {
    // Three or four posts per endpoint: more than Exact's 60 a minute.
    simulator = createExactSimulator({ division: 7, accessTokens: ['t'], rateLimit: { perWindow: 1000, windowMs: 60_000, perDay: 100_000 } });
    url = await simulator.listen(0);
  });
  afterAll(() => simulator.close());

  const post = async (entity: string, body: unknown) => {
    const response = await fetch(`${url}/api/v1/7/${entity}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' }, body: JSON.stringify(body) });
    return { status: response.status, message: ((await response.json()) as { error: { message: { value: string } } }).error.message.value };
  };
  const writable = exactEntityPaths.filter((e) => exactContract()[e].methods.includes('POST'));

  for (const entity of writable) {
    const facts = publishedEndpoints.find((e) => e.path === entity)!;
    it(`${entity}: a missing mandatory field, an unknown field, a read-only field`, async () => {
      const mandatory = Object.entries(facts.fields).filter(([name, f]) => f.required && f.methods.includes('POST') && name !== facts.key).map(([name]) => name);
      if (mandatory.length > 0) {
        const empty = await post(entity, {});
        expect(empty.status).toBe(500);
        expect(empty.message.split('\r\n').sort()).toEqual(mandatory.map((name) => `Verplicht: ${name}`).sort());
      }
      expect((await post(entity, { NoSuchField: 1 })).status).toBe(400);
      const readOnly = Object.entries(facts.fields).find(([, f]) => !f.methods.includes('POST'))?.[0];
      if (readOnly) expect(await post(entity, { [readOnly]: null })).toMatchObject({ status: 400, message: expect.stringContaining('read-only') });
    });
  }
});

describe('Exact simulator rate limit', () => {
  it('answers 429 with an empty body once the window is spent, and the minutely headers only', async () => {
    const simulator = createExactSimulator({ division: 1, accessTokens: ['t'], rateLimit: { perWindow: 3, windowMs: 60_000, perDay: 100 } });
    const url = await simulator.listen(0);
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${url}/api/v1/1/manufacturing/Workcenters`, { headers: { Authorization: 'Bearer t' } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(await last!.text()).toBe('');
      expect(last!.headers.get('X-RateLimit-Minutely-Remaining')).toBe('0');
      expect(last!.headers.get('X-RateLimit-Remaining')).toBeNull();
    } finally {
      await simulator.close();
    }
  });
});

describe("Exact failures are classified from Exact's own answers", () => {
  const answer = (status: number, body = '', headers: Record<string, string> = {}) => new Response(status === 204 ? null : body, { status, headers });
  const classify = (status: number, body?: string, headers?: Record<string, string>) =>
    classifyExactFailure('POST', 'https://start.exactonline.nl/api/v1/1/manufacturing/MaterialIssues', answer(status, body, headers), body ?? '');
  const exactError = (message: string) => JSON.stringify(exactErrorBody(message));

  it('waits out a 429 until the reset Exact gives in epoch milliseconds', () => {
    const error = classify(429, '', { 'X-RateLimit-Minutely-Reset': String(Date.now() + 20_000) });
    expect(error).toMatchObject({ classification: 'retryable', type: 'RateLimited' });
    expect(error.details.retryAfterMs).toBeGreaterThan(18_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it('honours Retry-After on maintenance, and retries other server errors', () => {
    expect(classify(503, exactError('Service Unavailable'), { 'Retry-After': '120' })).toMatchObject({ classification: 'retryable', details: { retryAfterMs: 120_000 } });
    expect(classify(500, exactError('Er is een onverwachte fout opgetreden.'))).toMatchObject({ classification: 'retryable', type: 'ServerError' });
  });

  it('stops for a person on business errors Exact sends as HTTP 500, and on refused credentials', () => {
    expect(classify(500, exactError('Verplicht: Factuur voor\r\nVerplicht: Besteld door'))).toMatchObject({ classification: 'needsPerson', type: 'ValidationRejected', message: expect.stringContaining('Verplicht: Factuur voor') });
    expect(classify(500, exactError('Gegeven bestaat reeds.'))).toMatchObject({ classification: 'needsPerson' });
    expect(classify(401, exactError('Unauthorized'))).toMatchObject({ classification: 'needsPerson', type: 'AuthenticationFailed' });
    expect(classify(400, exactError("Error processing request stream. The property 'Qty' does not exist"))).toMatchObject({ classification: 'needsPerson' });
  });
});
