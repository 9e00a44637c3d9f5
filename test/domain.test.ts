/**
 * The pure core, driven without Temporal: the order reducer, its posting plan, the
 * transformations (units, precision, backflush modes) and corrections.
 */
import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { type MasterDataLookup, bomFromErpLines, derivedConsumption } from '../src/domain/masterData';
import { erpSyncStatus, orderStatus, planningProblems } from '../src/domain/orderView';
import { POSTINGS_KEPT, compactPostings, planPostings } from '../src/domain/postingPlan';
import { type Posting, amountsOf } from '../src/domain/postings';
import { type ProductionOrderState, applyEvent, initialState, materialsWithoutMasterData, recordMasterData } from '../src/domain/productionOrder';
import { correctMapping, nextPendingPosting, recordNeedsAttention, recordPosted, skipPosting } from '../src/domain/orderActions';
import { add, round, subtract, sum } from '../src/domain/quantity';
import { floorEvents } from './harness';

const events = floorEvents('P1', '4711');
const start = () => initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'exact' });
const envelope = (id: string, occurredAt = '2026-11-25T09:00:00Z') => ({ eventId: id, source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt });
const consume = (id: string, material: string, quantity: string, unit = 'kg', extra: object = {}) => ({ ...envelope(id), type: 'MaterialConsumed', material, quantity, unit, ...extra });
const report = (id: string, fields: object) => ({ ...envelope(id), type: 'QuantityReported', unit: 'pc', ...fields });
const correction = (id: string, correctsEventId: string, replacement?: object) => ({ ...envelope(id, '2026-11-26T08:00:00Z'), type: 'EventCorrected', correctsEventId, reason: 'miscounted', ...(replacement ? { replacement } : {}) });
const time = (id: string, fields: object) => ({ ...envelope(id), type: 'TimeBooked', ...fields });

const run = (state: ProductionOrderState, raw: unknown[]) => raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => planPostings(applyEvent(s, e)), state);
/** The ERP takes every pending posting, and those planned as they land; document ids are "doc-<sequence>". */
const postAll = (state: ProductionOrderState) => {
  let s = state;
  for (let p = nextPendingPosting(s); p; p = nextPendingPosting(s)) s = planPostings(recordPosted(s, p.sequence, `doc-${p.sequence}`));
  return s;
};
/** What the ERP holds per line after every posting went through: documents minus reversals. */
const ledger = (state: ProductionOrderState) => {
  const lines: Record<string, Record<string, string>> = {};
  for (const p of state.postings.filter((p) => p.status === 'Posted')) {
    const line = (lines[p.lineKey] ??= {});
    for (const [name, value] of Object.entries(amountsOf(p.content))) {
      line[name] = p.content.kind === 'Reversal' ? subtract(line[name] ?? '0', value!) : add(line[name] ?? '0', value!);
    }
  }
  return lines;
};
const kinds = (postings: Posting[]) => postings.map((p) => (p.content.kind === 'Reversal' ? `Reversal of ${p.content.of.kind} ${JSON.stringify(amountsOf(p.content))}` : `${p.content.kind} ${JSON.stringify(amountsOf(p.content))}`));
const withMasterData = (state: ProductionOrderState, lookup: MasterDataLookup) => planPostings(recordMasterData(state, lookup));
/** What the workflow's lookup records when the cache knows none of the order's materials. */
const noMasterData = (state: ProductionOrderState) =>
  withMasterData(state, { materials: Object.fromEntries(materialsWithoutMasterData(state).map((m) => [m, null])), ...(state.masterData ? {} : { bom: [] }) });

describe('quantities', () => {
  it('add decimals exactly, where binary floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sum(Array.from({ length: 1000 }, () => '0.001'))).toBe('1');
  });

  it('never writes exponent notation, and rounds half away from zero', () => {
    expect(subtract('0.00000002', '0.00000001')).toBe('0.00000001');
    expect(round('2.5', 0)).toBe('3');
    expect(round('0.1235', 3)).toBe('0.124');
  });
});

