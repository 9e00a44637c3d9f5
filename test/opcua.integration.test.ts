/**
 * An OPC UA machine against a stand-in PLC (node-opcua in a process of its own, behind a
 * TCP proxy the test can cut): counters incrementing, the PLC killed and restarted (its
 * counters back at 0), the network cut for a while. The ERP ledger ends with exactly the
 * units produced.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpcUaMachine } from '../src/sources/config';
import { plcNodeIds } from '../src/sources/opcua/plcSimulator';
import { type OpcUaSource, startOpcUaSource } from '../src/sources/opcua/source';
import { trustPlcCertificate } from '../src/sources/opcua/trust';
import { freePort } from '../src/temporal/devServer';
import { machineStatusQuery, machineWorkflowId } from '../src/workflows/machine/workflow';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge, startPlcProcess } from './harness';
import { startTcpProxy } from './tcpProxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an OPC UA machine', () => {
  let bridge: Bridge;
  let pki: string;
  const stops: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    bridge = await startBridge({ MACHINE_HAND_OVER_EVERY: '1s' });
    pki = mkdtempSync(path.join(tmpdir(), 'opcua-pki-'));
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await bridge?.teardown();
  });

  it('ends with exactly the units produced, through a PLC restart and a network cut', async () => {
    const plant = newPlant();
    const order = '6701';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6701, itemCode: 'RING', plannedQuantity: 50, unit: 'pc', routing: [{ operation: '0010', workCentre: 'PRESS-01' }] });
    const plcPort = await freePort();
    let plc = await startPlcProcess(plcPort, 'PRESS-7', path.join(pki, 'plc'));
    stops.push(() => plc.kill());
    const proxy = await startTcpProxy(plcPort);
    stops.push(() => proxy.close());
    const machine = OpcUaMachine.parse({ plant, machine: 'PRESS-7', endpoint: `opc.tcp://127.0.0.1:${proxy.port}/UA/Plc`, nodes: plcNodeIds('PRESS-7'), watchdogSeconds: 5 });
    const source: OpcUaSource = await startOpcUaSource({ machine, delivery: bridge.delivery, rejected: bridge.rejectedInputs, pkiFolder: path.join(pki, 'client'), forwardEveryMs: 250 });
    stops.push(() => source.stop());

    const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt: new Date().toISOString(), ...fields });
    for (const event of [
      { ...floorEvents(plant, order).released('50'), operations: [{ operation: '0010', workCentre: 'PRESS-01' }] },
      e('start', { type: 'OperationStarted', operation: '0010', workCentre: 'PRESS-01', machine: 'PRESS-7' }),
    ]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'PRESS-7'));
    const counted = () => handle.query(machineStatusQuery).then((m) => m.counted.good, () => '0');
    // The source has read the counters (the machine's baseline) before the press runs.
    await eventually(async () => source.status(), (s) => s.connected && s.delivered && s.latest.good === '0');
    await eventually(async () => (await handle.query(machineStatusQuery)).lastReadingAt, (at) => at !== undefined);

    let produced = 0;
    await plc.command({ state: 'running' });
    for (let i = 0; i < 10; i++) {
      await plc.command({ produce: { good: 1, scrap: i % 5 === 4 ? 1 : 0 } });
      produced += 1;
      await sleep(100);
    }
    expect(await eventually(counted, (c) => c === String(produced), 20_000)).toBe('10');

    // The PLC goes down hard and comes back with its counters at 0.
    await plc.kill();
    plc = await startPlcProcess(plcPort, 'PRESS-7', path.join(pki, 'plc'));
    await eventually(async () => source.status(), (s) => s.connected && s.subscriptionsCreated >= 2, 45_000);
    await plc.command({ state: 'running' });
    for (let i = 0; i < 7; i++) {
      await plc.command({ produce: { good: 1 } });
      produced += 1;
      await sleep(100);
    }
    expect(await eventually(counted, (c) => c === String(produced), 30_000)).toBe('17');

    // The network goes away for a while; the press goes on making parts.
    proxy.cut();
    for (let i = 0; i < 5; i++) {
      await plc.command({ produce: { good: 1 } });
      produced += 1;
      await sleep(400);
    }
    await sleep(2000);
    proxy.restore();
    expect(await eventually(counted, (c) => c === String(produced), 45_000)).toBe('22');
    expect((await handle.query(machineStatusQuery)).resets).toBe(2); // good and scrap, at the PLC's restart

    for (const event of [e('done-op', { type: 'OperationCompleted', operation: '0010', machine: 'PRESS-7' }), e('done', { type: 'OrderCompleted' })]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const orderHandle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    await eventually(() => orderHandle.query(statusQuery), (v) => v.orderStatus === 'Completed' && v.erpSyncStatus === 'InSync', 30_000);
    const receipts = (await bridge.ledger()).filter((l) => l.entity === 'manufacturing/ShopOrderReceipts' && l.record.ShopOrderNumber === 6701);
    expect(receipts.reduce((t, r) => t.plus(String(r.record.Quantity)), new Big(0)).toString()).toBe(String(produced));
  }, 180_000);

  it('signs and encrypts (Basic256Sha256) and signs in as a user', async () => {
    const plant = newPlant();
    const plcPort = await freePort();
    const plc = await startPlcProcess(plcPort, 'LATHE-2', path.join(pki, 'secure-plc'), { PLC_USERS: 'bridge:s3cret' });
    stops.push(() => plc.kill());
    const secured = (password: string) =>
      OpcUaMachine.parse({
        plant,
        machine: 'LATHE-2',
        endpoint: `opc.tcp://127.0.0.1:${plcPort}/UA/Plc`,
        nodes: plcNodeIds('LATHE-2'),
        security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', username: 'bridge', password },
      });
    // A PLC first seen is not trusted: no session, and its certificate's thumbprint on record.
    const source = await startOpcUaSource({ machine: secured('s3cret'), delivery: bridge.delivery, rejected: bridge.rejectedInputs, pkiFolder: path.join(pki, 'secure-client-2'), forwardEveryMs: 250 });
    stops.push(() => source.stop());
    const untrusted = await eventually(() => bridge.rejectedInputs.recent(20), (r) => r.some((x) => x.source === `${plant}/LATHE-2` && x.reason.includes('is not trusted')), 30_000);
    const thumbprint = /certificate ([0-9a-f]{40}) /.exec(untrusted.find((x) => x.reason.includes('is not trusted'))!.reason)![1]!;
    expect(source.status()).toMatchObject({ connected: false, latest: {} });
    // A person compares the thumbprint with the PLC's and trusts it: the next attempt connects.
    expect(trustPlcCertificate(pki, path.join(pki, 'trusted'), thumbprint)).toMatchObject({ thumbprint });
    const refused = await startOpcUaSource({ machine: secured('wrong'), delivery: bridge.delivery, rejected: bridge.rejectedInputs, pkiFolder: path.join(pki, 'secure-client-1'), forwardEveryMs: 250 });
    stops.push(() => refused.stop());
    await plc.command({ produce: { good: 3 } });
    expect((await eventually(async () => source.status(), (s) => s.delivered && s.latest.good === '3', 30_000)).latest.good).toBe('3');
    const handle = bridge.env.client.workflow.getHandle(machineWorkflowId(plant, 'LATHE-2'));
    expect((await eventually(() => handle.query(machineStatusQuery).catch(() => undefined), (m) => m?.lastReadingAt !== undefined))?.machine).toBe('LATHE-2');
    // The wrong password never gets a session, so nothing is read through it; the refusal is on record.
    expect(refused.status()).toMatchObject({ latest: {}, delivered: true });
    const recorded = await eventually(() => bridge.rejectedInputs.recent(20), (r) => r.some((x) => x.source === `${plant}/LATHE-2`));
    expect(recorded.filter((x) => x.source === `${plant}/LATHE-2` && !x.reason.includes('is not trusted'))[0]).toMatchObject({ channel: 'opcua', reason: expect.stringMatching(/^no session: /) });
  }, 120_000);
});
