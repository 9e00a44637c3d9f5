/**
 * Payloads encrypted on their way to Temporal: nothing of an order's materials, quantities or
 * ERP tokens is in clear in the server's history, and through the starter API's codec
 * endpoint, called as the Temporal Web UI calls it, an operator sees them decrypted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncryptionCodec, parsePayloadKeys } from '../src/temporal/payloadCodec';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const oldKey = `k1:${randomBytes(32).toString('base64')}`;
const newKey = `k2:${randomBytes(32).toString('base64')}`;

describe('encrypted payloads', () => {
  const plant = newPlant();
  let bridge: Bridge;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'codec-')), 'sources.yaml');
    writeFileSync(file, 'version: 1\nhttp:\n  operators:\n    - { name: lead, bearerToken: lead-token-000000000, plants: ["*"], actions: [read] }\n  sources:\n    - { id: test-mes, bearerToken: mes-token-0000000000, plants: ["*"], eventTypes: ["*"] }\n');
    bridge = await startBridge({ SOURCES_FILE: file, PAYLOAD_KEYS: `${newKey},${oldKey}`, CODEC_CORS_ORIGIN: 'http://ui.example:8233' });
  });
  afterAll(async () => bridge?.teardown());

  it("keeps an order's materials and quantities out of Temporal in clear, and shows them to an operator through the codec endpoint", async () => {
    const events = floorEvents(plant, '4711');
    const send = (body: unknown) => fetch(`${bridge.starterUrl}/v1/events`, { method: 'POST', headers: { Authorization: 'Bearer mes-token-0000000000', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    for (const e of [events.released('12'), { ...events.quantity('q', '7'), good: '7.25' }]) expect((await send(e)).status).toBe(202);
    const handle = bridge.client.workflow.getHandle(productionOrderWorkflowId(plant, '4711'));
    // Through the bridge's own client (with the codec) the order reads as ever.
    expect((await eventually(() => handle.query(statusQuery), (v) => v.good === '7.25')).plannedQuantity).toBe('12');

    // The server's history as any client without the key sees it: sealed.
    const raw = await bridge.env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: productionOrderWorkflowId(plant, '4711') } });
    // Every byte field as text (Buffers would otherwise serialise as lists of numbers, hiding what they hold).
    const asText = (v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : Array.isArray(v) ? v.map(asText) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x)])) : v);
    const payloads = JSON.stringify(asText(raw.history?.events ?? []));
    expect(payloads).toContain(plant);
    for (const secret of ['BRACKET', '7.25', 'OrderReleased', 'simulator-access-token']) expect(payloads).not.toContain(secret);
    expect(payloads).toContain('binary/encrypted');

    // As the Web UI calls a codec server: base64 payloads, the namespace in a header, the operator's token.
    const started = raw.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const asJson = started.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') }));
    const decode = (headers: Record<string, string>) => fetch(`${bridge.starterUrl}/codec/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers }, body: JSON.stringify({ payloads: asJson }) });
    expect((await decode({})).status).toBe(401);
    const decoded = await decode({ Authorization: 'Bearer lead-token-000000000', Origin: 'http://ui.example:8233' });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe('http://ui.example:8233');
    const { payloads: clear } = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(clear[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(clear[0]!.data, 'base64').toString()).toContain(plant);
    // The temporal CLI sends no payloads as {} (protobuf JSON leaves an empty list out); the Web UI without sign-in names the token in the path.
    const empty = await fetch(`${bridge.starterUrl}/codec/lead-token-000000000/encode`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(await empty.json()).toEqual({ payloads: [] });
    // The Web UI asks first whether it may (a preflight without a token).
    const preflight = await fetch(`${bridge.starterUrl}/codec/decode`, { method: 'OPTIONS', headers: { Origin: 'http://ui.example:8233', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
  });

  it('opens what an older key sealed, seals with the first, and refuses a payload of a key it lacks', async () => {
    const [sealing, older] = parsePayloadKeys(`${newKey},${oldKey}`);
    const before = createEncryptionCodec([older!]);
    const now = createEncryptionCodec([sealing!, older!]);
    const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('"STEEL 4.5 kg"') };
    const [sealedBefore] = await before.encode([payload]);
    expect(new TextDecoder().decode((await now.decode([sealedBefore!]))[0]!.data!)).toBe('"STEEL 4.5 kg"');
    const [sealedNow] = await now.encode([payload]);
    expect(new TextDecoder().decode(sealedNow!.metadata!['encryption-key-id'])).toBe('k2');
    await expect(before.decode([sealedNow!])).rejects.toThrow('key k2, which PAYLOAD_KEYS does not hold');
    expect(() => parsePayloadKeys('k1:c2hvcnQ=')).toThrow('PAYLOAD_KEYS: key k1 must be 32 bytes');
  });
});