describe('production order reducer', () => {
  it('ignores a resent event and counts it once', () => {
    const state = run(start(), [events.released(), events.quantity('a', '10', '1'), events.quantity('a', '10', '1')]);
    expect(state.output).toMatchObject({ good: '10', scrap: '1' });
    expect(state.duplicatesIgnored).toBe(1);
    expect(orderStatus(state)).toBe('InProduction');
  });

  it('holds output reported before the release, then counts it', () => {
    const early = run(start(), [events.quantity('a', '3')]);
    expect(early.output.good).toBe('0');
    expect(orderStatus(early)).toBe('AwaitingRelease');
    expect(erpSyncStatus(early)).toBe('Pending');
    const released = run(early, [events.released()]);
    expect(released.output.good).toBe('3');
    expect(released.heldEvents).toEqual([]);
  });

  it('counts only the last operation of the routing as the order output, and confirms every operation', () => {
    const release = { ...events.released('10'), operations: [{ operation: '0010', workCentre: 'SAW' }, { operation: '0020', workCentre: 'WELD' }] };
    let state = run(start(), [release, report('r1', { operation: '0010', good: '10', scrap: '1', reasonCode: 'BURR' }), report('r2', { operation: '0020', good: '9', rework: '1' })]);
    expect(state.output).toMatchObject({ good: '9', scrap: '0', rework: '1' });
    expect(kinds(state.postings)).toEqual(['OperationConfirmation {"yield":"10","scrap":"1","rework":"0"}', 'OperationConfirmation {"yield":"9","scrap":"0","rework":"1"}']);
    expect(state.postings[0]!.content).toMatchObject({ operation: '0010', workCentre: 'SAW', reasonCode: 'BURR', final: false });
    // Completing an operation sends a final confirmation, even with nothing new to confirm.
    state = postAll(state);
    state = run(state, [{ ...envelope('op1-done'), type: 'OperationCompleted', operation: '0010' }]);
    expect(kinds(state.postings.slice(2))).toEqual(['OperationConfirmation {"yield":"0","scrap":"0","rework":"0"}']);
    expect(state.postings[2]!.content).toMatchObject({ operation: '0010', final: true });
    // An operation outside the routing is refused, with the reason.
    state = run(state, [report('r3', { operation: '0030', good: '1' })]);
    expect(state.rejectedEvents.at(-1)).toMatchObject({ eventId: 'r3', reason: expect.stringContaining('not in the order\'s routing') });
  });

  it('plans one receipt of the good quantity at completion, and more only for what arrives later', () => {
    let state = run(start(), [events.released(), events.quantity('a', '7.5', '2'), events.completed()]);
    expect(state.postings.map((p) => [amountsOf(p.content).quantity, p.idempotencyKey])).toEqual([['7.5', 'production-order/P1/4711#1']]);
    state = noMasterData(recordPosted(state, 1, 'doc-1'));
    expect(erpSyncStatus(state)).toBe('InSync');
    state = run(state, [events.quantity('late', '0.5')]);
    expect(state.postings.map((p) => amountsOf(p.content).quantity)).toEqual(['7.5', '0.5']);
    expect(nextPendingPosting(state)?.sequence).toBe(2);
  });

  it("names the events each posting carries, and gathers events into a line's next posting while its last is on its way", () => {
    let state = run(start(), [events.released(), consume('c1', 'STEEL', '1'), consume('c2', 'STEEL', '2'), consume('c3', 'STEEL', '0.5'), events.quantity('q', '5'), events.completed()]);
    // The steel issue of c1 is still on its way when c2 and c3 arrive: they wait for the next one.
    expect(state.postings.map((p) => [p.lineKey, amountsOf(p.content).quantity, p.sourceEventIds])).toEqual([
      ['issue|STEEL|kg||', '1', ['c1']],
      ['receipt', '5', ['4711-q']],
    ]);
    state = planPostings(recordPosted(state, 1, 'doc-1'));
    // Posted, it still names its events (the latest, and how many it carried: the audit trail keeps every id).
    expect(state.postings[0]!.sourceEventIds).toEqual(['c1']);
    expect(state.postings[0]!.sourceEventCount).toBeUndefined();
    expect(state.postings.slice(2).map((p) => [p.lineKey, amountsOf(p.content).quantity, p.sourceEventIds])).toEqual([['issue|STEEL|kg||', '2.5', ['c2', 'c3']]]);
  });

  it('issues consumption as it arrives, per material, unit and batch, and only the delta after that', () => {
    const before = run(start(), [consume('c1', 'STEEL', '1.1')]);
    expect(before.postings).toEqual([]); // nothing is planned before the release
    let state = postAll(run(before, [events.released(), consume('c2', 'STEEL', '2.2'), consume('c3', 'STEEL', '0.5', 'kg', { batch: 'B7' })]));
    expect(state.postings.map((p) => [p.lineKey, amountsOf(p.content).quantity])).toEqual([
      ['issue|STEEL|kg||', '1.1'],
      ['issue|STEEL|kg|B7|', '0.5'],
      ['issue|STEEL|kg||', '2.2'],
    ]);
    state = postAll(run(state, [consume('c4', 'STEEL', '0.7')]));
    expect(amountsOf(state.postings.at(-1)!.content).quantity).toBe('0.7');
  });

  it('keeps labour, machine and setup time apart, per operation and person or work centre', () => {
    const state = postAll(
      run(start(), [
        events.released(),
        time('t1', { activity: 'labour', hours: '1.5', employee: 'E7', operation: '0010' }),
        time('t2', { activity: 'machine', hours: '2', workCentre: 'PRESS', operation: '0010' }),
        time('t3', { activity: 'labour', hours: '0.25', employee: 'E7', operation: '0010' }),
        time('t4', { activity: 'setup', hours: '0.5', workCentre: 'PRESS' }),
      ]),
    );
    expect(state.postings.map((p) => [p.lineKey, amountsOf(p.content).hours])).toEqual([
      ['time|labour|0010|E7|', '1.5'],
      ['time|machine|0010||PRESS', '2'],
      ['time|setup|||PRESS', '0.5'],
      ['time|labour|0010|E7|', '0.25'],
    ]);
  });

  it('moves good output rejected by an inspection to scrap or rework, and refuses to reject more than is good', () => {
    const inspect = (id: string, fields: object) => ({ ...envelope(id), type: 'QualityResult', inspection: 'LOT-1', result: 'rejected', unit: 'pc', ...fields });
    let state = run(start(), [events.released(), events.quantity('q', '10')]);
    state = run(state, [inspect('i1', { quantity: '2' }), inspect('i2', { quantity: '1', disposition: 'rework' }), { ...envelope('i3'), type: 'QualityResult', inspection: 'LOT-2', result: 'accepted' }]);
    expect(state.output).toMatchObject({ good: '7', scrap: '2', rework: '1' });
    expect(state.quality).toEqual({ inspections: 3, rejected: '3' });
    state = run(state, [inspect('i4', { quantity: '8' })]);
    expect(state.rejectedEvents).toEqual([expect.objectContaining({ eventId: 'i4', reason: 'rejects 8 pc but only 7 good have been reported' })]);
    expect(erpSyncStatus(state)).toBe('NeedsAttention');
  });

  it('keeps output in order: an inspection waits behind a report that waits for master data', () => {
    const header = { plant: 'P1', material: 'BRACKET', baseUnit: 'pc', conversions: { box: '12' }, backflush: 'actual' as const };
    const inspect = { ...envelope('i1'), type: 'QualityResult', inspection: 'LOT-1', result: 'rejected', quantity: '1', unit: 'pc' };
    let state = run(start(), [events.released(), events.quantity('boxes', '2', '0', 'box'), inspect]);
    expect(state.heldEvents.map((e) => e.eventId)).toEqual(['4711-boxes', 'i1']);
    state = withMasterData(state, { materials: { BRACKET: header }, bom: [] });
    expect(state.output).toMatchObject({ good: '23', scrap: '1' });
    expect(state.rejectedEvents).toEqual([]);
  });

  it('applies a material mapping to postings not yet in the ERP, and sends stuck ones again', () => {
    let state = run(start(), [events.released(), consume('c1', 'ST', '3')]);
    state = recordNeedsAttention(state, 1, { type: 'UnknownMaterial', message: 'no plan for ST' });
    state = correctMapping(state, { materials: { ST: 'STEEL' } });
    expect(state.postings[0]).toMatchObject({ status: 'Pending', content: { material: 'ST', erpMaterial: 'STEEL' } });
    expect(state.mappings).toEqual({ materials: { ST: 'STEEL' } });
  });

  it('records output in a foreign unit as rejected, with the reason, once master data has no conversion', () => {
    let state = run(start(), [events.released('10', 'pc'), events.quantity('kg', '4', '0', 'kg')]);
    expect(state.heldEvents).toHaveLength(1); // waits for the master data that might convert it
    state = withMasterData(state, { materials: { BRACKET: null }, bom: [] });
    expect(state.output.good).toBe('0');
    expect(state.rejectedEvents).toEqual([expect.objectContaining({ eventId: '4711-kg', reason: expect.stringContaining('"kg"') })]);
    expect(erpSyncStatus(state)).toBe('NeedsAttention');
    // A correction of it says what became of it.
    state = run(state, [correction('x', '4711-kg', { good: '1' })]);
    expect(state.rejectedEvents.at(-1)).toMatchObject({ eventId: 'x', reason: 'event 4711-kg was rejected; there is nothing a correction could change' });
  });
});

