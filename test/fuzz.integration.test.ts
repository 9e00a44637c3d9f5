/**
 * Fuzzed input on every source: HTTP bodies, Unified Namespace payloads, Sparkplug B
 * payloads and machine readings, mutated from valid ones and made up from nothing. No
 * process crashes; everything refused is refused with a reason and recorded. The seed is
 * printed; FUZZ_SEED=<seed> replays a run.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSourcesConfig } from '../src/sources/config';
import { encodeSparkplug } from '../src/sources/mqtt/sparkplug';
import { type MqttSource, startMqttSource } from '../src/sources/mqtt/source';
import { machineStatusQuery, machineWorkflowId } from '../src/workflows/machine/workflow';
import { type Bridge, eventually, floorEvents, newPlant, seededRandom, startBridge } from './harness';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

/** Seeded: every run is replayable. */
function fuzzer(s: number) {
  const next = seededRandom(s);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)]!;
  const strange = () =>
    pick<unknown>([null, true, 0, -1, 1.5, 1e308, -0, '', ' ', '12,5', '1e3', 'NaN', '0x10', '\u0000', '😀'.repeat(50), 'x'.repeat(5000), [], {}, [[[]]], { __proto__: { polluted: true } }, '2026-02-30T25:61:00Z']);
  const value = (depth = 0): unknown =>
    depth > 3 || next() < 0.5 ? strange() : next() < 0.5 ? Array.from({ length: int(4) }, () => value(depth + 1)) : Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['type', 'eventId', 'good', 'quantity', 'a', '__proto__', 'constructor']), value(depth + 1)]));
  /** A valid object with one field removed, replaced by something strange, or a strange field added. */
  const mutate = (valid: Record<string, unknown>): unknown => {
    const copy: Record<string, unknown> = { ...valid };
    const key = pick(Object.keys(copy));
    const how = int(3);
    if (how === 0) delete copy[key];
    else if (how === 1) copy[key] = strange();
    else copy[pick(['extra', 'good', 'unit', 'occurredAt'])] = value();
    return copy;
  };
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, value, mutate, bytes };
}

