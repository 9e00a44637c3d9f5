/**
 * The starter API as sources and operators meet it: bearer tokens per source, signed
 * webhooks, operator-only actions, readiness, the orders needing attention, and the
 * record of every input it refused. Plus the sources file's errors, which name the line.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSourcesConfig } from '../src/sources/config';
import { signPayload } from '../src/sources/webhookSignature';
import { productionOrderWorkflowId } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const SOURCES = `
version: 1
http:
  sources:
    - id: mes
      bearerToken: \${MES_TOKEN}
      plants: ["*"]
      eventTypes: ["*"]
    - id: qms
      hmacSecret: qms-shared-secret
      timestampToleranceSeconds: 60
      plants: ["*"]
      eventTypes: [OrderReleased, QualityResult]
  operators:
    - name: shift-lead
      bearerToken: operator-token-123
      plants: ["*"]
      actions: [orders, masterData, connections, read]
`;

describe('the starter API with sources and operators configured', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sources-')), 'sources.yaml');
    writeFileSync(file, SOURCES);
    bridge = await startBridge({ SOURCES_FILE: file, MES_TOKEN: 'mes-token-4567-abcd' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const call = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${bridge.starterUrl}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const mes = { Authorization: 'Bearer mes-token-4567-abcd' };
  const operator = { Authorization: 'Bearer operator-token-123' };
  const started = async (plant: string, order: string) =>
    bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)).describe().then(() => true, (e: unknown) => (e instanceof WorkflowNotFoundError ? false : Promise.reject(e)));
  const event = (plant: string, order: string, source = 'mes') => ({ ...floorEvents(plant, order).released('5'), source });

  it('refuses events without a valid token with 401, and starts nothing', async () => {
    const plant = newPlant();
    expect((await call('POST', '/v1/events', event(plant, '1'))).status).toBe(401);
    expect((await call('POST', '/v1/events', event(plant, '1'), { Authorization: 'Bearer guessed' })).status).toBe(401);
    expect((await call('POST', '/v1/events', event(plant, '1'), operator)).status).toBe(403); // operators act, sources send
    expect(await started(plant, '1')).toBe(false);
    expect((await call('POST', '/v1/events', event(plant, '1'), mes)).status).toBe(202);
    expect(await started(plant, '1')).toBe(true);
  });

  it("refuses an event a source sends under another source's name, naming the field, and records it", async () => {
    const plant = newPlant();
    const answer = await call('POST', '/v1/events', [event(plant, '2'), event(plant, '2', 'qms')], mes);
    expect(answer).toMatchObject({ status: 403, body: { errors: [{ field: '1.source', message: 'must be "mes"' }] } });
    expect(await started(plant, '2')).toBe(false);
    const { body } = await call('GET', '/v1/rejected-inputs?limit=5', undefined, operator);
    expect(body.rejectedInputs[0]).toMatchObject({ channel: 'http', source: 'mes', reference: 'POST /v1/events', reason: expect.stringContaining('1.source: must be "mes"') });
    expect(body.rejectedInputs[0].payload).toContain(plant);
  });

  it('takes a signed webhook, and refuses a wrong signature or a stale timestamp', async () => {
    const plant = newPlant();
    const body = JSON.stringify({ ...event(plant, '3', 'qms') });
    const now = String(Math.floor(Date.now() / 1000));
    const signed = (timestamp: string, signature = signPayload('qms-shared-secret', timestamp, body)) => ({ 'X-Shopfloor-Timestamp': timestamp, 'X-Shopfloor-Signature': signature });
    expect((await call('POST', '/v1/webhooks/qms', body, signed(now, signPayload('wrong-secret', now, body)))).status).toBe(401);
    const stale = await call('POST', '/v1/webhooks/qms', body, signed(String(Number(now) - 600)));
    expect(stale).toMatchObject({ status: 401, body: { detail: expect.stringContaining('more than 60 s from now') } });
    expect((await call('POST', '/v1/webhooks/qms', body.replace('"5"', '"6"'), signed(now))).status).toBe(401); // body changed after signing
    expect(await started(plant, '3')).toBe(false);
    expect((await call('POST', '/v1/webhooks/qms', body, signed(now))).status).toBe(202);
    expect(await started(plant, '3')).toBe(true);
    const { body: rejected } = await call('GET', '/v1/rejected-inputs?limit=3', undefined, operator);
    expect(rejected.rejectedInputs.map((r: { reason: string }) => r.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('does not match the body'), expect.stringContaining('more than 60 s from now')]),
    );
    // A source nobody configured: 404, and nothing stored.
    const before = (await call('GET', '/v1/rejected-inputs?limit=1', undefined, operator)).body.rejectedInputs[0].id;
    expect((await call('POST', '/v1/webhooks/invented-name', body, signed(now))).status).toBe(404);
    expect((await call('GET', '/v1/rejected-inputs?limit=1', undefined, operator)).body.rejectedInputs[0].id).toBe(before);
  });

  it('keeps the first 4 KiB of a refused payload, with its size and digest', async () => {
    const big = JSON.stringify({ ...event(newPlant(), '4'), plannedQuantity: '9'.repeat(20_000) });
    expect((await call('POST', '/v1/events', big, mes)).status).toBe(400);
    const [kept] = (await call('GET', '/v1/rejected-inputs?limit=1', undefined, operator)).body.rejectedInputs;
    expect(kept.payload.length).toBe(4096);
    expect(kept).toMatchObject({ payloadBytes: Buffer.byteLength(big), payloadSha256: createHash('sha256').update(big).digest('hex') });
  });

  it('lets only operators act, lets sources and operators read, and says when it is ready', async () => {
    const plant = newPlant();
    bridge.simulator.seedShopOrder({ shopOrderNumber: 9901, itemCode: 'PIN', plannedQuantity: 5, unit: 'pc' });
    const events = floorEvents(plant, '9901');
    for (const e of [events.released('5'), events.quantity('kg', '2', '0', 'kg')]) expect((await call('POST', '/v1/events', { ...e, source: 'mes' }, mes)).status).toBe(202);
    expect((await call('PUT', '/v1/master-data/materials', { plant, material: 'X', baseUnit: 'pc' }, mes)).status).toBe(403);
    expect((await call('PUT', '/v1/master-data/materials', { plant, material: 'X', baseUnit: 'pc' }, operator)).status).toBe(200);
    const attention = await eventually(
      () => call('GET', `/v1/orders?plant=${plant}&erpSyncStatus=NeedsAttention`, undefined, mes),
      (a) => a.body?.orders?.length > 0,
    );
    expect(attention.body.orders).toEqual([expect.objectContaining({ workflowId: productionOrderWorkflowId(plant, '9901'), erpSyncStatus: 'NeedsAttention', erpSystem: 'exact' })]);
    expect((await call('GET', '/v1/orders?erpSyncStatus=Broken', undefined, mes)).status).toBe(400);
    expect(await call('GET', '/readyz')).toEqual({ status: 200, body: { temporal: 'ok', database: 'ok', erpConnections: { 'exact-123456': 'ok' } } });
    expect((await call('GET', '/v1/orders')).status).toBe(401);
  });
});

describe('scopes: each source and operator within its plants, event types, machines and actions', () => {
  const plant = newPlant();
  const other = newPlant();
  let bridge: Bridge;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scopes-')), 'sources.yaml');
    writeFileSync(
      file,
      `version: 1
http:
  sources:
    - { id: line-1, bearerToken: line-1-token-0000, plants: [${plant}], eventTypes: [OrderReleased, OperationStarted, QuantityReported], machines: [PRESS-1] }
  operators:
    - { name: viewer, bearerToken: viewer-token-00000, plants: [${plant}], actions: [read] }
    - { name: planner, bearerToken: planner-token-0000, plants: [${plant}], actions: [masterData] }
`,
    );
    bridge = await startBridge({ SOURCES_FILE: file });
  });
  afterAll(async () => bridge?.teardown());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const send = async (method: string, route: string, token: string, body?: unknown) => {
    const response = await fetch(`${bridge.starterUrl}${route}`, { method, headers: { ...as(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const line = (fields: object, where = plant) => ({ ...floorEvents(where, 'S1').released('5'), source: 'line-1', ...fields });
  const started = async (where: string, order: string) =>
    bridge.env.client.workflow.getHandle(productionOrderWorkflowId(where, order)).describe().then(() => true, (e: unknown) => (e instanceof WorkflowNotFoundError ? false : Promise.reject(e)));

  it("refuses a source's event of another plant, of a type it may not send, or naming a machine not its own, saying which, and records each", async () => {
    const refusals = [
      [line({}, other), 'plant', `source line-1 may not see or act on plant ${other}`],
      [line({ type: 'MaterialConsumed', material: 'STEEL', quantity: '1', unit: 'kg' }), 'type', 'source line-1 may not send MaterialConsumed'],
      [line({ eventId: 'S1-op', type: 'OperationStarted', operation: '10', machine: 'PRESS-2' }), 'machine', 'source line-1 may not name machine PRESS-2 (its machines: PRESS-1)'],
    ] as const;
    for (const [event, field, message] of refusals) {
      const answer = await send('POST', '/v1/events', 'line-1-token-0000', event);
      expect(answer).toMatchObject({ status: 403, body: { errors: [{ field, message: expect.stringContaining(message) }] } });
    }
    expect(await started(other, 'S1')).toBe(false);
    const { body } = await send('GET', '/v1/rejected-inputs?limit=3', 'line-1-token-0000');
    expect(body.rejectedInputs.map((r: { source: string }) => r.source)).toEqual(['line-1', 'line-1', 'line-1']);
    expect((await send('POST', '/v1/events', 'line-1-token-0000', line({}))).status).toBe(202);
  });

  it('lets an operator only what its actions say, and every caller read only its plants', async () => {
    const material = { plant, material: 'X', baseUnit: 'pc' };
    expect(await send('PUT', '/v1/master-data/materials', 'viewer-token-00000', material)).toMatchObject({ status: 403, body: { detail: expect.stringContaining('operator viewer may not do this: it needs masterData') } });
    expect((await send('PUT', '/v1/master-data/materials', 'planner-token-0000', material)).status).toBe(200);
    expect(await send('PUT', '/v1/master-data/materials', 'planner-token-0000', [material, { ...material, plant: other }])).toMatchObject({ status: 403, body: { errors: [{ field: '1.plant' }] } });
    expect((await send('POST', `/v1/orders/${plant}/S1/postings/1/retry`, 'planner-token-0000')).status).toBe(403);
    expect((await send('GET', `/v1/orders/${plant}/S1`, 'viewer-token-00000')).status).not.toBe(403);
    expect(await send('GET', `/v1/orders/${other}/S1`, 'viewer-token-00000')).toMatchObject({ status: 403, body: { detail: expect.stringContaining(`may not see or act on plant ${other}`) } });
    expect((await send('GET', `/v1/planning/orders?plant=${other}`, 'line-1-token-0000')).status).toBe(403);
    expect((await send('GET', '/v1/erp/connections', 'line-1-token-0000')).status).toBe(403);
    expect((await send('GET', '/v1/erp/connections', 'viewer-token-00000')).status).toBe(200);
    expect((await send('PUT', '/v1/erp/connections/exact-123456/authorization', 'viewer-token-00000', {})).status).toBe(403);
  });
});

describe('rate limits', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rate-')), 'sources.yaml');
    writeFileSync(file, 'version: 1\nhttp:\n  operators:\n    - { name: lead, bearerToken: lead-token-000000000, plants: ["*"], actions: [read] }\n');
    bridge = await startBridge({ RATE_LIMIT_PER_MINUTE: '5', SOURCES_FILE: file });
  });
  afterAll(async () => bridge?.teardown());

  it('answers 429 with Retry-After past a caller\'s budget, and counts no health probe', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${bridge.starterUrl}/v1/schema`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await fetch(`${bridge.starterUrl}/v1/schema`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { detail: string }).detail).toContain('at most 5 requests a minute');
    expect((await fetch(`${bridge.starterUrl}/healthz`)).status).toBe(200);
    // A token nobody configured buys no budget of its own: the address's is spent. An operator's token has its own.
    expect((await fetch(`${bridge.starterUrl}/v1/schema`, { headers: { Authorization: 'Bearer invented-token-000000' } })).status).toBe(429);
    expect((await fetch(`${bridge.starterUrl}/v1/orders`, { headers: { Authorization: 'Bearer lead-token-000000000' } })).status).toBe(200);
  });
});

describe('closed by default', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ AUTH: 'closed' });
  });
  afterAll(async () => bridge?.teardown());

  it('refuses every call but health and schema without a sources file, unless AUTH=open', async () => {
    const plant = newPlant();
    const status = async (method: string, route: string, body?: unknown) => (await fetch(`${bridge.starterUrl}${route}`, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).status;
    expect(await status('POST', '/v1/events', floorEvents(plant, 'C1').released('5'))).toBe(401);
    expect(await status('GET', '/v1/orders')).toBe(401);
    expect(await status('GET', '/v1/erp/connections')).toBe(401);
    expect(await status('GET', '/healthz')).toBe(200);
    expect(await status('GET', '/v1/schema')).toBe(200);
  });
});

describe('the operator CLI', () => {
  let bridge: Bridge;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-'));
    const file = path.join(dir, 'sources.yaml');
    writeFileSync(file, SOURCES);
    bridge = await startBridge({ SOURCES_FILE: file, MES_TOKEN: 'mes-token-4567-abcd' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  /** Runs the CLI as a process; asynchronously, since this process serves the API it calls. */
  const cli = (token: string, ...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../src/cli.ts'), ...args], { env: { ...process.env, STARTER_URL: bridge.starterUrl, SHOPFLOOR_TOKEN: token } }, (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }),
      );
    });

  it('sends events from a file, finds the order that needs a person, and skips its posting', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '9911'); // Exact does not know shop order 9911
    const file = path.join(dir, 'events.json');
    writeFileSync(file, JSON.stringify([events.released('3'), events.quantity('q', '3'), events.completed()].map((e) => ({ ...e, source: 'mes' }))));
    const sent = await cli('mes-token-4567-abcd', 'send', file);
    expect(sent).toMatchObject({ code: 0, out: expect.stringContaining(`accepted 9911-rel → production-order/${plant}/9911`) });

    await eventually(async () => (await cli('operator-token-123', 'attention', plant)).out, (out) => out.includes('9911'));
    expect((await cli('operator-token-123', 'show', plant, '9911')).out).toMatch(/#1 NeedsAttention\s+receipt 3 pc BRACKET — UnknownShopOrder: Exact Online has no shop order 9911/);
    expect(await cli('mes-token-4567-abcd', 'skip', plant, '9911', '1', 'booked by hand')).toMatchObject({ code: 1, err: expect.stringContaining('403') });
    expect(await cli('operator-token-123', 'skip', plant, '9911', '1', 'booked', 'by', 'hand')).toMatchObject({ code: 0, out: 'posting 1: Skipped; order ERP InSync\n' });
    expect((await cli('operator-token-123', 'show', plant, '9911')).out).toContain('#1 Skipped        receipt 3 pc BRACKET — skipped: booked by hand');
    expect(await cli('operator-token-123', 'send', path.join(dir, 'missing.json'))).toMatchObject({ code: 1, err: expect.stringContaining('ENOENT') });
    expect(await cli('operator-token-123', 'frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('attention [plant]') });
  });
});

