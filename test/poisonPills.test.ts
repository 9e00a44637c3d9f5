/**
 * Floor codes are keys of the order's state (materials, operations, batches, employees).
 * A code named after a member of Object.prototype must count like any other, never throw
 * inside the workflow, and survive the JSON round trip of continue-as-new.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIME_WINDOW, FloorEvent } from '../src/domain/events';
import { compactPostings, planPostings } from '../src/domain/postingPlan';
import { amountsOf } from '../src/domain/postings';
import { type ProductionOrderState, applyEvent, initialState, materialsWithoutMasterData, recordMasterData, receiveEvent } from '../src/domain/productionOrder';
import { correctMapping, nextPendingPosting, recordPosted } from '../src/domain/orderActions';
import { describe as describeOrder, viewOf } from '../src/domain/orderView';
import { redactedUrl } from '../src/sources/mqtt/source';
import { readUnsMessage } from '../src/sources/mqtt/unifiedNamespace';

/** Every name Object.prototype answers to, and the ones that reach it. */
export const prototypeNames = [...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype'].filter((n, i, all) => all.indexOf(n) === i);

const envelope = (id: string) => ({ eventId: id, source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt: '2026-11-25T09:00:00Z' });
const start = () => initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'exact' });
/** Like the workflow: each event applied, then the plan; the state as JSON carries it over (continue-as-new). */
const run = (state: ProductionOrderState, raw: unknown[]) =>
  raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => JSON.parse(JSON.stringify(planPostings(applyEvent(s, e)))) as ProductionOrderState, state);
const postAll = (state: ProductionOrderState) => {
  let s = state;
  for (let p = nextPendingPosting(s); p; p = nextPendingPosting(s)) s = planPostings(recordPosted(s, p.sequence, `doc-${p.sequence}`));
  return s;
};

