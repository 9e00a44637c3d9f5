/**
 * Reconciliation's comparison and the difference posted on request, without Temporal: per
 * line what the floor reported, the bridge posted and the ERP holds; and the plan that brings
 * the ERP back once a person changed or deleted a document.
 */
import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { heldInErpRefusal, nextPendingPosting, recordHeldInErp, recordPosted } from '../src/domain/orderActions';
import { planPostings } from '../src/domain/postingPlan';
import { type MaterialIssue, type PostingContent, amountsOf } from '../src/domain/postings';
import { type ProductionOrderState, applyEvent, initialState, recordMasterData } from '../src/domain/productionOrder';
import { type BridgePosting, type HeldDocuments, erpDifferencesNotice, reconcileOrder } from '../src/domain/reconciliation';
import { floorEvents } from './harness';

const base = { plant: 'P1', productionOrder: '4711', erpOrderReference: '4711', transactionDate: '2026-11-25' };
const issue = (quantity: string): MaterialIssue => ({ ...base, kind: 'MaterialIssue', material: 'STEEL', erpMaterial: 'STEEL', quantity, unit: 'kg', basis: 'actual' });
const receipt = (quantity: string): PostingContent => ({ ...base, kind: 'FinishedGoodsReceipt', material: 'BRACKET', erpMaterial: 'BRACKET', quantity, unit: 'pc' });
const posting = (sequence: number, content: PostingContent, outcome: BridgePosting['outcome'] = 'posted'): BridgePosting => ({ sequence, content, outcome, ...(outcome === 'posted' ? { erpDocumentId: `doc-${sequence}` } : outcome === 'shadowed' ? { erpDocumentId: `shadow:${sequence}` } : {}) });
const held = (...documents: HeldDocuments['documents']): HeldDocuments => ({ kinds: ['MaterialIssue', 'FinishedGoodsReceipt', 'ByProductReceipt'], documents });

