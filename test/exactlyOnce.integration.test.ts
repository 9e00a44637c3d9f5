/**
 * Exactly once on the paths a reviewer walks: a look-up never adopts a document another
 * order (or a person) made, and every attempt after the first looks in the ERP first,
 * whoever started it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { productionOrderWorkflowId, retryPostingUpdate, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('exactly once on every path', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({}, { rateLimit: { perWindow: 1000, windowMs: 60_000, perDay: 100_000 } });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const receiptsOf = async (shopOrderNumber: number) =>
    (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.action === 'created' && e.record.ShopOrderNumber === shopOrderNumber);
  /** A receipt a person books in Exact, as Exact's own screens would: no draft id of ours. */
  const bookByHand = async (shopOrderId: string, quantity: number, date: string) => {
    const response = await fetch(`${bridge.simulatorUrl}/api/v1/123456/manufacturing/ShopOrderReceipts`, {
      method: 'POST',
      headers: { Authorization: 'Bearer simulator-access-token', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ ShopOrder: shopOrderId, Quantity: quantity, TransactionDate: `/Date(${Date.parse(`${date}T00:00:00Z`)})/` }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { d: { StockTransactionId: string } }).d.StockTransactionId;
  };
  const settled = (plant: string, order: string) =>
    eventually(
      () => bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order)).query(statusQuery),
      (v) => v.postings.length > 0 && v.postings.every((p) => p.status !== 'Pending'),
    );

  it('gives each of the orders that share one Exact shop order exactly its own receipt, beside one booked by hand', async () => {
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 6101, itemCode: 'BRACKET', plannedQuantity: 30, unit: 'pc' });
    const handBooked = await bookByHand(String(shopOrder.ID), 10, '2026-11-25');
    // Order A, plant 1: its receipt goes through.
    const plantA = newPlant();
    const a = floorEvents(plantA, '6101');
    for (const event of [a.released('10'), a.quantity('q1', '10'), a.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const viewA = await settled(plantA, '6101');
    // Order B, plant 2, the same MES order number: its first attempt is cut before Exact commits.
    bridge.simulator.injectFault({ kind: 'status', status: 503, method: 'POST', path: 'manufacturing/ShopOrderReceipts', times: 1 });
    const plantB = newPlant();
    const b = floorEvents(plantB, '6101');
    for (const event of [b.released('10'), b.quantity('q1', '10'), b.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const viewB = await settled(plantB, '6101');
    // Order C, an MES split mapped to the same Exact order, also cut before Exact commits.
    bridge.simulator.injectFault({ kind: 'status', status: 503, method: 'POST', path: 'manufacturing/ShopOrderReceipts', times: 1 });
    const plantC = newPlant();
    const c = floorEvents(plantC, '6101-B');
    for (const event of [{ ...c.released('10'), erpOrder: '6101' }, c.quantity('q1', '10'), c.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const viewC = await settled(plantC, '6101-B');

    const receipts = await receiptsOf(6101);
    expect(receipts).toHaveLength(4);
    const documents = [viewA, viewB, viewC].map((v) => v.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')!.erpDocumentId);
    expect(new Set(documents).size).toBe(3);
    expect(documents).not.toContain(handBooked);
    expect(receipts.map((r) => r.id).sort()).toEqual([...documents, handBooked].sort());
    for (const view of [viewA, viewB, viewC]) expect(view.erpSyncStatus).toBe('InSync');
    const attemptsB = await bridge.audit.attemptsFor(plantB, '6101');
    expect(attemptsB.map((x) => x.outcome)).toEqual(['retryable-error', 'posted']);
  });

  it("looks in Exact first on an operator's retry: commit, lost answer, an attempt that needs a person, the retry the alert asks for, one document", async () => {
    const plant = newPlant();
    const order = '6201';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6201, itemCode: 'FRAME', plannedQuantity: 10, unit: 'pc', materials: [{ itemCode: 'STEEL', plannedQuantity: 20, unit: 'kg' }] });
    // Exact commits the issue and the answer is lost; the next attempt's look-up meets a refused token (a person must act).
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialIssues', times: 1 });
    bridge.simulator.injectFault({ kind: 'status', status: 401, method: 'GET', path: 'manufacturing/MaterialIssues', times: 1 });
    const events = floorEvents(plant, order);
    const consumed = { eventId: `${order}-c1`, type: 'MaterialConsumed', source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T09:00:00+01:00', material: 'STEEL', quantity: '12.5', unit: 'kg' };
    for (const event of [events.released('10'), consumed]) expect((await bridge.postEvent(event)).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    const stuck = await eventually(() => handle.query(statusQuery), (v) => v.postings.some((p) => p.status === 'NeedsAttention'));
    const posting = stuck.postings.find((p) => p.status === 'NeedsAttention')!;
    expect(posting.error?.type).toBe('AuthenticationFailed');
    await handle.executeUpdate(retryPostingUpdate, { args: [{ sequence: posting.sequence }] });
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(view.erpSyncStatus).toBe('InSync');
    const issues = (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.record.ShopOrderNumber === 6201);
    expect(issues).toHaveLength(1);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.map((a) => a.outcome)).toEqual(['retryable-error', 'needs-person', 'found-existing']);
  });
});

describe('exactly once beyond retention', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge({ ORDER_CLOSE_AFTER: '1s', POSTING_BATCH_WINDOW: '0' });
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('recognises a resent event and continues the posting sequence after the closed order is deleted from Temporal', async () => {
    const plant = newPlant();
    const order = '6401';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6401, itemCode: 'BRACKET', plannedQuantity: 20, unit: 'pc' });
    const events = floorEvents(plant, order);
    for (const event of [events.released('20'), events.quantity('q1', '10'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const workflowId = productionOrderWorkflowId(plant, order);
    const handle = bridge.env.client.workflow.getHandle(workflowId);
    await eventually(async () => (await handle.describe()).status.name, (s) => s === 'COMPLETED', 20_000);
    const closed = await handle.result();
    const lastSequence = closed.state.postings.at(-1)!.sequence;

    // Retention ran out (or someone deleted it): Temporal no longer has the closed run (the dev server takes about half a minute).
    execFileSync(path.resolve(__dirname, '../.tools/temporal'), ['workflow', 'delete', '--address', inject('temporalAddress'), '--workflow-id', workflowId], { stdio: 'pipe' });
    await eventually(async () => handle.describe().then(() => 'exists', (e) => (e instanceof WorkflowNotFoundError ? 'gone' : 'exists')), (s) => s === 'gone', 90_000);
    expect(await handle.describe().catch((e) => e)).toBeInstanceOf(WorkflowNotFoundError);

    // The MES resends its report, then reports more: the first is recognised, the second posted under the next key.
    expect((await bridge.postEvent(events.quantity('q1', '10'))).status).toBe(202);
    expect((await bridge.postEvent(events.quantity('q2', '5'))).status).toBe(202);
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.good === '15');
    expect(view).toMatchObject({ good: '15', duplicatesIgnored: 1 });
    const next = view.postings.at(-1)!;
    expect(next).toMatchObject({ sequence: lastSequence + 1, idempotencyKey: `${workflowId}#${lastSequence + 1}`, status: 'Posted' });
    const receipts = (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrderNumber === 6401);
    expect(receipts.map((r) => r.record.Quantity)).toEqual([10, 5]);
  }, 150_000);
});
