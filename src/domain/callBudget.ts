/**
 * An ERP connection's call budget (Exact Online: 60 calls a minute and 5,000 a day per
 * division), as the ERP's answers tell it, and how wide an order's batch window must be for
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
 * How many times wider than the configured one an order's batch window is, so that the
 * connection's postings fit its budget: 1 while every window has room for the rate so far;
 * otherwise the rate over what is left (a day spent twice as fast as it allows: twice as wide).
 * A window already spent waits for its reset. Old news (past its reset) counts for nothing.
 */
export function budgetFactor(budget: CallBudget | undefined, now: number): number {
  if (!budget) return 1;
  let factor = 1;
  for (const w of budget.windows) {
    if (w.resetAt <= now) continue;
    if (w.remaining <= 0) return Number.POSITIVE_INFINITY;
    if (w.projectedUse !== undefined && w.projectedUse > w.remaining) factor = Math.max(factor, w.projectedUse / w.remaining);
  }
  return factor;
}

/**
 * The batch window of an order's lines: the configured one, widened by the budget factor,
 * never beyond `maxMs`, and for a spent window at least until it resets. Whole milliseconds.
 */
export function budgetedBatchWindowMs(baseMs: number, maxMs: number, budget: CallBudget | undefined, now: number): number {
  const factor = budgetFactor(budget, now);
  if (factor === 1) return baseMs;
  if (!Number.isFinite(factor)) {
    const reset = Math.max(...(budget?.windows ?? []).filter((w) => w.remaining <= 0 && w.resetAt > now).map((w) => w.resetAt - now));
    return Math.round(Math.max(baseMs, Math.min(maxMs, reset)));
  }
  return Math.round(Math.max(baseMs, Math.min(maxMs, baseMs * factor)));
}
