/**
 * Reconciliation against the Exact simulator: a receipt deleted by hand and an issue changed
 * by hand are found, reported (API, the order's details, one alert) and, on request, posted
 * as the difference, exactly once. In shadow mode the bridge sends nothing, and the report
 * compares what it would have posted with what people booked by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconciliationReport } from '../src/reconciliation/store';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type SlackSink, startSlackSink } from './alertSinks';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const CONNECTION = 'exact-123456';

/**
 * Runs an order of shop order `number` through the floor on a plant of its own: 12.5 kg of
 * STEEL consumed, 10 good, completed. Answers its workflow and Exact's shop order.
 */
async function runOrder(bridge: Bridge, number: number) {
  const plant = newPlant();
  const order = String(number);
  const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: number, itemCode: 'BRACKET', plannedQuantity: 10, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 20, unit: 'kg' }] });
  const events = floorEvents(plant, order);
  const consumed = { eventId: `${order}-c1`, type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T09:00:00+01:00', material: 'STEEL', quantity: '12.5', unit: 'kg' };
  for (const event of [events.released('10'), consumed, events.quantity('q1', '10'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
  return { plant, order, shopOrder, handle: bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)) };
}

/** Until both of the order's postings (its issue and its receipt) are posted. */
const bothPosted = (handle: Awaited<ReturnType<typeof runOrder>>['handle']) => eventually(() => handle.query(statusQuery), (v) => v.postings.length === 2 && v.postings.every((p) => p.status === 'Posted'));

/** A bridge whose orders start only from the floor (none from the ERP's planning), and whose Exact takes all the calls the test makes. */
const reconcilingBridge = (env: Record<string, string>) => startBridge({ PLANNING_STARTS_ORDERS: 'false', ...env }, { rateLimit: { perWindow: 1000, windowMs: 60_000, perDay: 100_000 } });

const simulatorHeaders = { Authorization: 'Bearer simulator-access-token', 'Content-Type': 'application/json', Accept: 'application/json' };

/** What a person books in Exact's screens: no key of the bridge's. Answers the stock transaction's id. */
async function bookByHand(bridge: Bridge, path: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${bridge.simulatorUrl}/api/v1/123456/manufacturing/${path}`, { method: 'POST', headers: simulatorHeaders, body: JSON.stringify({ ...body, TransactionDate: '/Date(1796083200000)/' }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { d: { StockTransactionId: string } }).d.StockTransactionId;
}

async function runReconciliation(bridge: Bridge): Promise<ReconciliationReport> {
  const run = await bridge.post(`/v1/reconciliation/${CONNECTION}/runs`, { wait: true });
  expect(run.status).toBe(200);
  const report = await bridge.get(`/v1/reconciliation?run=${encodeURIComponent(run.body.workflowId)}&all=true`);
  expect(report.status).toBe(200);
  return report.body as ReconciliationReport;
}

describe('reconciliation', () => {
  let bridge: Bridge;
  let slack: SlackSink;
  beforeAll(async () => {
    slack = await startSlackSink();
    // Orders stay open while the test changes the ERP behind them.
    bridge = await reconcilingBridge({ ORDER_CLOSE_AFTER: '10 minutes', ALERT_SLACK_WEBHOOK_URL: slack.url });
  });
  afterAll(async () => {
    await bridge?.teardown();
    await slack?.close();
  });

  it('finds a receipt deleted and an issue changed by hand, reports both, posts the difference on request, and clears what was put right', async () => {
    const { plant, order, shopOrder, handle } = await runOrder(bridge, 8101);
    const posted = await bothPosted(handle);
    const receipt = posted.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')!;
    const issue = posted.postings.find((p) => p.content.kind === 'MaterialIssue')!;

    // A person deletes the receipt in Exact, changes the issue to 9 kg, and books a receipt of 2 by hand.
    bridge.simulator.editByHand(receipt.erpDocumentId!, { delete: true });
    bridge.simulator.editByHand(issue.erpDocumentId!, { quantity: 9 });
    const handBooked = await bookByHand(bridge, 'ShopOrderReceipts', { ShopOrder: shopOrder.ID, Quantity: 2 });

    const report = await runReconciliation(bridge);
    expect(report.run).toMatchObject({ erpConnection: CONNECTION, shadow: false, differences: 3 });
    const found = report.orders.find((o) => o.productionOrder === order)!;
    expect(found.lines).toEqual(
      expect.arrayContaining([
        { kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', unit: 'pc', floor: '10', posted: '10', erp: '2' },
        { kind: 'MaterialIssue', erpMaterial: 'STEEL', unit: 'kg', floor: '12.5', posted: '12.5', erp: '9' },
      ]),
    );
    expect(found.differences.map((d) => [d.type, d.sequence, d.expected, d.held, d.postable])).toEqual(
      expect.arrayContaining([
        ['DeletedInErp', receipt.sequence, '10', '0', true],
        ['ChangedInErp', issue.sequence, '12.5', '9', true],
        ['BookedOutsideBridge', undefined, '0', '2', false],
      ]),
    );
    // One alert for the run, naming the order; the order's details say what differs and how to fix it.
    await eventually(async () => slack.delivered.filter((m) => m.text.startsWith('Reconciliation of')).length, (n) => n === 1);
    expect(JSON.stringify(slack.delivered.find((m) => m.text.startsWith('Reconciliation of'))!.blocks)).toContain(productionOrderWorkflowId(plant, order));
    const details = await eventually(
      async () => ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '',
      (text) => text.includes('ERP differs'),
    );
    expect(details).toContain('deleted by hand');
    expect(details).toContain(`npm run cli -- post-difference ${plant} ${order} ${receipt.sequence}`);
    // The report of the order, by plant and order.
    expect((await bridge.get(`/v1/reconciliation?plant=${plant}&order=${order}`)).body.orders[0].differences).toHaveLength(3);

    // The operator asks for both differences: a receipt of 10 again, and 3.5 kg more issued.
    for (const posting of [receipt, issue]) expect((await bridge.post(`/v1/orders/${plant}/${order}/postings/${posting.sequence}/post-erp-difference`)).status).toBe(200);
    // Asked again, there is nothing left to post.
    const again = await bridge.post(`/v1/orders/${plant}/${order}/postings/${receipt.sequence}/post-erp-difference`);
    expect(again.status).toBe(422);
    expect(again.body.detail).toContain('nothing differs');
    await eventually(() => handle.query(statusQuery), (v) => v.postings.length === 4 && v.postings.every((p) => p.status === 'Posted'));
    // The receipt booked by hand is deleted by the person who booked it.
    bridge.simulator.editByHand(handBooked, { delete: true });
    const created = (await bridge.ledger()).filter((e) => e.action === 'created' && e.record.ShopOrderNumber === 8101);
    expect(created.filter((e) => e.entity === 'manufacturing/ShopOrderReceipts').map((e) => e.record.Quantity)).toEqual([10, 2, 10]);
    expect(created.filter((e) => e.entity === 'manufacturing/MaterialIssues').map((e) => e.record.Quantity)).toEqual([12.5, 3.5]);
    // Until the next run, the details still tell what was not posted: the booking by hand.
    expect(((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails).toContain('booked outside the bridge');

    // The next run finds the ERP as the floor reported it, and the order's details say no more that it differs.
    const after = await runReconciliation(bridge);
    await eventually(async () => ((await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails ?? '', (text) => !text.includes('ERP differs'));
    const settled = after.orders.find((o) => o.productionOrder === order)!;
    expect(settled.differences).toEqual([]);
    expect(settled.lines).toEqual(
      expect.arrayContaining([
        { kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', unit: 'pc', floor: '10', posted: '10', erp: '10' },
        { kind: 'MaterialIssue', erpMaterial: 'STEEL', unit: 'kg', floor: '12.5', posted: '12.5', erp: '12.5' },
      ]),
    );
  });

  it('refuses a report query it cannot read, naming the field', async () => {
    const bad = await bridge.get('/v1/reconciliation?day=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'day' })]);
    expect((await bridge.post('/v1/reconciliation/no-such-connection/runs', {})).status).toBe(404);
  });
});

describe('the difference of a closed order', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await reconcilingBridge({ ORDER_CLOSE_AFTER: '1s' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('reopens the order from the state it closed with, which posts the difference once', async () => {
    const { plant, order, handle } = await runOrder(bridge, 8301);
    await eventually(async () => (await handle.describe()).status.name, (s) => s === 'COMPLETED');
    const { state } = (await handle.result()) as { state: { postings: { sequence: number; content: { kind: string }; erpDocumentId?: string }[] } };
    const receipt = state.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')!;
    bridge.simulator.editByHand(receipt.erpDocumentId!, { delete: true });

    const report = await runReconciliation(bridge);
    expect(report.orders.find((o) => o.productionOrder === order)!.differences.map((d) => [d.type, d.sequence])).toEqual([['DeletedInErp', receipt.sequence]]);
    const posted = await bridge.post(`/v1/orders/${plant}/${order}/postings/${receipt.sequence}/post-erp-difference`);
    expect(posted.status).toBe(200);
    await eventually(() => handle.query(statusQuery), (v) => v.postings.filter((p) => p.content.kind === 'FinishedGoodsReceipt').length === 2 && v.postings.every((p) => p.status === 'Posted'));
    const receipts = (await bridge.ledger()).filter((e) => e.action === 'created' && e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === 8301);
    expect(receipts.map((e) => e.record.Quantity)).toEqual([10, 10]);
    expect((await runReconciliation(bridge)).orders.find((o) => o.productionOrder === order)!.differences).toEqual([]);
  });
});

describe('shadow mode', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await reconcilingBridge({ ORDER_CLOSE_AFTER: '10 minutes', ERP_SHADOW: 'true' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('sends nothing to the ERP, and reports the day against what people booked by hand', async () => {
    const { plant, order, shopOrder, handle } = await runOrder(bridge, 8201);
    const view = await bothPosted(handle);
    expect(view.postings.map((p) => p.erpDocumentId)).toEqual(view.postings.map((p) => `shadow:${p.idempotencyKey}`));
    expect((await bridge.ledger()).filter((e) => e.record.ShopOrderNumber === 8201)).toEqual([]);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.map((a) => [a.outcome, a.exchanges.length])).toEqual([['shadowed', 0], ['shadowed', 0]]);

    // The people who book today: 11 kg of STEEL issued and 10 received, by hand.
    const plans = (await (await fetch(`${bridge.simulatorUrl}/api/v1/123456/manufacturing/ShopOrderMaterialPlans?$filter=${encodeURIComponent(`ShopOrder eq guid'${String(shopOrder.ID)}'`)}&$select=ID`, { headers: simulatorHeaders })).json()) as { d: { results: { ID: string }[] } };
    await bookByHand(bridge, 'MaterialIssues', { ShopOrderMaterialPlan: plans.d.results[0]!.ID, Quantity: 11, Note: 'booked by hand' });
    await bookByHand(bridge, 'ShopOrderReceipts', { ShopOrder: shopOrder.ID, Quantity: 10 });

    const run = await bridge.post(`/v1/reconciliation/${CONNECTION}/runs`, { wait: true });
    expect(run.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const report = (await bridge.get(`/v1/reconciliation?connection=${CONNECTION}&day=${today}`)).body as ReconciliationReport;
    expect(report.run).toMatchObject({ id: run.body.workflowId, shadow: true, differences: 1 });
    const compared = report.orders.find((o) => o.productionOrder === order)!;
    expect(compared.lines).toEqual(
      expect.arrayContaining([
        { kind: 'MaterialIssue', erpMaterial: 'STEEL', unit: 'kg', floor: '12.5', posted: '12.5', erp: '11' },
        { kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', unit: 'pc', floor: '10', posted: '10', erp: '10' },
      ]),
    );
    expect(compared.differences).toEqual([expect.objectContaining({ type: 'ShadowDiffers', kind: 'MaterialIssue', expected: '12.5', held: '11' })]);
    expect(compared.differences[0]!.message).toContain('1.5 less by hand');
    // Only the bookings by hand reached the ledger.
    expect((await bridge.ledger()).filter((e) => e.record.ShopOrderNumber === 8201).map((e) => e.entity)).toEqual(['manufacturing/MaterialIssues', 'manufacturing/ShopOrderReceipts']);
  });
});
