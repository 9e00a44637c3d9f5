/**
 * An ERP connection's call budget (e.g. so many calls a minute and so many a day per
 * company), as the ERP's answers tell it, and how wide an order's batch window must be for
 * its postings to fit. Pure: the transport measures, the workflow decides.
 */

/** One of the ERP's budget windows (a minute, a day) as its latest answer told it. */
export interface BudgetWindow {
  name: string;
  /** Calls left in the window. */
  remaining: number;
  /** When the window starts again (epoch ms). */
  resetAt: number;
  /**
   * The calls this connection would spend before the reset at its rate so far in the window;
   * absent until enough calls have been seen to tell a rate.
   */
  projectedUse?: number;
}

export interface CallBudget {
  /** When it was read (epoch ms). */
  at: number;
  windows: BudgetWindow[];
}

/**
 * How fast the connection spends its budget against what it allows: the highest, over the
 * windows still current, of the calls it would spend before the window resets at its rate so
 * far over the calls left (2: twice as fast as the window allows). Infinite for a spent
 * window; 1 while every window has room. Old news (past its reset) counts for nothing.
 */
export function budgetPressure(budget: CallBudget | undefined, now: number, options: { ignoreResettingWithinMs?: number } = {}): { pressure: number; resetAt?: number } {
  let worst: { pressure: number; resetAt?: number } = { pressure: 1 };
  for (const w of budget?.windows ?? []) {
    if (w.resetAt <= now + (options.ignoreResettingWithinMs ?? 0)) continue;
    const pressure = w.remaining <= 0 ? Number.POSITIVE_INFINITY : w.projectedUse !== undefined ? w.projectedUse / w.remaining : 0;
    if (pressure > worst.pressure) worst = { pressure, resetAt: w.resetAt };
  }
  return worst;
}

/**
 * The batch window of an order's lines: the configured one while the budget has room. When
 * the connection spends a window faster than it allows, an order's open lines wait past that
 * window's reset, the longer the faster it spends (1.5 times too fast: one and a half times
 * the time to the reset), never beyond `maxMs`: their events gather into fewer postings, and
 * an order's completion still posts at once (the workflow flushes on it). A window that
 * resets within 30 batch windows (an ERP's minute) is left to the rate limit, which holds
 * postings until it resets: waiting past it would only make the ledger late. Whole milliseconds.
 */
export function budgetedBatchWindowMs(baseMs: number, maxMs: number, budget: CallBudget | undefined, now: number): number {
  const { pressure, resetAt } = budgetPressure(budget, now, { ignoreResettingWithinMs: 30 * baseMs });
  if (pressure <= 1 || resetAt === undefined) return baseMs;
  const untilReset = resetAt - now;
  const wait = Number.isFinite(pressure) ? untilReset * pressure : untilReset;
  return Math.round(Math.max(baseMs, Math.min(maxMs, wait)));
}
