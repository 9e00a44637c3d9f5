/**
 * One deployment, several ERP connections: plant P1 posts to Exact division A and plant
 * P2 to division B, each into its own ledger, and each connection is checked on its own.
 * The ERP_CONNECTIONS file is validated like the sources file: line and field in every error.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseErpConnections } from '../src/erp/connections';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('one deployment, a plant per Exact division', () => {
  const [p1, p2] = [newPlant(), newPlant()];
  const [divisionA, divisionB] = [410001, 420002];
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ EXACT_DIVISION: String(divisionA) }, { plants: [p1], divisions: [{ division: divisionB, plants: [p2] }] });
  });
  afterAll(async () => bridge?.teardown());

  it("posts each plant's orders into its own division's ledger, and checks both connections", async () => {
    const b = bridge.divisionSimulators.get(divisionB)!;
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6101, itemCode: 'BRACKET', plannedQuantity: 10 });
    b.seedShopOrder({ shopOrderNumber: 6201, itemCode: 'BRACKET', plannedQuantity: 20 });
    for (const [plant, order, good] of [[p1, '6101', '9'], [p2, '6201', '18']] as const) {
      const events = floorEvents(plant, order);
      for (const event of [events.released(), events.quantity('q', good), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const receipts = (simulator: typeof b) => simulator.ledger().filter((e) => e.entity === 'manufacturing/ShopOrderReceipts').map((e) => [e.record.ShopOrderNumber, new Big(String(e.record.Quantity)).toString()]);
    await eventually(async () => [receipts(bridge.simulator), receipts(b)], ([a, other]) => a!.length > 0 && other!.length > 0);
    expect(receipts(bridge.simulator)).toEqual([[6101, '9']]);
    expect(receipts(b)).toEqual([[6201, '18']]);

    // Each order names its connection, for the Web UI's lists.
    const attributes = async (plant: string, order: string) =>
      Object.fromEntries((await bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)).describe()).typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(await attributes(p1, '6101')).toMatchObject({ ErpSystem: 'exact', ErpConnection: `exact-${divisionA}` });
    expect(await attributes(p2, '6201')).toMatchObject({ ErpSystem: 'exact', ErpConnection: `exact-${divisionB}` });
    const view = await eventually(() => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(p2, '6201')).query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(view.postings[0]).toMatchObject({ status: 'Posted' });

    const { connections } = (await (await fetch(`${bridge.starterUrl}/v1/erp/connections`)).json()) as { connections: { id: string; plants: string[]; check: { ok: boolean; detail: string } }[] };
    expect(connections.map((c) => [c.id, c.plants, c.check.ok])).toEqual([
      [`exact-${divisionA}`, [p1], true],
      [`exact-${divisionB}`, [p2], true],
    ]);
    expect(connections[1]!.check.detail).toContain(`division ${divisionB}`);
  });

  it('says in `npm run cli -- connections --check` whether each connection works, and a check turns red when its ERP goes away', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../src/cli.ts'), ...args], { env: { ...process.env, STARTER_URL: bridge.starterUrl } }, (error, out) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, out }),
        ),
      );
    const healthy = await cli('connections', '--check');
    expect(healthy.code).toBe(0);
    expect(healthy.out).toContain(`exact-${divisionB} (Exact Online division ${divisionB}, plants ${p2}): Connected\n  check: ok`);
    // Division B's simulator goes away: the connection's next check says so (the API reuses a check for a minute).
    await bridge.divisionSimulators.get(divisionB)!.close();
    const broken = await bridge.connections.byId(`exact-${divisionB}`)!.check();
    expect(broken).toMatchObject({ ok: false, detail: expect.stringContaining('did not answer') });
  });

  it('refuses an event of a plant no connection serves, naming the plant, and starts nothing', async () => {
    const plant = newPlant();
    const answer = await bridge.postEvent(floorEvents(plant, '6301').released());
    expect(answer).toMatchObject({ status: 422, body: { title: 'No ERP connection', detail: expect.stringContaining(`plant ${plant}`) } });
    const rejected = (await (await fetch(`${bridge.starterUrl}/v1/rejected-inputs`)).json()) as { rejectedInputs: { reason: string }[] };
    expect(rejected.rejectedInputs.some((r) => r.reason.includes(`no ERP connection serves plant ${plant}`))).toBe(true);
  });
});

describe('the ERP_CONNECTIONS file', () => {
  const env = { DIVISION_A_TOKEN: 'token-of-division-a' };
  const parse = (text: string) => parseErpConnections(text, 'erp-connections.yaml', env);

  it('reads connections, their plants and their secrets from the environment', () => {
    const [a, b] = parse(`version: 1
connections:
  - id: exact-a
    erp: exact
    plants: [P1]
    baseUrl: https://start.exactonline.nl
    division: 1001
    accessToken: \${DIVISION_A_TOKEN}
  - id: lab
    erp: loopback
    plants: ["*"]
    baseUrl: http://127.0.0.1:9999
    token: loopback-secret
`);
    expect(a).toMatchObject({ id: 'exact-a', erp: 'exact', plants: ['P1'], settings: { division: 1001, accessToken: 'token-of-division-a', maxPostingsPerSecond: 0.75 } });
    expect(b).toMatchObject({ id: 'lab', erp: 'loopback', plants: ['*'] });
  });

  it('names the line and the field of every error', () => {
    expect(() => parse('version: 1\nconnections:\n  - id: a\n    erp: exakt\n    plants: [P1]\n')).toThrow(/erp-connections\.yaml:4: connections\.0\.erp: must be one of: exact, loopback/);
    expect(() => parse('version: 1\nconnections:\n  - id: a\n    erp: exact\n    plants: [P1]\n    division: -3\n')).toThrow(/erp-connections\.yaml:6: connections\.0\.division: /);
    expect(() => parse('version: 1\nconnections:\n  - id: a\n    erp: exact\n    plants: [P1]\n    division: 1\n    accessToken: ${MISSING}\n')).toThrow(/erp-connections\.yaml:7: connections\.0\.accessToken: environment variable MISSING is not set/);
    expect(() => parse('version: 1\nconnections:\n  - id: a\n    erp: exact\n    plants: [P1]\n    division: 1\n  - id: b\n    erp: exact\n    plants: [P1]\n    division: 2\n')).toThrow(/plant P1 is served by both a and b/);
  });
});