describe('corrections', () => {
  it('reverses part of the latest posted issue when a correction lowers consumption, and issues more when it raises it', () => {
    let state = postAll(run(start(), [events.released(), consume('c1', 'STEEL', '10'), consume('c2', 'STEEL', '4')]));
    state = run(state, [correction('x1', 'c2', { quantity: '1' })]);
    expect(kinds(state.postings.slice(2))).toEqual(['Reversal of MaterialIssue {"quantity":"3"}']);
    expect(state.postings[2]).toMatchObject({ reverses: 2, content: { originalDocumentId: 'doc-2', transactionDate: '2026-11-26' }, sourceEventIds: ['x1'] });
    state = postAll(state);
    state = postAll(run(state, [correction('x2', 'c1', { quantity: '12' })]));
    expect(kinds(state.postings.slice(3))).toEqual(['MaterialIssue {"quantity":"2"}']);
    // Lowering below the latest document reverses across documents, latest first.
    state = postAll(run(state, [correction('x3', 'c1', { quantity: '5' })]));
    expect(state.postings.slice(4).map((p) => [p.reverses, amountsOf(p.content).quantity])).toEqual([[4, '2'], [2, '1'], [1, '4']]);
    expect(ledger(state)).toEqual({ 'issue|STEEL|kg||': { quantity: '6' } });
  });

  it('moves consumption to another material when a correction changes the material', () => {
    let state = postAll(run(start(), [events.released(), consume('c1', 'STEEL', '5')]));
    state = postAll(run(state, [correction('x', 'c1', { material: 'ALU' })]));
    expect(ledger(state)).toEqual({ 'issue|STEEL|kg||': { quantity: '0' }, 'issue|ALU|kg||': { quantity: '5' } });
  });

  it('reverses a posted receipt whole and receipts what remains, when a correction lowers the good quantity', () => {
    let state = postAll(run(start(), [events.released(), events.quantity('a', '6'), events.quantity('b', '4'), events.completed()]));
    state = postAll(run(state, [correction('x', '4711-b', { good: '1' })]));
    expect(kinds(state.postings.slice(1))).toEqual(['Reversal of FinishedGoodsReceipt {"quantity":"10"}', 'FinishedGoodsReceipt {"quantity":"7"}']);
    expect(ledger(state)).toEqual({ receipt: { quantity: '7' } });
  });

  it('receives by-products per material and batch, and reverses one whole when a correction lowers it', () => {
    const byProduct = (id: string, material: string, quantity: string, extra: object = {}) => ({ ...envelope(id), type: 'ByProductReported', material, quantity, unit: 'kg', ...extra });
    let state = postAll(run(start(), [events.released(), byProduct('b1', 'SWARF', '2'), byProduct('b1', 'SWARF', '2'), byProduct('b2', 'REGRIND', '3', { batch: 'RG-1' })]));
    expect(kinds(state.postings)).toEqual(['ByProductReceipt {"quantity":"2"}', 'ByProductReceipt {"quantity":"3"}']);
    expect(state.postings[1]!.content).toMatchObject({ kind: 'ByProductReceipt', material: 'REGRIND', batch: 'RG-1' });
    state = postAll(run(state, [correction('x', 'b1', { quantity: '1.5' })]));
    expect(kinds(state.postings.slice(2))).toEqual(['Reversal of ByProductReceipt {"quantity":"2"}', 'ByProductReceipt {"quantity":"1.5"}']);
    expect(ledger(state)).toEqual({ 'by-product|SWARF|kg||': { quantity: '1.5' }, 'by-product|REGRIND|kg|RG-1|': { quantity: '3' } });
  });

  it('moves stock along one way per line, takes part of it back the other way, and refuses a move that goes nowhere', () => {
    const move = (id: string, quantity: string, way: object) => ({ ...envelope(id), type: 'StockTransferred', material: 'PANEL', quantity, unit: 'pc', ...way });
    let state = postAll(run(start(), [events.released(), move('m1', '20', { toWarehouse: 'LINE-1' }), move('m2', '4', { toWarehouse: 'LINE-1' })]));
    expect(kinds(state.postings)).toEqual(['StockTransfer {"quantity":"20"}', 'StockTransfer {"quantity":"4"}']);
    state = postAll(run(state, [correction('x', 'm2', { quantity: '1' })]));
    expect(kinds(state.postings.slice(2))).toEqual(['Reversal of StockTransfer {"quantity":"3"}']);
    expect(ledger(state)).toEqual({ 'transfer|PANEL|pc||||LINE-1|': { quantity: '21' } });
    const nowhere = FloorEvent.safeParse(move('m3', '1', { fromStorageLocation: 'A', toStorageLocation: 'A' }));
    expect(nowhere.success ? [] : nowhere.error.issues.map((i) => i.path.join('.'))).toEqual(['toStorageLocation']);
  });

  it('absorbs overhead at the work centre rate to the cent, carrying what rounding leaves, and takes part of it back', () => {
    const cost = { plant: 'P1', workCentre: 'SAW', activity: 'machine' as const, ratePerHour: '0.10', journal: '90', debitAccount: 'wip', creditAccount: 'absorbed' };
    const machine = (id: string, hours: string) => time(id, { activity: 'machine', hours, workCentre: 'SAW' });
    let state = withMasterData(run(start(), [events.released()]), { materials: { BRACKET: null }, bom: [], costs: [cost] });
    // 0.04 h × 0.10 = 0.004: nothing to book yet; with 0.04 h more, 0.008 rounds to a cent.
    state = postAll(run(state, [machine('m1', '0.04')]));
    expect(kinds(state.postings.filter((p) => p.content.kind === 'OverheadAllocation'))).toEqual([]);
    state = postAll(run(state, [machine('m2', '0.04')]));
    expect(kinds(state.postings.filter((p) => p.content.kind === 'OverheadAllocation'))).toEqual(['OverheadAllocation {"amount":"0.01"}']);
    state = postAll(run(state, [machine('m3', '10')]));
    state = postAll(run(state, [correction('x', 'm3', { hours: '5' })]));
    expect(ledger(state)['overhead|machine|||SAW']).toEqual({ amount: '0.51' });
    expect(kinds(state.postings).at(-1)).toBe('Reversal of OverheadAllocation {"amount":"0.5"}');
  });

  it('issues serial numbers with their units, and takes back exactly the serials a correction removes', () => {
    let state = postAll(run(start(), [events.released(), consume('c1', 'SENSOR', '2', 'pc', { serialNumbers: ['S1', 'S2'] }), consume('c2', 'SENSOR', '1', 'pc', { serialNumbers: ['S3'] })]));
    const serials = (p: Posting) => {
      const document = p.content.kind === 'Reversal' ? p.content.of : p.content;
      return document.kind === 'MaterialIssue' ? document.serialNumbers : undefined;
    };
    expect(state.postings.map((p) => [kinds([p])[0], serials(p)])).toEqual([
      ['MaterialIssue {"quantity":"2"}', ['S1', 'S2']],
      ['MaterialIssue {"quantity":"1"}', ['S3']],
    ]);
    // S2 was never fitted: the unit comes back from the issue that carried it, not from the latest one.
    state = postAll(run(state, [correction('x', 'c1', { quantity: '1', serialNumbers: ['S1'] })]));
    expect(state.postings.slice(2).map((p) => [kinds([p])[0], serials(p), p.reverses])).toEqual([['Reversal of MaterialIssue {"quantity":"1"}', ['S2'], 1]]);
    expect(() => FloorEvent.parse(consume('c3', 'SENSOR', '2', 'pc', { serialNumbers: ['S4'] }))).toThrow('names 1 serial numbers for a quantity of 2');
    // A label read wrong: the same quantity, another serial number. S3 comes back, S9 is issued.
    state = postAll(run(state, [correction('z', 'c2', { serialNumbers: ['S9'] })]));
    expect(state.postings.slice(3).map((p) => [kinds([p])[0], serials(p), p.reverses ?? null])).toEqual([
      ['Reversal of MaterialIssue {"quantity":"1"}', ['S3'], 2],
      ['MaterialIssue {"quantity":"1"}', ['S9'], null],
    ]);

    // Consumed without serial numbers, the ERP stops the issue; the corrected event sends it again, with them.
    state = run(state, [consume('c4', 'SENSOR', '2', 'pc')]);
    const stopped = state.postings.at(-1)!.sequence;
    state = recordNeedsAttention(state, stopped, { type: 'SerialNumbersRequired', message: '' });
    state = run(state, [correction('y', 'c4', { serialNumbers: ['S7', 'S8'] })]);
    expect(state.postings.find((p) => p.sequence === stopped)).toMatchObject({ status: 'Pending', content: { quantity: '2', serialNumbers: ['S7', 'S8'] } });
    expect(state.postings.filter((p) => p.sequence > stopped)).toEqual([]);
  });

  it('receives serialized output and by-products with their serial numbers; a receipt reversed whole gives back all it held', () => {
    const byProduct = (id: string, serialNumbers: string[]) => ({ ...envelope(id), type: 'ByProductReported', material: 'CORE', quantity: String(serialNumbers.length), unit: 'pc', serialNumbers });
    let state = postAll(run(start(), [
      events.released(),
      report('q1', { good: '2', scrap: '1', serialNumbers: ['P-1', 'P-2'] }),
      report('q2', { good: '1', serialNumbers: ['P-3'] }),
      byProduct('b1', ['C-1', 'C-2']),
      events.completed(),
    ]));
    const serials = (p: Posting) => {
      const document = p.content.kind === 'Reversal' ? p.content.of : p.content;
      return 'serialNumbers' in document ? document.serialNumbers : undefined;
    };
    const of = (kind: string) => state.postings.filter((p) => (p.content.kind === 'Reversal' ? p.content.of.kind : p.content.kind) === kind).map((p) => [kinds([p])[0], serials(p)]);
    expect(of('FinishedGoodsReceipt')).toEqual([['FinishedGoodsReceipt {"quantity":"3"}', ['P-1', 'P-2', 'P-3']]]);
    expect(of('ByProductReceipt')).toEqual([['ByProductReceipt {"quantity":"2"}', ['C-1', 'C-2']]]);
    expect(() => FloorEvent.parse(report('q3', { good: '2', scrap: '1', serialNumbers: ['P-9'] }))).toThrow('names 1 serial numbers for a good quantity of 2');

    // P-2 was misread (it is P-4), and C-2 was never made: receipts go back whole, and what stays is received again.
    state = postAll(run(state, [correction('x', 'q1', { serialNumbers: ['P-1', 'P-4'] }), correction('y', 'b1', { quantity: '1', serialNumbers: ['C-1'] })]));
    expect(of('FinishedGoodsReceipt')).toEqual([
      ['FinishedGoodsReceipt {"quantity":"3"}', ['P-1', 'P-2', 'P-3']],
      ['Reversal of FinishedGoodsReceipt {"quantity":"3"}', ['P-1', 'P-2', 'P-3']],
      ['FinishedGoodsReceipt {"quantity":"3"}', ['P-1', 'P-3', 'P-4']],
    ]);
    expect(of('ByProductReceipt')).toEqual([
      ['ByProductReceipt {"quantity":"2"}', ['C-1', 'C-2']],
      ['Reversal of ByProductReceipt {"quantity":"2"}', ['C-1', 'C-2']],
      ['ByProductReceipt {"quantity":"1"}', ['C-1']],
    ]);

    // Inspection rejects P-3: it leaves the good output by its serial number; the rejection withdrawn, it is received again.
    const inspection = { ...envelope('qc'), type: 'QualityResult', inspection: 'LOT-1', result: 'rejected', quantity: '1', unit: 'pc', serialNumbers: ['P-3'] };
    state = postAll(run(state, [inspection]));
    expect(of('FinishedGoodsReceipt').slice(3)).toEqual([
      ['Reversal of FinishedGoodsReceipt {"quantity":"3"}', ['P-1', 'P-3', 'P-4']],
      ['FinishedGoodsReceipt {"quantity":"2"}', ['P-1', 'P-4']],
    ]);
    state = postAll(run(state, [correction('w', 'qc')]));
    expect(of('FinishedGoodsReceipt').slice(5)).toEqual([['FinishedGoodsReceipt {"quantity":"1"}', ['P-3']]]);
    expect(() => FloorEvent.parse({ ...inspection, serialNumbers: ['P-1', 'P-4'] })).toThrow('names 2 serial numbers for a quantity of 1');
  });

  it('cancels an event without a replacement, and waits for the reversal until its original is posted', () => {
    let state = run(start(), [events.released(), consume('c1', 'STEEL', '5'), correction('x', 'c1')]);
    expect(state.consumption['STEEL|kg||']!.quantity).toBe('0');
    expect(kinds(state.postings)).toEqual(['MaterialIssue {"quantity":"5"}']); // still on its way
    expect(erpSyncStatus(state)).toBe('Pending');
    state = noMasterData(postAll(postAll(state)));
    expect(kinds(state.postings)).toEqual(['MaterialIssue {"quantity":"5"}', 'Reversal of MaterialIssue {"quantity":"5"}']);
    expect(erpSyncStatus(state)).toBe('InSync');
  });

  it('holds a correction that arrives before its event, and applies it when the event comes', () => {
    let state = run(start(), [events.released(), correction('x', 'late', { quantity: '2' })]);
    expect(state.heldCorrections).toHaveLength(1);
    expect(erpSyncStatus(state)).toBe('Pending');
    state = run(state, [consume('late', 'STEEL', '9')]);
    expect(state.heldCorrections).toEqual([]);
    expect(kinds(state.postings)).toEqual(['MaterialIssue {"quantity":"2"}']);
  });

  it('corrects time and a held output report, and refuses a replacement that does not fit the event', () => {
    let state = postAll(run(start(), [events.released(), time('t', { activity: 'machine', hours: '3', workCentre: 'PRESS' })]));
    state = postAll(run(state, [correction('x1', 't', { hours: '2.5' })]));
    expect(kinds(state.postings.slice(1))).toEqual(['Reversal of TimePosting {"hours":"3"}', 'TimePosting {"hours":"2.5"}']);
    state = run(state, [correction('x2', 't', { quantity: '1' })]);
    expect(state.rejectedEvents.at(-1)).toMatchObject({ eventId: 'x2', reason: 'replacement.quantity: is not a field of TimeBooked' });
    state = run(state, [correction('x3', '4711-rel')]);
    expect(state.rejectedEvents.at(-1)?.reason).toMatch(/is not one of QuantityReported/);
    const held = run(start(), [events.quantity('q', '5'), correction('x4', '4711-q', { good: '4' }), events.released()]);
    expect(held.output.good).toBe('4');
  });

  it('takes back a skipped posting without sending anything to the ERP', () => {
    let state = run(start(), [events.released(), consume('c1', 'PAINT', '2', 'l')]);
    state = skipPosting(recordNeedsAttention(state, 1, { type: 'BackflushedByErp', message: '' }), 1, 'Exact backflushes paint');
    state = noMasterData(run(state, [correction('x', 'c1')]));
    expect(state.postings[1]).toMatchObject({ status: 'Skipped', reverses: 1, skipReason: 'takes back posting 1, which was skipped' });
    expect(erpSyncStatus(state)).toBe('InSync');
  });
});