describe('the sources file', () => {
  const parse = (text: string, env: Record<string, string> = {}) => () => parseSourcesConfig(text, 'sources.yaml', env);

  it('names the line and the field of every error', () => {
    expect(parse(`version: 1\nopcua:\n  machines:\n    - plant: P1\n      machine: PRESS-3\n      endpoint: http://plc:4840\n      nodes: { good: "ns=2;s=Good" }\n`)).toThrow(
      'sources.yaml:6: opcua.machines.0.endpoint: must be an opc.tcp:// URL',
    );
    expect(parse(`version: 1\nhttp:\n  sources:\n    - id: mes\n      plants: [P1]\n      eventTypes: ["*"]\n`)).toThrow('sources.yaml:4: http.sources.0: give bearerToken or hmacSecret');
    expect(parse(`version: 1\nhttp:\n  sources:\n    - { id: mes, bearerToken: mes-token-000000000, eventTypes: [Shipped] }\n`)).toThrow(/^sources.yaml:4: http.sources.0.plants: .*\n.*eventTypes.0: must be an event type/s);
    expect(parse(`version: 1\nmqtt:\n  url: mqtt://b\n  clientId: c\n  unifiedNamespace:\n    - topic: acme/+/events\n      payload: events\n`)).toThrow(/^sources.yaml:6: mqtt.unifiedNamespace.0.topic: use \{placeholders\}/);
  });

  it('takes secrets from the environment, and says which one is missing', () => {
    const text = `version: 1\nhttp:\n  sources:\n    - id: mes\n      bearerToken: \${MES_TOKEN}\n      plants: [P1]\n      eventTypes: ["*"]\n`;
    expect(parse(text)).toThrow('sources.yaml:5: http.sources.0.bearerToken: environment variable MES_TOKEN is not set');
    expect(parse(text, { MES_TOKEN: 'a-long-token-5678' })().http.sources[0]).toMatchObject({ id: 'mes', bearerToken: 'a-long-token-5678', plants: ['P1'] });
    expect(parse(text, { MES_TOKEN: 'short-token' })).toThrow('sources.yaml:5: http.sources.0.bearerToken: must be at least 16 characters (a secret)');
  });

  it('says where a file is not YAML at all, and how to write a secret inside { }', () => {
    expect(parse('version: 1\nhttp: [\n')).toThrow(/^sources.yaml:\d+: /);
    const flowSecret = 'version: 1\nhttp:\n  operators:\n    - { name: lead, bearerToken: ${LEAD_TOKEN}, plants: [P1], actions: [read] }\n';
    expect(parse(flowSecret)).toThrow(/^sources.yaml:4: .*write a secret in quotes/);
    expect(parse(flowSecret.replace('${LEAD_TOKEN}', '"${LEAD_TOKEN}"'), { LEAD_TOKEN: 'lead-token-1234567' })().http.operators).toEqual([{ name: 'lead', bearerToken: 'lead-token-1234567', plants: ['P1'], actions: ['read'] }]);
  });

  it('parses the example the README gives', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const example = readme.split('## Machines: OPC UA')[1]?.split('```yaml\n')[1]?.split('```')[0];
    const config = parse(`version: 1\n${example}`, { PRESS_7_PASSWORD: 'press-7-secret' })();
    expect(config.opcua?.machines[0]).toMatchObject({ machine: 'PRESS-7', security: { mode: 'SignAndEncrypt', password: 'press-7-secret' } });
    expect(config.mqtt?.unifiedNamespace).toHaveLength(2);
    expect(config.mqtt?.sparkplug[0]).toMatchObject({ machine: 'PRESS-9', metrics: { good: 'Counters/Good' } });
  });
});