describe('reconciling an order', () => {
  it('finds nothing where the ERP holds each posted document as posted, reversals counted', () => {
    const reversal: PostingContent = { ...base, kind: 'Reversal', of: issue('2'), originalDocumentId: 'doc-1' };
    const result = reconcileOrder(
      [posting(1, issue('12.5')), posting(2, receipt('10')), posting(3, reversal)],
      held(
        { id: 'doc-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '12.5', unit: 'kg' },
        { id: 'doc-2', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
        { id: 'doc-3', kind: 'MaterialIssue', reverses: 'doc-1', erpMaterial: 'STEEL', quantity: '2', unit: 'kg' },
      ),
    );
    expect(result.differences).toEqual([]);
    expect(result.lines).toEqual([
      { kind: 'MaterialIssue', erpMaterial: 'STEEL', unit: 'kg', floor: '10.5', posted: '10.5', erp: '10.5' },
      { kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', unit: 'pc', floor: '10', posted: '10', erp: '10' },
    ]);
  });

  it('tells a document deleted, one changed, one booked outside the bridge and a posting not posted, each once', () => {
    const result = reconcileOrder(
      [posting(1, issue('12.5')), posting(2, receipt('10')), posting(3, issue('1'), 'needs-person')],
      held(
        { id: 'doc-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '9', unit: 'kg' },
        { id: 'by-hand', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '4', unit: 'pc', transactionDate: '2026-11-26' },
      ),
    );
    expect(result.differences.map((d) => [d.type, d.sequence, d.erpDocumentId, d.expected, d.held, d.postable])).toEqual([
      ['ChangedInErp', 1, 'doc-1', '12.5', '9', true],
      ['DeletedInErp', 2, 'doc-2', '10', '0', true],
      ['NotPosted', 3, undefined, '1', '0', false],
      ['BookedOutsideBridge', undefined, 'by-hand', '0', '4', false],
    ]);
    expect(result.lines).toContainEqual({ kind: 'MaterialIssue', erpMaterial: 'STEEL', unit: 'kg', floor: '13.5', posted: '12.5', erp: '9' });
    expect(result.differences[3]!.message).toBe('the ERP holds a receipt of 4 pc BRACKET the bridge did not post (document by-hand, 2026-11-26): booked outside the bridge');
  });

  it("tells a person's reversal of a bridge document as that document changed or deleted, which the bridge may post", () => {
    const result = reconcileOrder(
      [posting(1, issue('12.5')), posting(2, receipt('10'))],
      held(
        { id: 'doc-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '12.5', unit: 'kg' },
        { id: 'rev-1', kind: 'MaterialIssue', reverses: 'doc-1', erpMaterial: 'STEEL', quantity: '2.5', unit: 'kg' },
        { id: 'doc-2', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
        { id: 'cancel-2', kind: 'FinishedGoodsReceipt', reverses: 'doc-2', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
      ),
    );
    expect(result.differences.map((d) => [d.type, d.sequence, d.held, d.postable, d.message])).toEqual([
      ['ChangedInErp', 1, '10', true, 'the issue of 12.5 kg STEEL (posting #1) holds 10 kg in the ERP (document doc-1): reversed by hand (document rev-1)'],
      ['DeletedInErp', 2, '0', true, 'the receipt of 10 pc BRACKET (posting #2) holds nothing in the ERP (document doc-2): reversed by hand (document cancel-2)'],
    ]);
  });

  it('counts a difference posted since as what the document holds now', () => {
    const result = reconcileOrder(
      [posting(1, issue('12.5')), posting(2, receipt('10')), posting(4, receipt('10')), posting(5, issue('3.5'))],
      held(
        { id: 'doc-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '9', unit: 'kg' },
        { id: 'doc-4', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
        { id: 'doc-5', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '3.5', unit: 'kg' },
      ),
      new Map([[1, '9'], [2, '0']]),
    );
    expect(result.differences).toEqual([]);
    expect(result.lines.map((l) => [l.kind, l.floor, l.posted, l.erp])).toEqual([['MaterialIssue', '12.5', '12.5', '12.5'], ['FinishedGoodsReceipt', '10', '10', '10']]);
  });

  it('in shadow mode compares what the bridge would have posted with what people booked, per line', () => {
    const result = reconcileOrder(
      [posting(1, issue('12.5'), 'shadowed'), posting(2, receipt('10'), 'shadowed')],
      held(
        { id: 'hand-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '8', unit: 'kg' },
        { id: 'hand-2', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '6', unit: 'kg' },
        { id: 'hand-3', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
      ),
    );
    expect(result.differences).toEqual([
      expect.objectContaining({ type: 'ShadowDiffers', kind: 'MaterialIssue', expected: '12.5', held: '14', postable: false, message: 'the bridge would have booked 12.5 kg STEEL as issues; people booked 14 (1.5 more by hand)' }),
    ]);
  });

  it('compares an order that began in shadow mode and went live each way for its part', () => {
    const result = reconcileOrder(
      [posting(1, issue('12.5'), 'shadowed'), posting(2, receipt('10'))],
      held(
        { id: 'hand-1', kind: 'MaterialIssue', erpMaterial: 'STEEL', quantity: '12.5', unit: 'kg' },
        { id: 'doc-2', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '10', unit: 'pc' },
        { id: 'hand-2', kind: 'FinishedGoodsReceipt', erpMaterial: 'BRACKET', quantity: '1', unit: 'pc' },
      ),
    );
    // The issue booked by hand while the bridge shadowed it is no difference; the receipt booked by hand after go-live is.
    expect(result.differences.map((d) => [d.type, d.erpDocumentId])).toEqual([['BookedOutsideBridge', 'hand-2']]);
  });

  it('leaves out kinds the ERP did not list', () => {
    const result = reconcileOrder([posting(1, issue('12.5')), posting(2, receipt('10'))], { kinds: ['FinishedGoodsReceipt'], documents: [] });
    expect(result.differences.map((d) => d.type)).toEqual(['DeletedInErp']);
    expect(result.lines.map((l) => l.kind)).toEqual(['FinishedGoodsReceipt']);
  });
});

describe("the order's notice of differences", () => {
  it('keeps what a signal carries only as a notice, bounded; anything else is none', () => {
    expect(erpDifferencesNotice(null)).toBeUndefined();
    expect(erpDifferencesNotice('differs')).toBeUndefined();
    expect(erpDifferencesNotice({ runId: 'r', at: 'now', differences: 'all' })).toBeUndefined();
    const notice = erpDifferencesNotice({ runId: 'r', at: 'now', count: 12, differences: [...Array.from({ length: 12 }, (_, i) => ({ message: 'x'.repeat(900), fix: 'f', sequence: i })), 7] });
    expect(notice!.count).toBe(12);
    expect(notice!.differences).toHaveLength(10);
    expect(notice!.differences[0]!.message).toHaveLength(500);
  });
});

describe('posting the difference', () => {
  const events = floorEvents('P1', '4711');
  const envelope = (id: string) => ({ eventId: id, source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt: '2026-11-25T09:00:00Z' });
  const ordered = (): ProductionOrderState => {
    let state = initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'exact' });
    const raw = [events.released('10'), { ...envelope('c1'), type: 'MaterialConsumed', material: 'STEEL', quantity: '12.5', unit: 'kg' }, events.quantity('q1', '10'), events.completed()];
    for (const e of raw) state = applyEvent(state, FloorEvent.parse(e));
    state = planPostings(recordMasterData(state, { materials: { STEEL: null, BRACKET: null }, bom: [] }));
    for (let p = nextPendingPosting(state); p; p = nextPendingPosting(state)) state = planPostings(recordPosted(state, p.sequence, `doc-${p.sequence}`));
    return state;
  };
  const kindsOf = (state: ProductionOrderState, after: number) =>
    state.postings.filter((p) => p.sequence > after).map((p) => `${p.content.kind === 'Reversal' ? `Reversal of ${p.content.of.kind}` : p.content.kind} ${JSON.stringify(amountsOf(p.content))}`);

  it('posts a deleted receipt again, the rest of an issue lowered by hand, and reverses what an issue raised by hand holds too much', () => {
    const state = ordered();
    const last = Math.max(...state.postings.map((p) => p.sequence));
    const receiptPosting = state.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')!;
    const issuePosting = state.postings.find((p) => p.content.kind === 'MaterialIssue')!;
    const lowered = planPostings(recordHeldInErp(recordHeldInErp(state, receiptPosting.sequence, '0'), issuePosting.sequence, '9'));
    expect(kindsOf(lowered, last)).toEqual(['MaterialIssue {"quantity":"3.5"}', 'FinishedGoodsReceipt {"quantity":"10"}']);
    // Planned again, nothing more: the difference is posted once.
    expect(planPostings(lowered).postings).toHaveLength(lowered.postings.length);

    const raised = planPostings(recordHeldInErp(state, issuePosting.sequence, '15'));
    expect(kindsOf(raised, last)).toEqual(['Reversal of MaterialIssue {"quantity":"2.5"}']);
  });

  it('refuses what it cannot post, saying why', () => {
    const state = ordered();
    const issuePosting = state.postings.find((p) => p.content.kind === 'MaterialIssue')!;
    expect(heldInErpRefusal(state, issuePosting.sequence, '-1')).toMatch(/^held: /);
    expect(heldInErpRefusal(state, 99, '1')).toContain('keeps no posting #99');
    expect(heldInErpRefusal(state, issuePosting.sequence, '12.5')).toContain('nothing differs');
    expect(heldInErpRefusal(state, issuePosting.sequence, '9')).toBeUndefined();
  });
});
