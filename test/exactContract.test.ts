/**
 * The Exact simulator's contract table checked against Exact's published fact table,
 * and the simulator's refusals checked over HTTP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exactContract } from '../src/erp/exact/contract';
import { type ExactSimulator, createExactSimulator, exactErrorBody } from '../src/erp/exact/simulator';
import { classifyExactFailure } from '../src/erp/exact/transport';

interface PublishedField { edm: string; required: boolean; methods: string[] }
interface PublishedEndpoint { path: string; methods: string[]; key: string; fields: Record<string, PublishedField> }

const published = JSON.parse(
  readFileSync(path.resolve(__dirname, '../contracts/exact/endpoints.json'), 'utf8'),
) as { endpoints: PublishedEndpoint[] };

describe('Exact contract table', () => {
  for (const [entity, endpoint] of Object.entries(exactContract)) {
    it(`${entity} matches Exact's published fields, keys, methods and mandatory flags`, () => {
      const source = published.endpoints.find((e) => e.path === entity);
      expect(source, `${entity} is published`).toBeDefined();
      expect(endpoint.key).toBe(source!.key);
      expect([...endpoint.methods].sort()).toEqual([...source!.methods].sort());
      for (const [name, field] of Object.entries(endpoint.fields) as [string, { edm: string; required?: boolean; writable?: readonly string[] }][]) {
        const truth = source!.fields[name];
        expect(truth, `${entity}.${name} exists`).toBeDefined();
        expect(field.edm, `${entity}.${name} type`).toBe(truth!.edm);
        const writable = truth!.methods.filter((m) => m === 'POST' || m === 'PUT');
        expect([...(field.writable ?? [])].sort(), `${entity}.${name} writable methods`).toEqual(writable.sort());
        if (writable.length > 0) expect(Boolean(field.required), `${entity}.${name} mandatory`).toBe(truth!.required);
      }
      // Every field Exact marks mandatory and writable is known to the simulator, so it can demand it.
      const mandatory = Object.entries(source!.fields).filter(([, f]) => f.required && f.methods.includes('POST')).map(([n]) => n);
      for (const name of mandatory) expect(endpoint.fields, `${entity}.${name} mandatory on POST`).toHaveProperty(name);
    });
  }
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
    const first = await get(`${url}/api/v1/42/manufacturing/ShopOrders?$select=ID,ShopOrderNumber`);
    expect(first.d.results).toHaveLength(60);
    const second = await get(first.d.__next);
    expect(second.d.results).toHaveLength(6);
    expect(second.d.__next).toBeUndefined();
  });
});

describe('Exact simulator rate limit', () => {
  it('answers 429 with an empty body once the window is spent, and the minutely headers only', async () => {
    const simulator = createExactSimulator({ division: 1, accessTokens: ['t'], rateLimit: { perWindow: 3, windowMs: 60_000, perDay: 100 } });
    const url = await simulator.listen(0);
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${url}/api/v1/1/manufacturing/ShopOrders`, { headers: { Authorization: 'Bearer t' } });
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