describe('master data transformations', () => {
  const steel = { plant: 'P1', material: 'STEEL', baseUnit: 'kg', conversions: { g: '0.001', t: '1000' }, decimals: 3, backflush: 'actual' as const };

  it('asks for the master data of the header, its BOM and every consumed material, once', () => {
    let state = run(start(), [events.released(), consume('c1', 'STEEL', '1')]);
    expect(materialsWithoutMasterData(state)).toEqual(['BRACKET', 'STEEL']);
    state = withMasterData(state, { materials: { BRACKET: null, STEEL: steel }, bom: [] });
    expect(materialsWithoutMasterData(state)).toEqual([]);
    expect(materialsWithoutMasterData(run(state, [consume('c2', 'ALU', '1')]))).toEqual(['ALU']);
  });

  it('converts floor units to the ERP base unit and rounds to its precision, carrying the remainder', () => {
    let state = withMasterData(run(start(), [events.released()]), { materials: { BRACKET: null, STEEL: steel }, bom: [] });
    state = postAll(run(state, [consume('c1', 'STEEL', '1234.5678', 'g'), consume('c2', 'STEEL', '0.0004', 't')]));
    // 1.2345678 kg rounds to 1.235; 0.4 kg more makes 1.6345678, rounded 1.635: the 0.0004 kg is not lost.
    expect(state.postings.map((p) => [p.lineKey, p.content.kind === 'MaterialIssue' && p.content.unit, amountsOf(p.content).quantity])).toEqual([
      ['issue|STEEL|g||', 'kg', '1.235'],
      ['issue|STEEL|t||', 'kg', '0.4'],
    ]);
    // 0.6 g more (1.2351678 kg) posts nothing yet; 0.4 g after that (1.2355678 kg) brings the carried remainder to 0.001 kg.
    state = postAll(run(state, [consume('c3', 'STEEL', '0.6', 'g')]));
    expect(state.postings).toHaveLength(2);
    state = postAll(run(state, [consume('c4', 'STEEL', '0.4', 'g')]));
    expect(amountsOf(state.postings.at(-1)!.content).quantity).toBe('0.001');
    expect(ledger(state)['issue|STEEL|g||']).toEqual({ quantity: '1.236' });
  });

  it('stops a line the master data cannot convert, as a planning problem an operator sees', () => {
    const state = run(withMasterData(run(start(), [events.released()]), { materials: { BRACKET: null, STEEL: steel }, bom: [] }), [consume('c1', 'STEEL', '3', 'lb')]);
    expect(state.postings).toEqual([]);
    expect(planningProblems(state)).toEqual([{ lineKey: 'issue|STEEL|lb||', message: expect.stringContaining('no conversion from "lb"') }]);
    expect(erpSyncStatus(state)).toBe('NeedsAttention');
  });

  it('never issues what the ERP backflushes or what is not tracked, and derives what the BOM implies', () => {
    const header = { plant: 'P1', material: 'BRACKET', baseUnit: 'pc', conversions: { box: '12' }, decimals: 0, backflush: 'actual' as const };
    let state = withMasterData(run(start(), [events.released('100')]), {
      materials: {
        BRACKET: header,
        PAINT: { plant: 'P1', material: 'PAINT', baseUnit: 'l', conversions: {}, backflush: 'erp' },
        GREASE: { plant: 'P1', material: 'GREASE', baseUnit: 'kg', conversions: {}, backflush: 'none' },
        BOLT: { plant: 'P1', material: 'BOLT', baseUnit: 'pc', conversions: {}, decimals: 0, backflush: 'derived' },
        SHEET: { plant: 'P1', material: 'SHEET', baseUnit: 'kg', conversions: {}, decimals: 3, backflush: 'derived' },
      },
      bom: [
        { plant: 'P1', parentMaterial: 'BRACKET', component: 'BOLT', quantityPer: '2', yieldFactor: '1', scrapAllowance: '0' },
        // 0.3 kg per bracket, 5 % lost in cutting, 2 % allowance: 0.3 × 1.02 ÷ 0.95 kg per unit produced.
        { plant: 'P1', parentMaterial: 'BRACKET', component: 'SHEET', quantityPer: '0.3', yieldFactor: '0.95', scrapAllowance: '0.02' },
      ],
    });
    state = run(state, [consume('c1', 'PAINT', '1.8', 'l'), consume('c2', 'GREASE', '0.1', 'kg'), consume('c3', 'BOLT', '40', 'pc')]);
    expect(state.postings).toEqual([]); // paint, grease and the floor's bolt count are not issued
    // 1 box of good and 1 unit scrapped: 13 brackets produced, in the ERP's pieces.
    state = postAll(run(state, [events.quantity('q1', '1', '0', 'box'), events.quantity('q2', '0', '1')]));
    expect(state.output).toMatchObject({ good: '12', scrap: '1' });
    expect(ledger(state)).toEqual({ 'issue|derived|BOLT': { quantity: '26' }, 'issue|derived|SHEET': { quantity: '4.187' } });
    state = postAll(run(state, [events.completed()]));
    expect(ledger(state).receipt).toEqual({ quantity: '12' });
  });
});

