/** The batch window widens as the ERP's call budget runs short, and narrows again when there is room. */
import { describe, expect, it } from 'vitest';
import { budgetPressure, budgetedBatchWindowMs } from '../src/domain/callBudget';
import { createBudgetMeter } from '../src/erp/http/transport';

const HOUR = 3_600_000;

describe('call budget', () => {
  it('keeps the configured window while the day has room for the rate so far', () => {
    const budget = { at: 0, windows: [{ name: 'daily', remaining: 4000, resetAt: 12 * HOUR, projectedUse: 3000 }] };
    expect(budgetPressure(budget, 0).pressure).toBe(1);
    expect(budgetedBatchWindowMs(2000, 2 * HOUR, budget, 0)).toBe(2000);
  });

  it('waits past the reset of a window spent too fast, the longer the faster, up to the maximum', () => {
    const budget = { at: 0, windows: [{ name: 'daily', remaining: 1000, resetAt: 12 * HOUR, projectedUse: 1500 }] };
    expect(budgetPressure(budget, 0)).toEqual({ pressure: 1.5, resetAt: 12 * HOUR });
    expect(budgetedBatchWindowMs(2000, 7 * 24 * HOUR, budget, 0)).toBe(18 * HOUR);
    expect(budgetedBatchWindowMs(2000, 5000, budget, 0)).toBe(5000);
    // The minute spent too fast, the day not: the minute is left to the rate limit, which holds postings until it resets.
    const minute = { at: 0, windows: [{ name: 'daily', remaining: 4000, resetAt: 12 * HOUR, projectedUse: 100 }, { name: 'minutely', remaining: 10, resetAt: 30_000, projectedUse: 40 }] };
    expect(budgetedBatchWindowMs(2000, 7 * 24 * HOUR, minute, 0)).toBe(2000);
  });

  it('waits for the reset of a spent day, and forgets a window past its reset', () => {
    const spent = { at: 0, windows: [{ name: 'daily', remaining: 0, resetAt: 4 * HOUR }] };
    expect(budgetedBatchWindowMs(2000, 7 * 24 * HOUR, spent, 0)).toBe(4 * HOUR);
    expect(budgetedBatchWindowMs(2000, 7 * 24 * HOUR, spent, 5 * HOUR)).toBe(2000);
    expect(budgetedBatchWindowMs(2000, 2 * HOUR, undefined, 0)).toBe(2000);
  });

  it('measures the rate from the answers of the window, and starts again when it resets', () => {
    const meter = createBudgetMeter({ minCallsForRate: 10 });
    meter.observe('daily', 5000, 10 * HOUR, 0);
    meter.observe('daily', 4995, 10 * HOUR, 60_000);
    expect(meter.current(60_000).windows[0]).toEqual({ name: 'daily', remaining: 4995, resetAt: 10 * HOUR });
    // 100 calls in 6 minutes (1% of the window): 1,000 an hour, about 9,900 before the reset with 4,900 left.
    meter.observe('daily', 4900, 10 * HOUR, 360_000);
    const [daily] = meter.current(360_000).windows;
    expect(daily!.projectedUse).toBe(Math.round((100 / 360_000) * (10 * HOUR - 360_000)));
    expect(budgetPressure(meter.current(360_000), 360_000).pressure).toBeGreaterThan(2);
    // A new day: the rate is measured afresh.
    meter.observe('daily', 5000, 34 * HOUR, 10 * HOUR);
    expect(meter.current(10 * HOUR).windows[0]!.projectedUse).toBeUndefined();
  });
});
