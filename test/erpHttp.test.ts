/**
 * The one ERP transport (src/erp/http) against a real HTTP server: authentication, SAP's
 * CSRF fetch-and-retry-once, a call budget the ERP's headers tell, the client-error budget,
 * Retry-After, the exchange log with secrets redacted, and OData v2's paging pinned to its host.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpError } from '../src/erp/adapter';
import { inMemoryErrorBudget } from '../src/erp/exact/errorBudget';
import { withExchangeLog } from '../src/erp/http/exchangeLog';
import { odataMetadata, odataPage, odataString, pinnedNext } from '../src/erp/http/odata';
import { basicAuthentication, callBudget, createHttpTransport, csrfProtection, errorBudgetGuard, exchangeLog } from '../src/erp/http/transport';

describe('the ERP transport', () => {
  let server: Server;
  let url: string;
  let handler: (request: IncomingMessage, response: ServerResponse, body: string) => void = () => undefined;
  const seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, headers: request.headers });
        handler(request, response, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failureOf = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error('expected a failure');
      },
      (error: unknown) => error as ErpError,
    );

  it("fetches SAP's CSRF token with basic authentication, sends writes with it and its cookie, and fetches again once on 403 Required", async () => {
    let token = 'token-1';
    let refuseAll = false;
    handler = (request, response) => {
      if (request.method === 'GET' && request.headers['x-csrf-token'] === 'Fetch') {
        response.writeHead(200, { 'x-csrf-token': token, 'set-cookie': [`SAP_SESSIONID=${token}; path=/`] }).end();
        return;
      }
      if (refuseAll || request.headers['x-csrf-token'] !== token) {
        response.writeHead(403, { 'x-csrf-token': 'Required' }).end('CSRF token validation failed');
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"d":{"ok":true}}');
    };
    const http = createHttpTransport({ erp: 'SAP S/4HANA', timeoutMs: 2000, middleware: [basicAuthentication('BRIDGE', 'secret'), csrfProtection(`${url}/sap/opu/odata/sap/API/`)] });
    seen.length = 0;
    const write = () => http({ method: 'POST', url: `${url}/sap/opu/odata/sap/API/Things`, headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect((await write()).status).toBe(201);
    expect(seen.map((s) => [s.method, s.headers['x-csrf-token'], s.headers.cookie])).toEqual([
      ['GET', 'Fetch', undefined],
      ['POST', 'token-1', 'SAP_SESSIONID=token-1'],
    ]);
    expect(seen[1]!.headers.authorization).toBe(`Basic ${Buffer.from('BRIDGE:secret').toString('base64')}`);
    // The session expired: the token is fetched again and the write sent once more, then reused.
    token = 'token-2';
    seen.length = 0;
    expect((await write()).status).toBe(201);
    expect(await write()).toMatchObject({ status: 201 });
    expect(seen.map((s) => [s.method, s.headers['x-csrf-token']])).toEqual([
      ['POST', 'token-1'],
      ['GET', 'Fetch'],
      ['POST', 'token-2'],
      ['POST', 'token-2'],
    ]);
    // Refused again after a fresh token: no third try, a retryable failure for Temporal.
    refuseAll = true;
    seen.length = 0;
    const refused = await failureOf(write());
    expect(refused).toMatchObject({ classification: 'retryable', type: 'CsrfTokenRefused' });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'POST']);
  });

  it('classifies as the ERP would be read: 5xx and 429 retryable honouring Retry-After, other 4xx for a person', async () => {
    let answer = { status: 503, headers: { 'retry-after': '12' } as Record<string, string> };
    handler = (_request, response) => response.writeHead(answer.status, answer.headers).end('down for maintenance');
    const http = createHttpTransport({ erp: 'the ERP', timeoutMs: 2000 });
    const get = () => http({ method: 'GET', url: `${url}/x`, headers: {} });
    expect(await failureOf(get())).toMatchObject({ classification: 'retryable', type: 'ServerError', details: { status: 503, retryAfterMs: 12_000 } });
    answer = { status: 429, headers: { 'retry-after': '3' } };
    expect(await failureOf(get())).toMatchObject({ classification: 'retryable', type: 'RateLimited', details: { retryAfterMs: 3000 } });
    answer = { status: 422, headers: {} };
    expect(await failureOf(get())).toMatchObject({ classification: 'needsPerson', type: 'ValidationRejected', message: expect.stringContaining('down for maintenance') });
    const unreachable = createHttpTransport({ erp: 'the ERP', timeoutMs: 500 });
    expect(await failureOf(unreachable({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {} }))).toMatchObject({ classification: 'retryable', type: 'NetworkError' });
  });

  it('waits out a call budget the answers said is spent, and pauses an endpoint whose client-error budget is spent, without sending', async () => {
    handler = (_request, response) => response.writeHead(400, { 'x-remaining': '0', 'x-reset': String(Date.now() + 60_000) }).end('bad');
    const http = createHttpTransport({
      erp: 'the ERP',
      timeoutMs: 2000,
      middleware: [
        callBudget('the ERP', (headers) => (headers.get('x-remaining') === null ? [] : [{ name: 'minutely', remaining: Number(headers.get('x-remaining')), resetAt: Number(headers.get('x-reset')) }])),
        errorBudgetGuard(inMemoryErrorBudget(1), { counts: (status) => status === 400, endpointOf: (r) => `${r.method} ${new URL(r.url).pathname}` }),
      ],
    });
    seen.length = 0;
    expect(await failureOf(http({ method: 'GET', url: `${url}/budget`, headers: {} }))).toMatchObject({ type: 'ValidationRejected' });
    const spent = await failureOf(http({ method: 'GET', url: `${url}/budget`, headers: {} }));
    expect(spent).toMatchObject({ classification: 'retryable', type: 'RateLimited' });
    expect(spent.details.retryAfterMs).toBeGreaterThan(50_000);
    expect(seen).toHaveLength(1);
  });

  it('logs each exchange for the audit trail, never a header, and a secret body as [redacted]', async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"very-secret"}');
    const http = createHttpTransport({ erp: 'the ERP', timeoutMs: 2000, middleware: [basicAuthentication('u', 'p'), exchangeLog] });
    const { exchanges } = await withExchangeLog(async () => {
      await http({ method: 'POST', url: `${url}/token`, headers: {}, body: 'client_secret=s3cret', logged: '[redacted]', redactResponse: true });
      await http({ method: 'GET', url: `${url}/plain?x=1`, headers: {} });
    });
    expect(exchanges.map(({ durationMs: _d, ...x }) => x)).toEqual([
      { method: 'POST', path: '/token', request: '[redacted]', status: 200, response: '[redacted]' },
      { method: 'GET', path: '/plain?x=1', status: 200, response: '{"access_token":"very-secret"}' },
    ]);
    expect(JSON.stringify(exchanges)).not.toMatch(/s3cret|Basic /);
  });

  it("reads a service's $metadata", async () => {
    handler = (request, response) => response.writeHead(request.url === '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/$metadata' && request.headers.accept === 'application/xml' ? 200 : 404, { 'content-type': 'application/xml' }).end('<edmx:Edmx Version="1.0"/>');
    expect(await odataMetadata(createHttpTransport({ erp: 'SAP S/4HANA', timeoutMs: 2000 }), `${url}/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV`)).toBe('<edmx:Edmx Version="1.0"/>');
  });

  it("reads OData v2 pages, escapes $filter literals, and follows __next only on the connection's own host", () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    expect(odataPage({ d: { results: [{ a: 1 }], __next: 'https://erp.example/api/Things?$skiptoken=2' } })).toEqual({ rows: [{ a: 1 }], more: true, next: 'https://erp.example/api/Things?$skiptoken=2' });
    expect(odataPage({ d: { results: [] } })).toEqual({ rows: [], more: false });
    expect(() => odataPage({ error: {} })).toThrow(/not an OData v2 collection/);
    expect(pinnedNext('https://erp.example/api/Things?$skiptoken=2', 'https://erp.example/api/')).toBe('https://erp.example/api/Things?$skiptoken=2');
    expect(() => pinnedNext('https://attacker.example/api/Things', 'https://erp.example/api/')).toThrow(/not followed/);
  });
});