describe('long orders', () => {
  it('compacts settled postings into line totals that planning still counts', () => {
    let state = run(start(), [events.released()]);
    for (let i = 0; i < 520; i++) state = postAll(run(state, [consume(`c${i}`, 'STEEL', '1')]));
    const compacted = compactPostings(state);
    expect(compacted.postings.length).toBe(POSTINGS_KEPT);
    expect(compacted.archivedLines['issue|STEEL|kg||']).toEqual({ quantity: String(520 - POSTINGS_KEPT) });
    const next = postAll(run(compacted, [consume('last', 'STEEL', '1')]));
    expect(next.postings.at(-1)).toMatchObject({ sequence: 521, content: { quantity: '1' } });
  });
});

describe("a bill of materials from the ERP's BOM lines", () => {
  it('joins the lines of one part, folds differing waste into the quantity, and leaves out lines without a quantity', () => {
    const bom = bomFromErpLines('P1', 'CABINET', [
      { material: 'SHEET', quantityPer: '4.2', scrapAllowance: '0.05' },
      { material: 'SCREW', quantityPer: '8', scrapAllowance: '0' },
      { material: 'SHEET', quantityPer: '0.8', scrapAllowance: '0.05' },
      { material: 'GLUE', quantityPer: '0.1', scrapAllowance: '0.1' },
      { material: 'GLUE', quantityPer: '0.2', scrapAllowance: '0' },
      { material: 'NOTE', quantityPer: '0', scrapAllowance: '0' },
    ]);
    expect(bom.map((c) => [c.component, c.quantityPer, c.scrapAllowance, c.yieldFactor])).toEqual([
      ['SHEET', '5', '0.05', '1'],
      ['SCREW', '8', '0', '1'],
      ['GLUE', '0.31', '0', '1'],
    ]);
    // What ten cabinets consume of sheet: 10 × 5 × 1.05.
    expect(derivedConsumption('10', bom[0]!)).toBe('52.5');
  });
});

