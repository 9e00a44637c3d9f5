import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import {
  type ProductionOrderState,
  applyEvent,
  correctMapping,
  erpSyncStatus,
  initialState,
  nextPendingPosting,
  orderStatus,
  planPostings,
  recordNeedsAttention,
  recordPosted,
} from '../src/domain/productionOrder';
import { add, sum } from '../src/domain/quantity';
import { floorEvents } from './harness';

const events = floorEvents('P1', '4711');
const start = () => initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'exact' });
const run = (state: ProductionOrderState, raw: unknown[]) => raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => planPostings(applyEvent(s, e)), state);

describe('quantities', () => {
  it('add decimals exactly, where binary floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sum(Array.from({ length: 1000 }, () => '0.001'))).toBe('1');
  });
});

describe('production order reducer', () => {
  it('ignores a resent event and counts it once', () => {
    const state = run(start(), [events.released(), events.quantity('a', '10', '1'), events.quantity('a', '10', '1')]);
    expect(state.good).toBe('10');
    expect(state.scrap).toBe('1');
    expect(state.duplicatesIgnored).toBe(1);
    expect(orderStatus(state)).toBe('InProduction');
  });

  it('holds quantities reported before the release, then counts them', () => {
    const early = run(start(), [events.quantity('a', '3')]);
    expect(early.good).toBe('0');
    expect(orderStatus(early)).toBe('AwaitingRelease');
    expect(erpSyncStatus(early)).toBe('Pending');
    const released = run(early, [events.released()]);
    expect(released.good).toBe('3');
    expect(released.heldQuantityReports).toEqual([]);
  });

  it('plans one receipt of the good quantity at completion, and more only for what arrives later', () => {
    let state = run(start(), [events.released(), events.quantity('a', '7.5', '2'), events.completed()]);
    expect(state.postings.map((p) => [p.content.quantity, p.idempotencyKey])).toEqual([['7.5', 'production-order/P1/4711#1']]);
    state = recordPosted(state, 1, 'doc-1');
    expect(erpSyncStatus(state)).toBe('InSync');
    state = run(state, [events.quantity('late', '0.5')]);
    expect(state.postings.map((p) => p.content.quantity)).toEqual(['7.5', '0.5']);
    expect(nextPendingPosting(state)?.sequence).toBe(2);
  });

  it('issues consumption as it arrives, per material, unit and batch, and only the delta after that', () => {
    const consume = (id: string, material: string, quantity: string, batch?: string) => ({
      eventId: id, type: 'MaterialConsumed', source: 'mes', plant: 'P1', productionOrder: '4711',
      occurredAt: '2026-11-25T09:00:00Z', material, quantity, unit: 'kg', ...(batch ? { batch } : {}),
    });
    const before = run(start(), [consume('c1', 'STEEL', '1.1')]);
    expect(before.postings).toEqual([]); // nothing is planned before the release
    let state = run(before, [events.released(), consume('c2', 'STEEL', '2.2'), consume('c3', 'STEEL', '0.5', 'B7')]);
    expect(state.postings.map((p) => [p.content.kind, p.content.material, p.content.quantity])).toEqual([
      ['MaterialIssue', 'STEEL', '1.1'],
      ['MaterialIssue', 'STEEL', '2.2'],
      ['MaterialIssue', 'STEEL', '0.5'],
    ]);
    state = run(state, [consume('c4', 'STEEL', '0.7')]);
    expect(state.postings.at(-1)?.content.quantity).toBe('0.7');
    expect(state.postings.filter((p) => p.content.kind === 'MaterialIssue').reduce((t, p) => add(t, p.content.quantity), '0')).toBe('4.5');
  });

  it('applies a material mapping to postings not yet in the ERP, and sends stuck ones again', () => {
    let state = run(start(), [events.released(), { eventId: 'c1', type: 'MaterialConsumed', source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt: '2026-11-25T09:00:00Z', material: 'ST', quantity: '3', unit: 'kg' }]);
    state = recordNeedsAttention(state, 1, { type: 'UnknownMaterial', message: 'no plan for ST' });
    state = correctMapping(state, { materials: { ST: 'STEEL' } });
    expect(state.postings[0]).toMatchObject({ status: 'Pending', content: { material: 'ST', erpMaterial: 'STEEL' } });
    expect(state.mappings).toEqual({ materials: { ST: 'STEEL' } });
  });

  it('records an event in a foreign unit as rejected, with the reason', () => {
    const state = run(start(), [events.released('10', 'pc'), events.quantity('kg', '4', '0', 'kg')]);
    expect(state.good).toBe('0');
    expect(state.rejectedEvents).toEqual([expect.objectContaining({ eventId: '4711-kg', reason: expect.stringContaining('"kg"') })]);
    expect(erpSyncStatus(state)).toBe('NeedsAttention');
  });
});
