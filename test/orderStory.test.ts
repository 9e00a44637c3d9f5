/** The order's story as the Web UI's details and the CLI's `show` tell it: each problem with its reason and the command that fixes it. */
import { describe as suite, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { describe, openProblems, viewOf } from '../src/domain/orderView';
import { planPostings } from '../src/domain/postingPlan';
import { type ProductionOrderState, applyEvent, initialState, materialsWithoutMasterData, receiveEvent, recordMasterData } from '../src/domain/productionOrder';
import { recordNeedsAttention, recordPosted } from '../src/domain/orderActions';

const base = { source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt: '2026-11-25T08:00:00+01:00' };
/** Applies the events, with no master data for their materials (the ERP's own units then), and plans. */
const run = (state: ProductionOrderState, raw: object[]) =>
  raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => {
    const next = applyEvent(s, e);
    const unknown = materialsWithoutMasterData(next);
    return planPostings(unknown.length ? recordMasterData(next, { materials: Object.fromEntries(unknown.map((m) => [m, null])), ...(next.masterData ? {} : { bom: [] }) }) : next);
  }, state);
const start = () => initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'exact' });

suite("the order's story", () => {
  it('names the refused posting, the ERP\'s reason and the CLI line that fixes it, and the latest postings', () => {
    let state = run(start(), [
      { ...base, eventId: 'rel', type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '10', unit: 'pc' },
      { ...base, eventId: 'glue', type: 'MaterialConsumed', material: 'GLUE', quantity: '0.2', unit: 'kg' },
      { ...base, eventId: 'steel', type: 'MaterialConsumed', material: 'STEEL', quantity: '4', unit: 'kg' },
    ]);
    const [glue, steel] = state.postings;
    state = recordPosted(recordNeedsAttention(state, glue!.sequence, { type: 'UnknownMaterial', message: 'Exact Online has no item GLUE' }), steel!.sequence, 'doc-9');
    // A rejected event too: the MES sent a quantity with too few serial numbers.
    state = receiveEvent(state, { ...base, eventId: 'bad', type: 'QuantityReported', good: '2', unit: 'pc', serialNumbers: ['S-1'] });
    const view = viewOf(state);
    expect(openProblems(view)).toEqual([
      {
        what: `posting ${glue!.sequence}: issue 0.2 kg GLUE`,
        reason: 'UnknownMaterial: Exact Online has no item GLUE',
        fix: `name the ERP's item for GLUE: npm run cli -- map P1 4711 material GLUE=<ERP item code>, or npm run cli -- skip P1 4711 ${glue!.sequence} "<why the ERP shall not get it>"`,
      },
      expect.objectContaining({ what: 'event bad (QuantityReported) rejected', fix: 'have the sender correct and resend it, then npm run cli -- acknowledge P1 4711 bad "<what was done>"' }),
    ]);
    const details = describe(view);
    expect(details).toContain('**Needs attention**');
    expect(details).toContain('fix: `name the ERP\'s item for GLUE: npm run cli -- map P1 4711 material GLUE=<ERP item code>');
    expect(details).toContain(`- #${steel!.sequence} Posted: issue 4 kg STEEL (ERP doc-9)`);
  });

  it('says until when a settled order stays open for late events', () => {
    const view = viewOf(run(start(), [{ ...base, eventId: 'rel', type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '10', unit: 'pc' }]));
    expect(describe(view, { openUntil: '2026-11-25T17:30:00.000Z' })).toContain('open for late events until 2026-11-25T17:30:00.000Z');
    expect(describe(view)).not.toContain('open for late events');
  });
});