describe('rounding across batches', () => {
  const master = (batchManaged?: boolean) => ({ plant: 'P1', material: 'RESIN', baseUnit: 'kg', conversions: { g: '0.001' }, decimals: 3, backflush: 'actual' as const, ...(batchManaged === undefined ? {} : { batchManaged }) });
  const day = (batchManaged?: boolean) => {
    let state = run(start(), [events.released()]);
    state = withMasterData(state, { materials: { BRACKET: null, RESIN: master(batchManaged) }, bom: [] });
    // A realistic day: grams on every report, a batch on each; 4.2 g in all.
    for (const [i, batch] of ['B1', 'B2', 'B3'].entries()) state = postAll(run(state, [consume(`r${i}`, 'RESIN', '1.4', 'g', { batch })]));
    return state;
  };
  const issued = (state: ProductionOrderState) => sum(state.postings.filter((p) => p.content.kind === 'MaterialIssue' && p.status === 'Posted').map((p) => amountsOf(p.content).quantity!));

  it("rounds a material the ERP keeps one total of once, so the ERP's total is the floor's total rounded once", () => {
    const state = day(false);
    expect(issued(state)).toBe('0.004');
    expect(new Set(state.postings.map((p) => p.lineKey))).toEqual(new Set(['issue|RESIN|g||']));
    expect(state.postings.at(-1)!.transformation).toContain('batches B1, B2, B3 together');
    expect(state.postings.every((p) => p.content.kind !== 'MaterialIssue' || p.content.batch === undefined)).toBe(true);
  });

  it('rounds each batch once where the ERP manages the material by batch (or it is not known): at most half a unit per batch off the once-rounded total', () => {
    for (const state of [day(true), day(undefined)]) {
      expect(issued(state)).toBe('0.003');
      expect(state.postings.map((p) => p.lineKey)).toEqual(['issue|RESIN|g|B1|', 'issue|RESIN|g|B2|', 'issue|RESIN|g|B3|']);
    }
  });
});

