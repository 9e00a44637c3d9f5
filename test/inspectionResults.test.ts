/**
 * Inspection results in the pure core: kept and planned only for a connection whose rules
 * name InspectionResult, posted once the receipt made the lot, again when a correction
 * changes them, before the hold that rests on them, and bounded per order.
 */
import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { nextPendingPosting, recordPosted } from '../src/domain/orderActions';
import { planPostings } from '../src/domain/postingPlan';
import type { PostingRules } from '../src/domain/postingRules';
import { INSPECTION_RESULTS_KEPT } from '../src/domain/inspectionResults';
import { type ProductionOrderState, applyEvent, initialState } from '../src/domain/productionOrder';

const withQm: PostingRules = { quantityDecimals: 3, hoursDecimals: 3, reversedInPart: ['MaterialIssue', 'QualityHold'], kinds: ['FinishedGoodsReceipt', 'QualityHold', 'InspectionResult', 'OperationConfirmation', 'Reversal'] };
const withoutQm: PostingRules = { quantityDecimals: 6, hoursDecimals: 6, reversedInPart: ['MaterialIssue'] };
const start = (postingRules: PostingRules) => initialState({ workflowId: 'production-order/P1/77', plant: 'P1', productionOrder: '77', erpSystem: 'some-erp', erpConnection: 'c1', postingRules });
const envelope = (id: string) => ({ eventId: id, source: 'mes', plant: 'P1', productionOrder: '77', occurredAt: '2026-11-30T09:00:00Z' });
const released = { ...envelope('rel'), type: 'OrderReleased', material: 'GEAR', plannedQuantity: '10', unit: 'pc' };
const made = [{ ...envelope('q'), type: 'QuantityReported', good: '10', unit: 'pc' }, { ...envelope('done'), type: 'OrderCompleted' }];
const result = (id: string, fields: object) => ({ ...envelope(id), type: 'QualityResult', inspection: 'LOT-77', ...fields });
const run = (state: ProductionOrderState, raw: unknown[]) => raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => planPostings(applyEvent(s, e)), state);
const postAll = (state: ProductionOrderState) => {
  let s = state;
  for (let p = nextPendingPosting(s); p; p = nextPendingPosting(s)) s = planPostings(recordPosted(s, p.sequence, `doc-${p.sequence}`));
  return s;
};
const planned = (state: ProductionOrderState) => state.postings.map((p) => `${p.content.kind}${p.content.kind === 'InspectionResult' ? ` ${p.content.characteristic}=${p.content.measuredValue ?? '-'} ${p.content.result}` : ''}`);

describe('inspection results', () => {
  it('are neither kept nor planned for a connection whose rules do not name them', () => {
    const state = postAll(run(start(withoutQm), [released, ...made, result('r1', { result: 'accepted', characteristic: 'DIAMETER', measuredValue: '50.02' })]));
    expect(state.inspectionResults).toBeUndefined();
    expect(planned(state)).toEqual(['FinishedGoodsReceipt']);
    expect(state.recent.find((e) => e.eventId === 'r1')!.sources).toEqual(['output']);
  });

  it('post once the receipt made the lot, before the hold; again only when a correction changes them', () => {
    let state = run(start(withQm), [released, ...made, result('r1', { result: 'rejected', characteristic: 'DIAMETER', measuredValue: '50.31', disposition: 'block', quantity: '4', unit: 'pc' })]);
    // Nothing of quality before the receipt: the ERP has no lot yet.
    expect(planned(state)).toEqual(['FinishedGoodsReceipt']);
    state = planPostings(recordPosted(state, 1, 'receipt-1'));
    expect(planned(state)).toEqual(['FinishedGoodsReceipt', 'InspectionResult DIAMETER=50.31 rejected']);
    // The hold waits for the result it rests on.
    state = postAll(state);
    expect(planned(state)).toEqual(['FinishedGoodsReceipt', 'InspectionResult DIAMETER=50.31 rejected', 'QualityHold']);
    // Posted results are not posted again; a new measurement of the characteristic is (the latest counts).
    state = postAll(run(state, [result('r2', { result: 'accepted', characteristic: 'DIAMETER', measuredValue: '50.29' }), result('r3', { result: 'accepted', characteristic: 'DIAMETER', measuredValue: '50.29' })]));
    expect(planned(state).filter((p) => p.startsWith('InspectionResult'))).toEqual(['InspectionResult DIAMETER=50.31 rejected', 'InspectionResult DIAMETER=50.29 accepted']);
    expect(Object.values(state.inspectionResults!).map((r) => r.measuredValue)).toEqual(['50.29']);
    // A measurement withdrawn leaves nothing to post (SAP keeps what it recorded; results are not reversed).
    state = postAll(run(state, [{ ...envelope('undo'), type: 'EventCorrected', correctsEventId: 'r3', reason: 'wrong part measured' }]));
    expect(state.inspectionResults).toEqual({});
    expect(planned(state).filter((p) => p.startsWith('InspectionResult'))).toHaveLength(2);
  });

  it(`keep at most ${INSPECTION_RESULTS_KEPT} characteristics an order, refusing more with the reason`, () => {
    const many = Array.from({ length: INSPECTION_RESULTS_KEPT + 1 }, (_, i) => result(`c${i}`, { result: 'accepted', characteristic: `CHAR-${i}`, measuredValue: '1' }));
    const state = run(start(withQm), [released, ...many]);
    expect(Object.keys(state.inspectionResults!)).toHaveLength(INSPECTION_RESULTS_KEPT);
    expect(state.rejectedEvents.at(-1)).toMatchObject({ eventId: `c${INSPECTION_RESULTS_KEPT}`, reason: expect.stringContaining(`the bridge keeps ${INSPECTION_RESULTS_KEPT}`) });
  });
});
