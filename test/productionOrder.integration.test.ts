import { WorkflowNotFoundError } from '@temporalio/client';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorsQuery, pendingPostingsQuery, postedPostingsQuery, productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, activityAttempts, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('production order, from the floor to Exact Online', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge();
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  const receiptsFor = async (shopOrderId: unknown) =>
    (await bridge.ledger()).filter((e) => e.entity === 'manufacturing/ShopOrderReceipts' && e.record.ShopOrder === shopOrderId);

  it('posts one finished-goods receipt of the good quantity, ignoring a resent event', async () => {
    const plant = newPlant();
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 5001, itemCode: 'BRACKET', plannedQuantity: 100, unit: 'pc' });
    const events = floorEvents(plant, '5001');
    for (const event of [events.released(), events.quantity('q1', '60.25', '2'), events.quantity('q1', '60.25', '2'), events.quantity('q2', '37.5', '1'), events.completed()]) {
      const answer = await bridge.postEvent(event);
      expect(answer.status).toBe(202);
    }
    const receipts = await eventually(() => receiptsFor(shopOrder.ID), (r) => r.length > 0);
    expect(receipts).toHaveLength(1);
    expect(new Big(String(receipts[0]!.record.Quantity)).eq('97.75')).toBe(true);
    expect(receipts[0]!.record.TransactionDate).toBe(`/Date(${Date.parse('2026-11-25T00:00:00Z')})/`);

    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5001'));
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(view).toMatchObject({ orderStatus: 'Completed', erpSyncStatus: 'InSync', good: '97.75', scrap: '3', duplicatesIgnored: 1 });
    expect(view.postings[0]).toMatchObject({ status: 'Posted', erpDocumentId: receipts[0]!.id, idempotencyKey: `production-order/${plant}/5001#1` });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([['ProductionOrder', '5001'], ['Plant', plant], ['ErpSystem', 'exact'], ['OrderStatus', 'Completed'], ['ErpSyncStatus', 'InSync']]),
    );
    expect(await description.staticSummary()).toContain('Production order 5001');
  });

  it('counts quantities reported before the release once the release arrives', async () => {
    const plant = newPlant();
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 5002, itemCode: 'BRACKET', plannedQuantity: 10, unit: 'pc' });
    const events = floorEvents(plant, '5002');
    for (const event of [events.quantity('q1', '4'), events.completed(), events.released('10'), events.quantity('q2', '6')]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const receipts = await eventually(() => receiptsFor(shopOrder.ID), (r) => r.length > 0);
    // The receipt is planned as soon as release and completion are both known; the later report gets its own.
    const all = await eventually(() => receiptsFor(shopOrder.ID), (r) => r.reduce((t, e) => t.plus(String(e.record.Quantity)), new Big(0)).eq(10));
    expect(receipts.length).toBeGreaterThan(0);
    expect(all.reduce((t, e) => t.plus(String(e.record.Quantity)), new Big(0)).toString()).toBe('10');
  });

  it('posts exactly one receipt when Exact commits it but the acknowledgement is lost', async () => {
    const plant = newPlant();
    const shopOrder = bridge.simulator.seedShopOrder({ shopOrderNumber: 5003, itemCode: 'BRACKET', plannedQuantity: 50, unit: 'pc' });
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/ShopOrderReceipts', times: 1 });
    const events = floorEvents(plant, '5003');
    for (const event of [events.released('50'), events.quantity('q1', '48', '2'), events.completed()]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5003'));
    const view = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus !== 'Pending');
    expect(view.erpSyncStatus).toBe('InSync');
    // The posting activity was retried after the lost answer…
    expect(await activityAttempts(handle, 'postToErp')).toEqual([2]);
    // …and the ERP still holds exactly one receipt, the one the workflow recorded.
    const receipts = await receiptsFor(shopOrder.ID);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.record.Quantity).toBe(48);
    expect(view.postings[0]!.erpDocumentId).toBe(receipts[0]!.id);

    // The audit trail shows both attempts: the lost answer, then the receipt found in Exact.
    const attempts = await bridge.audit.attemptsFor(plant, '5003');
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'retryable-error'], [2, 'found-existing']]);
    expect(attempts[0]!.exchanges.map((x) => `${x.method} ${x.path.split('?')[0]} ${x.status ?? x.error}`)).toEqual([
      'GET /api/v1/123456/manufacturing/ShopOrders 200',
      expect.stringMatching(/^POST \/api\/v1\/123456\/manufacturing\/ShopOrderReceipts Exact Online did not answer/),
    ]);
    expect(attempts[0]!.exchanges[1]!.request).toMatchObject({ ShopOrder: shopOrder.ID, Quantity: 48, TransactionDate: '2026-11-25T00:00:00' });
    expect(attempts[1]).toMatchObject({ erpDocumentId: receipts[0]!.id, idempotencyKey: `production-order/${plant}/5003#1`, posting: { quantity: '48' } });
    expect(JSON.stringify(attempts)).not.toContain('simulator-access-token');
  });

  it('answers a malformed event with 400 naming the field, and starts nothing', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5004');
    const answer = await bridge.postEvent({ ...events.quantity('q1', '12,5'), occurredAt: 'yesterday' });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'good', message: expect.stringContaining('decimal') }),
        expect.objectContaining({ field: 'occurredAt' }),
      ]),
    );
    await expect(bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5004')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('rejects a whole batch with one bad event, naming its index, and starts nothing', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5005');
    const { type: _dropped, ...untyped } = events.completed();
    const answer = await bridge.postEvent([events.released(), untyped]);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: '1.type' })]);
    await expect(bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5005')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('publishes the event schema, every event type in it', async () => {
    const schema = (await (await fetch(`${bridge.starterUrl}/v1/schema`)).json()) as { oneOf?: { properties: { type: { const: string } } }[]; anyOf?: unknown[] };
    const variants = (schema.oneOf ?? schema.anyOf) as { properties: { type: { const: string }; good?: unknown } }[];
    expect(variants.map((v) => v.properties.type.const).sort()).toEqual(
      ['ByProductReported', 'EventCorrected', 'MaterialConsumed', 'OperationCompleted', 'OperationStarted', 'OrderCancelled', 'OrderCompleted', 'OrderReleased', 'QualityResult', 'QuantityReported', 'StockTransferred', 'TimeBooked'],
    );
    expect(variants.find((v) => v.properties.type.const === 'QuantityReported')!.properties.good).toMatchObject({ type: 'string', pattern: expect.any(String) });
  });

  it('answers a body that is not JSON with a problem, not a crash', async () => {
    const answer = await bridge.postEvent('{"eventId": ');
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain('application/problem+json');
  });

  it('stops only the posting Exact rejects, and posts it after an operator corrects the order mapping', async () => {
    const plant = newPlant();
    const mapped = bridge.simulator.seedShopOrder({ shopOrderNumber: 7006, itemCode: 'BRACKET', plannedQuantity: 5, unit: 'pc' });
    const events = floorEvents(plant, '5006'); // Exact knows this order as 7006, not 5006
    for (const event of [events.released('5'), events.quantity('q1', '5'), events.completed()]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5006'));
    const stuck = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');
    expect(stuck.postings[0]).toMatchObject({ status: 'NeedsAttention', error: { type: 'UnknownShopOrder' } });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await receiptsFor(mapped.ID)).toHaveLength(0);
    expect((await handle.query(errorsQuery)).postings.map((p) => p.sequence)).toEqual([1]);
    expect((await handle.query(pendingPostingsQuery)).map((p) => p.status)).toEqual(['NeedsAttention']);
    expect(await handle.query(postedPostingsQuery)).toEqual([]);

    const refused = await bridge.post(`/v1/orders/${plant}/5006/mappings`, { colour: 'red' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/colour/);

    const corrected = await bridge.post(`/v1/orders/${plant}/5006/mappings`, { erpOrderReference: '7006' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.mappings).toEqual({ erpOrderReference: '7006' });
    const settled = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(settled.postings[0]).toMatchObject({ status: 'Posted', content: { erpOrderReference: '7006' } });
    expect((await handle.query(postedPostingsQuery)).map((p) => p.sequence)).toEqual([1]);
    expect(await handle.query(errorsQuery)).toEqual({ postings: [], rejectedEvents: [], planningProblems: [] });
    const receipts = await receiptsFor(mapped.ID);
    expect(receipts.map((r) => r.record.Quantity)).toEqual([5]);
    const attempts = await bridge.audit.attemptsFor(plant, '5006');
    expect(attempts.map((a) => [a.outcome, a.errorType ?? a.erpDocumentId, a.posting.erpOrderReference])).toEqual([
      ['needs-person', 'UnknownShopOrder', '5006'],
      ['posted', receipts[0]!.id, '7006'],
    ]);
    // The corrected posting is a new activity (Temporal's attempt 1 again): the trail counts it as the posting's second attempt.
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('lets an operator skip a rejected posting only with a reason, and only once', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5007'); // unknown to Exact
    for (const event of [events.released('2'), events.quantity('q1', '2'), events.completed()]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5007'));
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');

    const noReason = await bridge.post(`/v1/orders/${plant}/5007/postings/1/skip`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    const noPosting = await bridge.post(`/v1/orders/${plant}/5007/postings/9/skip`, { reason: 'test' });
    expect(noPosting.status).toBe(422);
    expect(noPosting.body.detail).toMatch(/no posting 9/);

    const skipped = await bridge.post(`/v1/orders/${plant}/5007/postings/1/skip`, { reason: 'booked by hand in Exact' });
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ erpSyncStatus: 'InSync', postings: [{ status: 'Skipped', skipReason: 'booked by hand in Exact' }] });
    const again = await bridge.post(`/v1/orders/${plant}/5007/postings/1/retry`);
    expect(again.status).toBe(422);
    expect(again.body.detail).toMatch(/Skipped, not NeedsAttention/);
  });
});