describe('quality decisions as stock status, and posting rules from the connection', () => {
  const decision = (id: string, fields: object) => ({ ...envelope(id), type: 'QualityResult', inspection: 'I-1', unit: 'pc', ...fields });
  const received = () => postAll(run(start(), [events.released('10'), events.quantity('q', '10'), events.completed()]));

  it('holds output once received, takes part off hold on a release, and keeps the hold within the good output', () => {
    const held = postAll(run(received(), [decision('b', { result: 'rejected', disposition: 'block', quantity: '4' }), decision('r', { result: 'accepted', disposition: 'release', quantity: '1' })]));
    expect(ledger(held)).toEqual({ receipt: { quantity: '10' }, hold: { quantity: '3' } });
    expect(kinds(held.postings.filter((p) => p.lineKey === 'hold'))).toEqual(['QualityHold {"quantity":"4"}', 'Reversal of QualityHold {"quantity":"1"}']);
    // Good output lowered below what is on hold: the correction is refused, naming why.
    const lowered = run(held, [correction('fix', '4711-q', { good: '2' })]);
    expect(lowered.rejectedEvents.at(-1)!.reason).toBe('leaves 2 good pc, fewer than the 3 pc on hold: release some first');
    expect(lowered.output.good).toBe('10');
    const scrapped = run(held, [decision('s', { result: 'rejected', disposition: 'scrap', quantity: '8' })]);
    expect(scrapped.rejectedEvents.at(-1)!.reason).toBe('leaves 2 good pc, fewer than the 3 pc on hold: release some first');
  });

  it('carries consumption in the receipt where the ERP books both in one production: each component at its total, the remainder carried', () => {
    const rules = { quantityDecimals: 4, hoursDecimals: 2, reversedInPart: [], kinds: ['FinishedGoodsReceipt' as const, 'Reversal' as const], consumptionInReceipt: true };
    const state = { ...start(), erpConnection: 'afas', postingRules: rules };
    const before = run(state, [events.released('10'), consume('c1', 'STEEL', '1.23456'), consume('c2', 'PAINT', '0.00004', 'l'), events.quantity('q', '10')]);
    // Nothing is issued before the production that carries it.
    expect(before.postings).toEqual([]);
    const completed = run(before, [consume('c3', 'STEEL', '2.00007'), events.completed()]);
    expect(completed.postings[0]!.sourceEventIds).toEqual(expect.arrayContaining(['4711-q', 'c1', 'c3']));
    const done = postAll(completed);
    expect(done.postings).toHaveLength(1);
    const [production] = done.postings;
    expect(production!.content).toMatchObject({ kind: 'FinishedGoodsReceipt', quantity: '10', components: [{ material: 'STEEL', quantity: '3.2346', unit: 'kg', basis: 'actual' }] });
    // More consumption after it: a production of the parts alone, at the total's precision (3.23463 + 0.00004 → 3.2347: the remainder carried).
    const more = postAll(run(done, [consume('c4', 'STEEL', '0.00004'), consume('c5', 'PAINT', '0.00002', 'l')]));
    expect(kinds(more.postings.slice(1))).toEqual(['FinishedGoodsReceipt {"quantity":"0","component|issue|STEEL|kg||":"0.0001"}', 'FinishedGoodsReceipt {"quantity":"0","component|issue|PAINT|l||":"0.0001"}']);
    expect(ledger(more).receipt).toEqual({ quantity: '10', 'component|issue|STEEL|kg||': '3.2347', 'component|issue|PAINT|l||': '0.0001' });
    // A correction lowering a component reverses the latest production whole and books what remains again.
    const corrected = postAll(run(more, [correction('fix', 'c3', { quantity: '1' })]));
    expect(kinds(corrected.postings.slice(3))).toEqual([
      'Reversal of FinishedGoodsReceipt {"quantity":"0","component|issue|PAINT|l||":"0.0001"}',
      'Reversal of FinishedGoodsReceipt {"quantity":"0","component|issue|STEEL|kg||":"0.0001"}',
      'Reversal of FinishedGoodsReceipt {"quantity":"10","component|issue|STEEL|kg||":"3.2346"}',
      'FinishedGoodsReceipt {"quantity":"10","component|issue|STEEL|kg||":"2.2346","component|issue|PAINT|l||":"0.0001"}',
    ]);
    expect(ledger(corrected).receipt).toEqual({ quantity: '10', 'component|issue|STEEL|kg||': '2.2346', 'component|issue|PAINT|l||': '0.0001' });
  });

  it('plans no posting of a kind the connection does not keep: a problem of the line says so', () => {
    const state = { ...start(), erpConnection: 'lab', postingRules: { quantityDecimals: 3, hoursDecimals: 2, reversedInPart: ['MaterialIssue' as const], kinds: ['MaterialIssue' as const, 'FinishedGoodsReceipt' as const, 'Reversal' as const] } };
    const planned = run(state, [events.released('10'), time('t', { activity: 'machine', hours: '1.255', workCentre: 'SAW' }), events.quantity('q', '10'), events.completed()]);
    expect(planned.postings.map((p) => p.content.kind)).toEqual(['FinishedGoodsReceipt']);
    expect(planningProblems(planned)).toEqual([expect.objectContaining({ lineKey: expect.stringMatching(/^time\|/), message: expect.stringContaining('(lab) keeps no TimePosting') })]);
  });
});
