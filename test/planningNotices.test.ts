/** The ERP's planning told to the floor: which change makes which notice, and what a cancelled order does with floor events. */
import { describe as suite, expect, it } from 'vitest';
import { describe, viewOf } from '../src/domain/orderView';
import { type PlannedOrderDetail } from '../src/domain/planning';
import { floorEventOf, noticeType, orderFingerprint, planningNotice } from '../src/domain/planningNotices';
import { initialState, receiveEvent } from '../src/domain/productionOrder';

const order = (change: Partial<PlannedOrderDetail> = {}): PlannedOrderDetail => ({
  erpId: 'guid-1', erpOrder: '8801', plant: 'P1', material: 'FRAME', plannedQuantity: '10', producedQuantity: '0', unit: 'pc', status: 'released', syncedAt: '2026-12-01T10:00:00.000Z',
  components: [{ erpId: 'c1', material: 'STEEL', plannedQuantity: '20.5', unit: 'kg', backflush: false, byProduct: false }],
  operations: [{ erpId: 's1', sequence: 1, operation: '10', workCentre: 'SAW', backflush: false }, { erpId: 's2', sequence: 2, operation: '10', backflush: false }],
  ...change,
});

suite('planning notices', () => {
  it('tells a release once, a change of the plan but not of progress, and a cancellation', () => {
    const released = { status: 'released' as const, fingerprint: orderFingerprint(order()) };
    expect(noticeType(undefined, { status: 'planned', fingerprint: 'x' })).toBeUndefined();
    expect(noticeType(undefined, released)).toBe('orderReleased');
    expect(noticeType({ status: 'planned', fingerprint: 'x' }, released)).toBe('orderReleased');
    expect(noticeType(released, released)).toBeUndefined();
    // What the bridge itself posted (the produced quantity) is no news; a new quantity or routing is.
    expect(orderFingerprint(order({ producedQuantity: '4', syncedAt: '2026-12-02T00:00:00Z' }))).toBe(released.fingerprint);
    expect(noticeType(released, { status: 'released', fingerprint: orderFingerprint(order({ plannedQuantity: '12' })) })).toBe('orderChanged');
    expect(noticeType(released, { status: 'finished', fingerprint: orderFingerprint(order({ status: 'finished' })) })).toBe('orderChanged');
    expect(noticeType({ status: 'finished', fingerprint: 'f' }, { status: 'completed', fingerprint: 'g' })).toBeUndefined();
    expect(noticeType(released, { status: 'planned', fingerprint: 'p' })).toBe('orderCancelled');
    expect(noticeType(released, undefined)).toBe('orderCancelled');
    expect(noticeType({ status: 'planned', fingerprint: 'p' }, undefined)).toBeUndefined();
  });

  it("makes the release the order's workflow takes: the ERP's routing once per operation, the notice's id as the event's", () => {
    const notice = planningNotice('orderReleased', { plant: 'P1', erpConnection: 'exact-1', erpOrder: '8801', erpId: 'guid-1', fingerprint: 'abc', order: order() }, '2026-12-01T10:00:00.000Z');
    expect(notice.messageId).toBe('orderReleased:exact-1:guid-1:abc');
    expect(floorEventOf(notice)).toEqual({
      version: 'v1', eventId: 'erp-planning:orderReleased:exact-1:guid-1:abc', occurredAt: '2026-12-01T10:00:00.000Z', source: 'erp:exact-1', plant: 'P1', productionOrder: '8801',
      type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'pc', erpOrder: '8801', operations: [{ operation: '10', workCentre: 'SAW' }],
    });
    const gone = planningNotice('orderCancelled', { plant: 'P1', erpConnection: 'exact-1', erpOrder: '8801', erpId: 'guid-1', fingerprint: 'abc' }, '2026-12-01T11:00:00.000Z');
    expect(floorEventOf(gone)).toMatchObject({ type: 'OrderCancelled', reason: "deleted from the ERP's planning" });
    // An order the ERP finished is news for the MES only.
    expect(floorEventOf(planningNotice('orderChanged', { plant: 'P1', erpConnection: 'exact-1', erpOrder: '8801', erpId: 'guid-1', fingerprint: 'f', order: order({ status: 'finished' }) }, '2026-12-01T12:00:00Z'))).toBeUndefined();
  });

  it('a cancelled order refuses what the floor reports, without remembering it, until a later release', () => {
    const e = (id: string, at: string, body: Record<string, unknown>) => ({ version: 'v1', eventId: id, occurredAt: at, source: 'mes', plant: 'P1', productionOrder: '8801', ...body }) as never;
    let state = initialState({ workflowId: 'production-order/P1/8801', plant: 'P1', productionOrder: '8801', erpSystem: 'exact' });
    state = receiveEvent(state, e('r', '2026-12-01T08:00:00Z', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'pc' }));
    state = receiveEvent(state, e('x', '2026-12-01T09:00:00Z', { type: 'OrderCancelled', source: 'erp:exact-1', reason: 'its release was withdrawn in the ERP' }));
    expect(viewOf(state).orderStatus).toBe('Cancelled');
    expect(describe(viewOf(state))).toContain('cancelled by erp:exact-1 at 2026-12-01T09:00:00Z (its release was withdrawn in the ERP): floor events are refused');
    state = receiveEvent(state, e('q', '2026-12-01T09:30:00Z', { type: 'QuantityReported', good: '4', unit: 'pc' }));
    expect(state.rejectedEvents.map((r) => [r.eventId, r.reason])).toEqual([['q', 'order was cancelled by erp:exact-1 at 2026-12-01T09:00:00Z (its release was withdrawn in the ERP): nothing more is booked on it; release it again, then send this event again']]);
    expect(state.output.good).toBe('0');
    // A release from before the cancellation does not lift it; a later one does, and the event sent again counts.
    state = receiveEvent(state, e('r-old', '2026-12-01T08:30:00Z', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '10', unit: 'pc' }));
    expect(viewOf(state).orderStatus).toBe('Cancelled');
    state = receiveEvent(state, e('r2', '2026-12-01T10:00:00Z', { type: 'OrderReleased', material: 'FRAME', plannedQuantity: '12', unit: 'pc' }));
    state = receiveEvent(state, e('q', '2026-12-01T09:30:00Z', { type: 'QuantityReported', good: '4', unit: 'pc' }));
    expect(viewOf(state)).toMatchObject({ orderStatus: 'InProduction', plannedQuantity: '12', good: '4' });
    expect(state.cancelled).toBeUndefined();
  });
});