describe('floor codes named after Object.prototype members', () => {
  it.each(prototypeNames)('count "%s" as a material, batch, operation, work centre and employee like any other code', (name) => {
    let state = run(start(), [
      { ...envelope('rel'), type: 'OrderReleased', material: name, plannedQuantity: '10', unit: 'pc', operations: [{ operation: name, workCentre: name }] },
    ]);
    const unknown = materialsWithoutMasterData(state);
    expect(unknown).toEqual([name]);
    state = planPostings(recordMasterData(state, { materials: JSON.parse(JSON.stringify(Object.fromEntries([[name, null]]))), bom: [] }));
    state = run(state, [
      { ...envelope('op-start'), type: 'OperationStarted', operation: name, workCentre: name },
      { ...envelope('q1'), type: 'QuantityReported', good: '4', unit: 'pc', operation: name },
      { ...envelope('c1'), type: 'MaterialConsumed', material: name, quantity: '2.5', unit: 'kg', batch: name, storageLocation: name },
      { ...envelope('c2'), type: 'MaterialConsumed', material: name, quantity: '0.5', unit: 'kg', batch: name, storageLocation: name },
      { ...envelope('t1'), type: 'TimeBooked', activity: 'labour', hours: '1.5', employee: name, operation: name },
      { ...envelope('t2'), type: 'TimeBooked', activity: 'machine', hours: '2', workCentre: name, operation: name },
      { ...envelope('s1'), type: 'StockTransferred', material: name, quantity: '1', unit: 'pc', fromWarehouse: name, toWarehouse: 'W2' },
      { ...envelope('b1'), type: 'ByProductReported', material: name, quantity: '1', unit: 'pc' },
      { ...envelope('qr'), type: 'QualityResult', inspection: name, result: 'rejected', quantity: '1', unit: 'pc', operation: name, disposition: 'scrap' },
      { ...envelope('fix'), type: 'EventCorrected', correctsEventId: 'c2', reason: name, replacement: { quantity: '1.5' } },
      { ...envelope('op-done'), type: 'OperationCompleted', operation: name },
      { ...envelope('done'), type: 'OrderCompleted' },
    ]);
    state = correctMapping(state, JSON.parse(JSON.stringify({ materials: Object.fromEntries([[name, `ERP-${name}`]]), employees: Object.fromEntries([[name, 'E-1']]) })));
    state = postAll(planPostings(state));
    expect(state.rejectedEvents).toEqual([]);
    const issued = state.postings.filter((p) => p.content.kind === 'MaterialIssue').map((p) => amountsOf(p.content).quantity);
    expect(issued.reduce((a, b) => String(Number(a) + Number(b)), '0')).toBe('4');
    const receipt = state.postings.find((p) => p.content.kind === 'FinishedGoodsReceipt')!.content;
    expect(receipt).toMatchObject({ quantity: '3', erpMaterial: `ERP-${name}` });
    const confirmation = state.postings.filter((p) => p.content.kind === 'OperationConfirmation').at(-1)!.content;
    expect(confirmation).toMatchObject({ operation: name, yield: '3', scrap: '1', final: true });
    const labour = state.postings.find((p) => p.content.kind === 'TimePosting' && p.content.activity === 'labour')!.content;
    expect(labour).toMatchObject({ hours: '1.5', erpEmployee: 'E-1' });
    expect(() => describeOrder(viewOf(state))).not.toThrow();
    // Continue-as-new: compacted and carried as JSON, the order still plans nothing more.
    const carried = JSON.parse(JSON.stringify(compactPostings(state))) as ProductionOrderState;
    expect(planPostings(carried).postings.length).toBe(state.postings.length);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe('an event dated outside the plausible window', () => {
  it('is rejected by the order with the reason, and its id stays free for the corrected resend', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const clock = { now, window: DEFAULT_TIME_WINDOW };
    let state = receiveEvent(start(), { ...envelope('rel'), type: 'OrderReleased', material: 'M', plannedQuantity: '10', unit: 'pc' }, clock);
    state = receiveEvent(state, { ...envelope('q1'), occurredAt: '9999-01-01T00:00:00Z', type: 'QuantityReported', good: '5', unit: 'pc' }, clock);
    expect(state.rejectedEvents).toEqual([{ eventId: 'q1', type: 'QuantityReported', reason: expect.stringMatching(/^not a valid floor event: occurredAt: must lie between 2025-10-21T12:00:00.000Z and 2026-11-25T12:10:00.000Z/) }]);
    state = receiveEvent(state, { ...envelope('q1'), type: 'QuantityReported', good: '5', unit: 'pc' }, clock);
    expect(state.output.good).toBe('5');
  });
});

describe('the MQTT door (Unified Namespace)', () => {
  const mapping = { topic: 'plant/{plant}/{productionOrder}/events', payload: 'events' as const, source: 'line-uns' };
  const at = '2026-11-25T09:30:00Z';
  const message = (fields: object) => Buffer.from(JSON.stringify({ eventId: 'c1', type: 'MaterialConsumed', occurredAt: '2026-11-25T09:00:00Z', material: 'STEEL', quantity: '1', unit: 'kg', ...fields }));

  it.each([['eventId'], ['material'], ['batch'], ['unit']])('refuses %s with a control character, naming the field', (field) => {
    const read = readUnsMessage(mapping, 'plant/P1/4711/events', message({ [field]: 'a\u0000b' }), at);
    expect(read).toEqual({ kind: 'refused', reason: `${field}: must not contain control characters (U+0000 at position 2)` });
  });

  it.each(prototypeNames)('takes a material named "%s" like any other', (name) => {
    const read = readUnsMessage(mapping, 'plant/P1/4711/events', message({ material: name, batch: name }), at);
    expect(read).toMatchObject({ kind: 'events', events: [{ material: name, batch: name, plant: 'P1', productionOrder: '4711' }] });
  });

  it('logs a broker URL without its credentials', () => {
    expect(redactedUrl('mqtts://bridge:s3cret@broker.example:8883')).toBe('mqtts://***:***@broker.example:8883');
    expect(redactedUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });

  it('refuses a payload naming another plant, order or source than its topic and mapping give it', () => {
    expect(readUnsMessage(mapping, 'plant/P1/4711/events', message({ plant: 'P2' }), at)).toEqual({ kind: 'refused', reason: 'plant: the topic says "P1", the payload "P2"' });
    expect(readUnsMessage(mapping, 'plant/P1/4711/events', message({ productionOrder: '4712' }), at)).toEqual({ kind: 'refused', reason: 'productionOrder: the topic says "4711", the payload "4712"' });
    expect(readUnsMessage(mapping, 'plant/P1/4711/events', message({ source: 'mes' }), at)).toEqual({ kind: 'refused', reason: 'source: the mapping says "line-uns", the payload "mes"' });
    // Saying the same is no conflict.
    expect(readUnsMessage(mapping, 'plant/P1/4711/events', message({ plant: 'P1', source: 'line-uns' }), at)).toMatchObject({ kind: 'events', events: [{ plant: 'P1', source: 'line-uns' }] });
  });

  it('refuses an event dated outside the window around the time it arrived', () => {
    expect(readUnsMessage(mapping, 'plant/P1/4711/events', message({ occurredAt: '9999-01-01T00:00:00Z' }), at)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^occurredAt: must lie between/) });
  });
});