describe(`fuzzed input (seed ${seed})`, () => {
  let bridge: Bridge;
  let source: MqttSource;
  let publisher: mqtt.MqttClient;
  const run = randomUUID().slice(0, 8);
  const f = fuzzer(seed);
  beforeAll(async () => {
    console.log(`fuzz seed: ${seed}`);
    bridge = await startBridge();
    const config = parseSourcesConfig(
      `version: 1\nmqtt:\n  url: ${BROKER}\n  clientId: bridge-fuzz-${run}\n  unifiedNamespace:\n    - topic: fuzz-${run}/{plant}/{productionOrder}/events\n      payload: events\n    - topic: fuzz-${run}/{plant}/{machine}/counters\n      payload: machineReadings\n  sparkplug:\n    - group: fuzz-${run}\n      edgeNode: edge\n      plant: FUZZ\n      machine: M1\n      metrics: { good: Good }\n`,
      'sources.yaml',
      {},
    );
    source = await startMqttSource({ config: config.mqtt!, delivery: bridge.delivery, rejected: bridge.rejectedInputs });
    publisher = await mqtt.connectAsync(BROKER, { clientId: `fuzzer-${run}`, protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await source?.stop();
    await bridge?.teardown();
  });

  const recorded = async () => (await bridge.rejectedInputs.recent(1000)).length;

  it('HTTP: every malformed body is answered 4xx with a reason, and recorded; the API stays up', async () => {
    const plant = newPlant();
    const valid = floorEvents(plant, '1').quantity('q', '3') as Record<string, unknown>;
    const before = await recorded();
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const kind = f.int(4);
      const body = kind === 0 ? JSON.stringify(f.mutate(valid)) : kind === 1 ? JSON.stringify(f.value()) : kind === 2 ? f.bytes(f.int(200)).toString('latin1') : JSON.stringify([valid, f.mutate(valid)]);
      const response = await fetch(`${bridge.starterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      const answer = (await response.json().catch(() => undefined)) as { detail?: string; errors?: { field: string; message: string }[] } | undefined;
      expect(response.status, `body ${body.slice(0, 200)}`).not.toBeGreaterThanOrEqual(500);
      if (response.status >= 400) {
        refused += 1;
        expect(answer?.detail, `a reason for ${body.slice(0, 200)}`).toBeTruthy();
      }
    }
    expect((await fetch(`${bridge.starterUrl}/healthz`)).status).toBe(200);
    expect(refused).toBeGreaterThan(0);
    expect(await recorded()).toBe(before + refused); // every refusal, JSON or not, is on record
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('MQTT: every malformed Unified Namespace payload is refused with a reason and recorded; the source keeps going', async () => {
    const plant = newPlant();
    const valid = { eventId: 'x', type: 'MaterialConsumed', occurredAt: '2026-11-25T09:00:00Z', material: 'WIRE', quantity: '1', unit: 'm' };
    const before = source.status();
    const sent = 60;
    for (let i = 0; i < sent; i++) {
      const payload = f.next() < 0.3 ? f.bytes(f.int(100)) : Buffer.from(JSON.stringify(f.next() < 0.5 ? f.mutate(valid) : f.value()));
      const topic = f.next() < 0.8 ? `fuzz-${run}/${plant}/6901/events` : `fuzz-${run}/${plant}/M${f.int(3)}/counters`;
      await publisher.publishAsync(topic, payload, { qos: 1 });
    }
    const after = await eventually(async () => source.status(), (s) => s.handled - before.handled >= sent, 60_000);
    expect(after.handled - before.handled).toBe(sent);
    expect(after.connected).toBe(true);
    const refusals = await bridge.rejectedInputs.recent(after.refused - before.refused);
    expect(refusals.every((r) => r.reason.length > 0 && (r.channel === 'mqtt' || r.channel === 'sparkplug'))).toBe(true);
    expect(refusals.length).toBe(after.refused - before.refused);
  });

  it('Sparkplug B: random and corrupted payloads are refused or read, never fatal', async () => {
    const valid = Buffer.from(encodeSparkplug({ timestamp: Date.now(), seq: 1, metrics: [{ name: 'Good', type: 'UInt32', value: 5 }] }));
    const before = source.status();
    for (let i = 0; i < 40; i++) {
      const payload = f.next() < 0.5 ? f.bytes(f.int(64)) : Buffer.from(valid.map((b) => (f.next() < 0.1 ? f.int(256) : b)));
      await publisher.publishAsync(`spBv1.0/fuzz-${run}/${f.pick(['NDATA', 'NBIRTH', 'DDATA'])}/edge`, payload, { qos: 0 });
    }
    await publisher.publishAsync(`spBv1.0/fuzz-${run}/NBIRTH/edge`, valid, { qos: 0 }); // a good one last
    await eventually(async () => source.status(), (s) => s.handled - before.handled >= 41, 30_000);
    expect(source.status().connected).toBe(true);
  });

  it('machine readings: malformed ones are kept with the reason, and the machine workflow keeps running', async () => {
    const plant = newPlant();
    for (let i = 0; i < 30; i++) {
      const reading = f.next() < 0.5 ? f.value() : f.mutate({ at: '2026-11-25T09:00:00Z', good: 1, state: 'running', source: 'fuzz' });
      await bridge.delivery.deliverReading(plant, 'M9', reading);
    }
    await bridge.delivery.deliverReading(plant, 'M9', { at: '2026-11-25T10:00:00Z', good: 7, source: 'fuzz' });
    const machine = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'M9'));
    const view = await eventually(() => machine.query(machineStatusQuery).catch(() => undefined), (m) => m?.lastReadingAt === '2026-11-25T10:00:00Z');
    expect(view?.rejectedReadings.length).toBeGreaterThan(0);
    expect(view?.rejectedReadings.every((r) => /: /.test(r))).toBe(true);
    expect((await machine.describe()).status.name).toBe('RUNNING');
  });
});
