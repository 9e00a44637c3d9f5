/**
 * MQTT against the real Mosquitto on 127.0.0.1:1883: Unified Namespace events from a
 * sources process killed with SIGKILL while messages are in flight (the persistent session
 * delivers what it never acknowledged; nothing is lost or counted twice), and Sparkplug B
 * edge nodes whose lost messages are made good by a rebirth.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Big from 'big.js';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSourcesConfig } from '../src/sources/config';
import { encodeSparkplug } from '../src/sources/mqtt/sparkplug';
import { type MqttSource, startMqttSource } from '../src/sources/mqtt/source';
import { machineStatusQuery, machineWorkflowId } from '../src/workflows/machine/workflow';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, exited, floorEvents, newPlant, startBridge, startBridgeProcess } from './harness';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe('MQTT, Unified Namespace', () => {
  let bridge: Bridge;
  const run = randomUUID().slice(0, 8);
  let sourcesFile: string;
  beforeAll(async () => {
    bridge = await startBridge({ POSTING_BATCH_WINDOW: '1s' });
    sourcesFile = path.join(mkdtempSync(path.join(tmpdir(), 'mqtt-')), 'sources.yaml');
    writeFileSync(
      sourcesFile,
      `version: 1\nmqtt:\n  url: ${BROKER}\n  clientId: bridge-test-${run}\n  unifiedNamespace:\n    - topic: uns-${run}/{plant}/{productionOrder}/events\n      payload: events\n      source: line-uns\n`,
    );
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('loses nothing and counts nothing twice when the bridge is killed with messages in flight', async () => {
    const plant = newPlant();
    const order = '6801';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6801, itemCode: 'NUT', plannedQuantity: 10, unit: 'pc', materials: [{ itemCode: 'WIRE', plannedQuantity: 400, unit: 'm' }] });
    expect((await bridge.postEvent(floorEvents(plant, order).released('10'))).status).toBe(202);
    const env = { ...bridge.workerEnv, SOURCES_FILE: sourcesFile };
    let sources = startBridgeProcess('src/sources/main.ts', env);
    await sources.said(/MQTT connected/);

    const publisher = await mqtt.connectAsync(BROKER, { clientId: `publisher-${run}`, protocolVersion: 5 });
    const consumed = (i: number) => JSON.stringify({ eventId: `wire-${i}`, type: 'MaterialConsumed', occurredAt: '2026-11-25T09:00:00Z', material: 'WIRE', quantity: '1.25', unit: 'm' });
    const topic = `uns-${run}/${plant}/${order}/events`;
    const COUNT = 300;
    for (let i = 0; i < COUNT; i++) {
      await publisher.publishAsync(topic, consumed(i), { qos: 1 });
      if (i % 10 === 0) await publisher.publishAsync(topic, consumed(i), { qos: 1 }); // an MES resending
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const consumedSoFar = async () => new Big((await handle.query(statusQuery)).consumption[0]?.quantity ?? '0').div('1.25').toNumber();
    await eventually(consumedSoFar, (n) => n >= 40);
    sources.child.kill('SIGKILL');
    await exited(sources.child);
    const whenKilled = await consumedSoFar();
    expect(whenKilled, 'killed with messages still in flight').toBeLessThan(COUNT);

    sources = startBridgeProcess('src/sources/main.ts', env);
    await sources.said(/MQTT connected .*\(session resumed\)/);
    expect(await eventually(consumedSoFar, (n) => n === COUNT, 60_000)).toBe(COUNT);
    expect((await handle.query(statusQuery)).duplicatesIgnored).toBeGreaterThanOrEqual(COUNT / 10);

    expect((await bridge.postEvent(floorEvents(plant, order).completed())).status).toBe(202);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.orderStatus === 'Completed');
    const issues = (await bridge.ledger()).filter((l) => l.entity === 'manufacturing/MaterialIssues' && l.record.ShopOrderNumber === 6801);
    expect(issues.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0)).toString()).toBe(new Big('1.25').times(COUNT).toString());
    sources.child.kill('SIGTERM');
    await exited(sources.child);
    await publisher.endAsync();
  }, 180_000);
});

describe('MQTT, Sparkplug B', () => {
  let bridge: Bridge;
  let source: MqttSource;
  let publisher: mqtt.MqttClient;
  const run = randomUUID().slice(0, 8);
  const group = `plant-${run}`;
  let plant: string;
  const commands: { topic: string; payload: Buffer }[] = [];
  beforeAll(async () => {
    bridge = await startBridge({ MACHINE_HAND_OVER_EVERY: '1s' });
    plant = newPlant();
    const config = parseSourcesConfig(
      `version: 1\nmqtt:\n  url: ${BROKER}\n  clientId: bridge-sparkplug-${run}\n  sparkplug:\n    - group: ${group}\n      edgeNode: press-edge\n      device: press-4\n      plant: ${plant}\n      machine: PRESS-4\n      metrics: { good: Counts/Good, scrap: Counts/Scrap, state: State }\n`,
      'sources.yaml',
      {},
    );
    source = await startMqttSource({ config: config.mqtt!, delivery: bridge.delivery, rejected: bridge.rejectedInputs });
    publisher = await mqtt.connectAsync(BROKER, { clientId: `edge-${run}`, protocolVersion: 5 });
    await publisher.subscribeAsync(`spBv1.0/${group}/NCMD/press-edge`);
    publisher.on('message', (topic, payload) => commands.push({ topic, payload }));
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await source?.stop();
    await bridge?.teardown();
  });

  const t = (seconds: number) => Date.UTC(2026, 10, 25, 9, 0, seconds);
  const counts = (seconds: number, good: number, scrap: number, byAlias: boolean) =>
    [
      { ...(byAlias ? {} : { name: 'Counts/Good' }), alias: 1, type: 'UInt32', value: good, timestamp: t(seconds) },
      { ...(byAlias ? {} : { name: 'Counts/Scrap' }), alias: 2, type: 'UInt32', value: scrap, timestamp: t(seconds) },
    ];
  const send = (type: string, seq: number, metrics: object[], device = true) =>
    publisher.publishAsync(`spBv1.0/${group}/${type}/press-edge${device ? '/press-4' : ''}`, Buffer.from(encodeSparkplug({ timestamp: Date.now(), seq, metrics })), { qos: 0 });

  it('reads counters by alias, asks for a rebirth when messages were lost, and ends with exactly what was counted', async () => {
    await send('NBIRTH', 0, [{ name: 'bdSeq', type: 'Int64', value: 0 }], false);
    await send('DBIRTH', 1, [...counts(0, 100, 10, false), { name: 'State', alias: 3, type: 'String', value: 'running', timestamp: t(0) }]);
    await send('DDATA', 2, counts(10, 105, 10, true));
    // seq 3 is lost on the way (QoS 0)
    await send('DDATA', 4, counts(30, 109, 11, true));
    const rebirth = await eventually(async () => commands, (c) => c.length > 0);
    expect(rebirth[0]!.topic).toBe(`spBv1.0/${group}/NCMD/press-edge`);
    // The node is born again, with its current (absolute) counters: nothing lost.
    await send('NBIRTH', 0, [{ name: 'bdSeq', type: 'Int64', value: 1 }], false);
    await send('DBIRTH', 1, counts(40, 112, 11, false));
    const machine = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'PRESS-4'));
    const view = await eventually(() => machine.query(machineStatusQuery).catch(() => undefined), (m) => m?.counted.good === '12');
    expect(view).toMatchObject({ counted: { good: '12', scrap: '1' }, state: 'running' });
    expect(source.status().rebirthsRequested).toBe(1);
  });

  it('records a payload that is not Sparkplug, and keeps going', async () => {
    const before = source.status().refused;
    await publisher.publishAsync(`spBv1.0/${group}/DDATA/press-edge/press-4`, Buffer.from('not protobuf at all \u0000\u00ff'), { qos: 0 });
    await eventually(async () => source.status().refused, (n) => n > before);
    const [latest] = await bridge.rejectedInputs.recent(1);
    expect(latest).toMatchObject({ channel: 'sparkplug', reference: `spBv1.0/${group}/DDATA/press-edge/press-4`, reason: expect.stringContaining('not a Sparkplug B payload') });
    expect(source.status().connected).toBe(true);
  });
});
