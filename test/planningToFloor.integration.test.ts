/**
 * Planning that reaches the floor: an order a planner releases in Exact starts its order
 * workflow and reaches the MES as a signed webhook; its changes and its cancellation
 * (release withdrawn, or the order deleted) reach both; a MES that does not answer gets the
 * message again (Temporal's retry), and every message is recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanningNotice } from '../src/domain/planningNotices';
import { signPayload } from '../src/sources/webhookSignature';
import { erpPlanningWorkflowId, planningStatusQuery, syncNowSignal } from '../src/workflows/erpPlanning/workflow';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, newPlant, startBridge } from './harness';

const SECRET = 'mes-notify-secret-9876';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  notice: PlanningNotice;
}

/** A MES's webhook receiver: keeps what it took; answers 503 while `failing` holds a message id. */
async function startReceiver() {
  const received: Received[] = [];
  const failing = new Set<string>();
  const answered: { messageId: string; status: number }[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const messageId = String(request.headers['x-shopfloor-message-id']);
      const status = failing.delete(messageId) ? 503 : 204;
      answered.push({ messageId, status });
      if (status === 204) received.push({ headers: request.headers, raw, notice: JSON.parse(raw) as PlanningNotice });
      response.writeHead(status).end(status === 503 ? 'MES busy' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shopfloor/planning`;
  return { url, received, failing, answered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('planning that reaches the floor', () => {
  let bridge: Bridge;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let pool: Pool;
  const plant = newPlant();

  beforeAll(async () => {
    receiver = await startReceiver();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sources-')), 'sources.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'http:',
        '  sources:',
        '    - id: line-mes',
        '      bearerToken: line-mes-token-0001',
        `      hmacSecret: ${SECRET}`,
        `      plants: [${plant}]`,
        '      eventTypes: ["*"]',
        '      notify:',
        `        url: ${receiver.url}`,
        // The store's MES takes no planning of its own: it subscribes to the ERP's materials, bills of materials and work centres.
        '    - id: store-mes',
        `      hmacSecret: ${SECRET}-store`,
        `      plants: [${plant}]`,
        '      eventTypes: [QuantityReported]',
        '      notify:',
        `        url: ${receiver.url}`,
        '        planning: false',
        '        masterData: [materials, boms, workCentres]',
      ].join('\n'),
    );
    bridge = await startBridge({ SOURCES_FILE: file, EXACT_PLANNING_PLANT: plant, PLANNING_SYNC_EVERY: '1 hour', EXACT_MASTER_DATA_READ_EVERY_MS: '0' }, { rateLimit: { perWindow: 600, windowMs: 5000, perDay: 100_000 } });
    pool = new Pool({ connectionString: bridge.workerEnv.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await bridge?.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant)).terminate('test done').catch(() => undefined);
    await bridge?.teardown();
    await pool?.end();
    await receiver?.close();
  });

  const planning = () => bridge.env.client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
  const syncNow = (fullRead = false) => planning().signal(syncNowSignal, fullRead ? { fullRead } : undefined);
  const noticeOf = (type: PlanningNotice['type'], erpOrder: string) =>
    eventually(async () => receiver.received.filter((r) => r.notice.type === type && r.notice.erpOrder === erpOrder), (found) => found.length > 0).then((found) => found[0]!);
  const order = (erpOrder: string) => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, erpOrder));
  const postEvent = (event: Record<string, unknown>) =>
    fetch(`${bridge.starterUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer line-mes-token-0001' }, body: JSON.stringify(event) });

  it('a released order reaches the MES signed and starts its workflow; the MES releasing it too changes nothing', async () => {
    bridge.simulator.seedShopOrder({
      shopOrderNumber: 8801, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc', plannedStartDate: '2026-12-02', plannedDate: '2026-12-04',
      materials: [{ itemCode: 'STEEL', plannedQuantity: 20.5, unit: 'kg' }],
      routing: [{ operation: '10', workCentre: 'SAW', runHours: 2 }, { operation: '20', workCentre: 'WELD', runHours: 3 }],
    });
    bridge.simulator.seedShopOrder({ shopOrderNumber: 8809, itemCode: 'FRAME', plannedQuantity: 5, unit: 'pc', released: false });
    await syncNow();

    const released = await noticeOf('orderReleased', '8801');
    // Signed as the MES signs what it sends: HMAC-SHA256 of "<timestamp>.<body>" with the shared secret.
    const timestamp = String(released.headers['x-shopfloor-timestamp']);
    expect(released.headers['x-shopfloor-signature']).toBe(signPayload(SECRET, timestamp, released.raw));
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(released.headers['x-shopfloor-message-id']).toBe(released.notice.messageId);
    expect(released.notice).toMatchObject({ type: 'orderReleased', plant, erpOrder: '8801', order: { material: 'FRAME', plannedQuantity: '10', unit: 'pc', plannedStart: '2026-12-02', plannedFinish: '2026-12-04' } });
    expect(released.notice.order!.components.map((c) => [c.material, c.plannedQuantity, c.unit])).toEqual([['STEEL', '20.5', 'kg']]);
    expect(released.notice.order!.operations.map((s) => [s.operation, s.workCentre])).toEqual([['10', 'SAW'], ['20', 'WELD']]);

    const status = await eventually(() => order('8801').query(statusQuery), (s) => s.orderStatus === 'Released');
    expect(status).toMatchObject({ material: 'FRAME', plannedQuantity: '10', unit: 'pc', erpOrderReference: '8801' });
    expect(status.operations).toEqual([]);
    // The order not released in Exact reaches no one.
    expect(receiver.received.filter((r) => r.notice.erpOrder === '8809')).toEqual([]);
    await expect(order('8809').describe()).rejects.toThrow();

    // The MES releases the same order itself: the same workflow takes it, nothing is rejected.
    expect((await postEvent({ type: 'OrderReleased', eventId: 'mes-8801-release', occurredAt: new Date().toISOString(), source: 'line-mes', plant, productionOrder: '8801', material: 'FRAME', plannedQuantity: '10', unit: 'pc', operations: [{ operation: '10' }, { operation: '20' }] })).status).toBe(202);
    const both = await eventually(() => order('8801').query(statusQuery), (s) => s.eventsApplied === 2);
    expect(both).toMatchObject({ orderStatus: 'Released', rejectedEvents: [] });
    // Read again without a change in Exact: nobody is told twice.
    await syncNow();
    await eventually(() => planning().query(planningStatusQuery), (s) => s.reads >= 2);
    expect(receiver.received.filter((r) => r.notice.erpOrder === '8801')).toHaveLength(1);
  });

  it("a change in Exact reaches the order and the MES; a withdrawn release cancels the order, which then refuses what the floor reports", async () => {
    bridge.simulator.updateShopOrder(8801, { plannedQuantity: 12 });
    await syncNow();
    const changed = await noticeOf('orderChanged', '8801');
    expect(changed.notice.order).toMatchObject({ plannedQuantity: '12', status: 'released' });
    await eventually(() => order('8801').query(statusQuery), (s) => s.plannedQuantity === '12');

    bridge.simulator.updateShopOrder(8801, { released: false });
    await syncNow();
    const cancelled = await noticeOf('orderCancelled', '8801');
    expect(cancelled.notice).toMatchObject({ reason: 'its release was withdrawn in the ERP', order: { status: 'planned' } });
    const status = await eventually(() => order('8801').query(statusQuery), (s) => s.orderStatus === 'Cancelled');
    expect(status.cancelled).toMatchObject({ source: 'erp:exact-123456' });

    expect((await postEvent({ type: 'QuantityReported', eventId: 'mes-8801-good-1', occurredAt: new Date().toISOString(), source: 'line-mes', plant, productionOrder: '8801', operation: '20', good: '4', unit: 'pc' })).status).toBe(202);
    const refused = await eventually(() => order('8801').query(statusQuery), (s) => s.rejectedEvents.length === 1);
    expect(refused.rejectedEvents[0]).toMatchObject({ eventId: 'mes-8801-good-1', type: 'QuantityReported' });
    expect(refused.rejectedEvents[0]!.reason).toContain('order was cancelled by erp:exact-123456');
    expect(refused).toMatchObject({ good: '0', erpSyncStatus: 'NeedsAttention' });
    expect(await bridge.ledger()).toEqual([]);

    // Released again in Exact: the order takes the same event, resent.
    bridge.simulator.updateShopOrder(8801, { released: true });
    await syncNow();
    await noticeOf('orderReleased', '8801').then(() => eventually(async () => receiver.received.filter((r) => r.notice.type === 'orderReleased' && r.notice.erpOrder === '8801'), (r) => r.length === 2));
    await eventually(() => order('8801').query(statusQuery), (s) => s.orderStatus === 'Released');
    expect((await postEvent({ type: 'QuantityReported', eventId: 'mes-8801-good-1', occurredAt: new Date().toISOString(), source: 'line-mes', plant, productionOrder: '8801', operation: '20', good: '4', unit: 'pc' })).status).toBe(202);
    await eventually(() => order('8801').query(statusQuery), (s) => s.good === '4');
  });

  it('tells the MES that subscribes of the materials, bills of materials and work centres the ERP changes, signed, once per change', async () => {
    const masterDataMessages = () => receiver.received.filter((r) => r.headers['x-shopfloor-message-id']?.toString().match(/^(materialChanged|bomChanged|workCentreChanged):/));
    bridge.simulator.seedItem('PANEL', 'pc');
    bridge.simulator.seedWorkCentre('LASER');
    bridge.simulator.seedBom('PANEL', 'pc', [{ itemCode: 'SHEET', unit: 'kg', quantity: 2.5 }]);
    await syncNow();
    const panel = await eventually(
      async () => masterDataMessages().filter((r) => (r.notice as unknown as { material?: { material: string } }).material?.material === 'PANEL'),
      (found) => found.length > 0,
    );
    const message = panel[0]!;
    // Signed with the store MES's own secret, as it signs what it sends.
    const timestamp = String(message.headers['x-shopfloor-timestamp']);
    expect(message.headers['x-shopfloor-signature']).toBe(signPayload(`${SECRET}-store`, timestamp, message.raw));
    expect(message.notice).toMatchObject({ type: 'materialChanged', plant, erpConnection: 'exact-123456', material: { material: 'PANEL', baseUnit: 'pc' } });
    const laser = await eventually(async () => masterDataMessages().filter((r) => (r.notice as unknown as { workCentre?: { code: string } }).workCentre?.code === 'LASER'), (found) => found.length > 0);
    expect(laser[0]!.notice).toMatchObject({ type: 'workCentreChanged', workCentre: { code: 'LASER' } });
    const bom = await eventually(async () => masterDataMessages().filter((r) => r.notice.type === ('bomChanged' as string)), (found) => found.length > 0);
    expect(bom[0]!.notice).toMatchObject({ parentMaterial: 'PANEL', components: [{ component: 'SHEET', quantityPer: '2.5' }] });
    // Only the MES that subscribes gets master data.
    const destinations = await pool.query<{ destination: string }>(`SELECT DISTINCT destination FROM outbound_messages WHERE message_type IN ('materialChanged', 'bomChanged', 'workCentreChanged')`);
    expect(destinations.rows.map((r) => r.destination)).toEqual(['store-mes']);

    // The item changes in Exact: one more message for PANEL; a read that changes nothing sends none.
    bridge.simulator.updateItem('PANEL', { description: 'Panel, laser cut', fractionAllowed: false });
    await syncNow();
    await eventually(async () => masterDataMessages().filter((r) => (r.notice as unknown as { material?: { material: string } }).material?.material === 'PANEL'), (found) => found.length === 2);
    const before = masterDataMessages().length;
    const { reads } = await planning().query(planningStatusQuery);
    await syncNow();
    await eventually(() => planning().query(planningStatusQuery), (s) => s.reads > reads && s.masterDataToTell === undefined);
    expect(masterDataMessages()).toHaveLength(before);
    expect((await planning().query(planningStatusQuery)).masterDataTold?.lastError).toBeUndefined();
  });

  it('an order deleted in Exact is cancelled once a full read finds it gone; a MES that fails gets the message again, and every message is recorded', async () => {
    bridge.simulator.seedShopOrder({ shopOrderNumber: 8802, itemCode: 'GATE', plannedQuantity: 3, unit: 'pc' });
    await syncNow();
    const released = await noticeOf('orderReleased', '8802');
    await eventually(() => order('8802').query(statusQuery), (s) => s.orderStatus === 'Released');

    // The MES is busy for the cancellation's first try.
    const cancellationId = `orderCancelled:exact-123456:${released.notice.erpId}:`;
    bridge.simulator.deleteFromPlanning({ shopOrderNumber: 8802 });
    await eventually(async () => {
      const rows = await pool.query<{ message_id: string }>(`SELECT message_id FROM outbound_messages WHERE subject = '8802' AND message_type = 'orderReleased'`);
      return rows.rows;
    }, (rows) => rows.length === 1);
    receiver.failing.add(`${cancellationId}${(await pool.query<{ told_fingerprint: string }>('SELECT told_fingerprint FROM planned_orders WHERE erp_order = $1 AND plant = $2', ['8802', plant])).rows[0]!.told_fingerprint}`);
    await syncNow(true);
    const cancelled = await noticeOf('orderCancelled', '8802');
    expect(cancelled.notice).toMatchObject({ reason: "deleted from the ERP's planning", erpOrder: '8802' });
    expect(cancelled.notice.order).toBeUndefined();
    expect(receiver.answered.filter((a) => a.messageId === cancelled.notice.messageId).map((a) => a.status)).toEqual([503, 204]);
    await eventually(() => order('8802').query(statusQuery), (s) => s.orderStatus === 'Cancelled');

    const recorded = await pool.query<{ outcome: string; attempt: number; http_status: number; destination: string }>(
      'SELECT outcome, attempt, http_status, destination FROM outbound_messages WHERE message_id = $1 ORDER BY id',
      [cancelled.notice.messageId],
    );
    expect(recorded.rows).toEqual([
      { outcome: 'failed', attempt: 1, http_status: 503, destination: 'line-mes' },
      { outcome: 'delivered', attempt: 2, http_status: 204, destination: 'line-mes' },
    ]);
    // Told, the deleted order is gone from the planning the MES reads, and from the store.
    const planned = (await (await fetch(`${bridge.starterUrl}/v1/planning/orders?plant=${plant}`, { headers: { authorization: 'Bearer line-mes-token-0001' } })).json()) as { orders: { erpOrder: string }[] };
    expect(planned.orders.map((o) => o.erpOrder).sort()).toEqual(['8801', '8809']);
    expect((await pool.query('SELECT 1 FROM planned_orders WHERE erp_order = $1 AND plant = $2', ['8802', plant])).rowCount).toBe(0);
    const { told } = await planning().query(planningStatusQuery);
    expect(told).toMatchObject({ released: 3, changed: 1, cancelled: 2, refused: [], notDelivered: [] });
    expect(told?.lastError).toBeUndefined();
  });
});
