/** The period-end close's arithmetic, pure: an order's entry from what its postings carry, balanced, and the reasons an order gets none. */
import { describe, expect, it } from 'vitest';
import { FloorEvent } from '../src/domain/events';
import { closeBookings, periodCloseEntry, periodDays, previousPeriod } from '../src/domain/periodClose';
import { planPostings } from '../src/domain/postingPlan';
import { nextPendingPosting, recordPosted } from '../src/domain/orderActions';
import { type ProductionOrderState, applyEvent, initialState, recordMasterData } from '../src/domain/productionOrder';
import { subtract, sum } from '../src/domain/quantity';
import { floorEvents } from './harness';

const events = floorEvents('P1', '4711');
const rules = { quantityDecimals: 4, hoursDecimals: 2, reversedInPart: [], consumptionInReceipt: true };
const envelope = (id: string) => ({ eventId: id, source: 'mes', plant: 'P1', productionOrder: '4711', occurredAt: '2026-11-25T09:00:00Z' });
const run = (state: ProductionOrderState, raw: unknown[]) => raw.map((e) => FloorEvent.parse(e)).reduce((s, e) => planPostings(applyEvent(s, e)), state);
const postAll = (state: ProductionOrderState) => {
  let s = state;
  for (let p = nextPendingPosting(s); p; p = nextPendingPosting(s)) s = planPostings(recordPosted(s, p.sequence, `doc-${p.sequence}`));
  return s;
};
const master = (standard: { bracket?: [string, string]; steel?: string }) =>
  recordMasterData(run({ ...initialState({ workflowId: 'production-order/P1/4711', plant: 'P1', productionOrder: '4711', erpSystem: 'afas' }), erpConnection: 'afas', postingRules: rules }, [events.released('10')]), {
    materials: {
      BRACKET: { plant: 'P1', material: 'BRACKET', baseUnit: 'pc', conversions: {}, backflush: 'actual', decimals: 0, ...(standard.bracket ? { standardCost: standard.bracket[0], standardMaterialCost: standard.bracket[1] } : {}) },
      STEEL: { plant: 'P1', material: 'STEEL', baseUnit: 'kg', conversions: {}, backflush: 'actual', ...(standard.steel ? { standardCost: standard.steel } : {}) },
    },
    bom: [],
    costs: [{ plant: 'P1', workCentre: 'PRESS', activity: 'machine', ratePerHour: '64', journal: 'MEM', debitAccount: '3100', creditAccount: '4990' }],
  });
const produced = (state: ProductionOrderState) =>
  postAll(run(state, [{ ...envelope('s'), type: 'MaterialConsumed', material: 'STEEL', quantity: '4.5', unit: 'kg' }, { ...envelope('t'), type: 'TimeBooked', activity: 'machine', hours: '1.5', workCentre: 'PRESS' }, events.quantity('q', '10'), events.completed()]));

describe('period-end close', () => {
  it("values an order's output at standard and books its actual cost against it, balanced, the variances apart", () => {
    const made = periodCloseEntry(produced(master({ bracket: ['10.00', '1.00'], steel: '2.40' })), '2026-11');
    expect(made).toEqual({ entry: expect.objectContaining({ quantity: '10', standardMaterial: '10', standardConversion: '90', actualMaterial: '10.8', actualConversion: '96', transactionDate: '2026-11-30' }) });
    const bookings = closeBookings((made as { entry: Parameters<typeof closeBookings>[0] }).entry);
    expect(bookings.map((b) => [b.account, b.debit, b.credit])).toEqual([
      ['finishedGoods', '100', '0'],
      ['workInProgress', '0', '106.8'],
      ['materialVariance', '0.8', '0'],
      ['conversionVariance', '6', '0'],
    ]);
    expect(subtract(sum(bookings.map((b) => b.debit)), sum(bookings.map((b) => b.credit)))).toBe('0');
  });

  it('gives no entry, and says why, where a standard cost is missing or the order completed in another month', () => {
    expect(periodCloseEntry(produced(master({ steel: '2.40' })), '2026-11')).toEqual({ problem: expect.stringContaining('BRACKET has no standard cost') });
    expect(periodCloseEntry(produced(master({ bracket: ['10', '1'] })), '2026-11')).toEqual({ problem: expect.stringContaining('component STEEL has no standard cost') });
    expect(periodCloseEntry(produced(master({ bracket: ['1', '2'], steel: '1' })), '2026-11')).toEqual({ problem: expect.stringContaining('above its standard cost') });
    expect(periodCloseEntry(produced(master({ bracket: ['10', '1'], steel: '1' })), '2026-10')).toEqual({ problem: 'not completed in 2026-10' });
  });

  it('knows its months', () => {
    expect(periodDays('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(previousPeriod(new Date('2027-01-01T06:00:00Z'))).toBe('2026-12');
  });
});
