/**
 * The state an order carries across continue-as-new stays far below Temporal's 2 MB payload
 * limit, whatever the order's length, its ids and its open problems.
 */
import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { compactPostings, planPostings } from '../src/domain/postingPlan';
import { type ProductionOrderState, applyEvent, initialState, recordMasterData } from '../src/domain/productionOrder';
import { nextPendingPosting, recordNeedsAttention, recordPosted } from '../src/domain/orderActions';
import { stateBytes } from '../src/domain/orderBounds';

const workflowId = `production-order/P1/${'O'.repeat(40)}`;
const longId = (n: number, kind = 'e') => `${kind}-${String(n).padStart(8, '0')}-`.padEnd(200, 'x');
const envelope = (n: number) => ({ eventId: longId(n), source: 'mes', plant: 'P1', productionOrder: 'O'.repeat(40), occurredAt: '2026-11-25T09:00:00Z' });
const start = () => initialState({ workflowId, plant: 'P1', productionOrder: 'O'.repeat(40), erpSystem: 'exact' });
const carried = (state: ProductionOrderState) => JSON.parse(JSON.stringify(compactPostings(state))) as ProductionOrderState;

/** What the workflow does in a turn: apply a batch, plan, post all (the first issue stays NeedsAttention), and continue as new now and then. */
function runOrder(events: number, { batch = 50, turnsPerRun = 20 } = {}) {
  let state = planPostings(recordMasterData(applyEvent(start(), FloorEvent.parse({ ...envelope(0), type: 'OrderReleased', material: 'FRAME', plannedQuantity: '1000', unit: 'pc' })), { materials: {}, bom: [] }));
  let largest = 0;
  let stuck: number | undefined;
  for (let n = 1, turn = 0; n <= events; turn++) {
    for (const end = Math.min(events, n + batch - 1); n <= end; n++) {
      const kind = n % 3;
      const raw =
        kind === 0
          ? { ...envelope(n), type: 'MaterialConsumed', material: `M-${n % 7}`, quantity: '0.5', unit: 'kg', batch: `B-${n % 11}` }
          : kind === 1
            ? { ...envelope(n), type: 'QuantityReported', good: '1', unit: 'pc' }
            : { ...envelope(n), type: 'TimeBooked', activity: 'labour', hours: '0.1', employee: `E-${n % 5}` };
      state = applyEvent(state, FloorEvent.parse(raw));
      if (n % 997 === 0) state = applyEvent(state, FloorEvent.parse({ ...envelope(n - 3), eventId: longId(n, 'fix'), type: 'EventCorrected', correctsEventId: longId(n - 3), reason: 'miscounted', replacement: { quantity: '0.25' } }));
    }
    state = planPostings(state);
    for (let p = nextPendingPosting(state); p; p = nextPendingPosting(state)) {
      stuck ??= p.sequence;
      state = planPostings(p.sequence === stuck ? recordNeedsAttention(state, p.sequence, { type: 'UnknownMaterial', message: 'Exact Online has no item M-0' }) : recordPosted(state, p.sequence, `doc-${p.sequence}`));
    }
    if (turn % turnsPerRun === turnsPerRun - 1) {
      state = carried(state);
      largest = Math.max(largest, stateBytes(state));
    }
  }
  return { state: carried(state), largest };
}

describe('bounded state', () => {
  it('carries under 512 KB after 50,000 events with 200-character ids while one posting needs attention throughout', () => {
    const { state, largest } = runOrder(50_000);
    expect(state.postings.find((p) => p.status === 'NeedsAttention')).toBeDefined();
    expect(stateBytes(state)).toBeLessThan(512 * 1024);
    expect(largest).toBeLessThan(512 * 1024);
    // Still recognises the latest events, and counts every event once.
    expect(applyEvent(state, FloorEvent.parse({ ...envelope(49_999), type: 'QuantityReported', good: '1', unit: 'pc' })).duplicatesIgnored).toBe(state.duplicatesIgnored + 1);
    expect(state.eventsReceived).toBe(1 + 50_000 + Math.floor(50_000 / 997));
  }, 120_000);

  it('refuses events beyond its cap while it waits for the release, saying why', () => {
    let state = start();
    for (let n = 1; n <= 3_000; n++) state = applyEvent(state, FloorEvent.parse({ ...envelope(n), type: 'QuantityReported', good: '1', unit: 'pc' }));
    expect(stateBytes(state)).toBeLessThan(512 * 1024);
    expect(state.rejectedEvents.at(-1)!.reason).toMatch(/^the order is not released yet and holds \d+ events waiting for the release/);
  });
});

describe('a state carried from before digests', () => {
  it('still recognises the raw ids it remembered, and remembers new events by digest', () => {
    const { seenEvents: _none, ...before } = applyEvent(start(), FloorEvent.parse({ ...envelope(1), type: 'QuantityReported', good: '1', unit: 'pc' }));
    const old = { ...before, seenEventIds: [longId(1)] } as ProductionOrderState;
    const resent = applyEvent(old, FloorEvent.parse({ ...envelope(1), type: 'QuantityReported', good: '1', unit: 'pc' }));
    expect(resent.duplicatesIgnored).toBe(1);
    const next = applyEvent(old, FloorEvent.parse({ ...envelope(2), type: 'QuantityReported', good: '1', unit: 'pc' }));
    expect(next.seenEvents).toHaveLength(1);
    expect(next.seenEventIds).toEqual([longId(1)]);
    expect(applyEvent(next, FloorEvent.parse({ ...envelope(2), type: 'QuantityReported', good: '1', unit: 'pc' })).duplicatesIgnored).toBe(1);
  });
});
