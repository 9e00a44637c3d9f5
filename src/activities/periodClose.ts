/**
 * The period-end close's reading: the orders of a connection that closed completed in the
 * month, from what they closed with (src/orderMemory), each turned into its close entry or
 * the reason it has none (src/domain/periodClose.ts). A page at a time, so what the close
 * carries stays small however many orders the month had.
 */
import { type Period, periodCloseEntry, periodDays } from '../domain/periodClose';
import type { PeriodCloseEntry } from '../domain/postings';
import type { OrderMemory } from '../orderMemory/store';

export interface PeriodCloseOrders {
  entries: { workflowId: string; entry: PeriodCloseEntry }[];
  /** Orders completed in the period that get no entry, and why (no standard cost, no output received). */
  problems: { workflowId: string; plant: string; productionOrder: string; problem: string }[];
  /** The last order read: the next page starts after it (absent: this was the last page). */
  next?: string;
}

export function createPeriodCloseActivities({ memory }: { memory: OrderMemory }) {
  return {
    async periodCloseOrders(input: { erpConnection: string; period: Period; after?: string; limit: number }): Promise<PeriodCloseOrders> {
      const { from, to } = periodDays(input.period);
      const states = await memory.completedBetween({ erpConnection: input.erpConnection, from, to, after: input.after, limit: input.limit });
      const result: PeriodCloseOrders = { entries: [], problems: [] };
      for (const state of states) {
        const made = periodCloseEntry(state, input.period);
        if ('entry' in made) result.entries.push({ workflowId: state.workflowId, entry: made.entry });
        else result.problems.push({ workflowId: state.workflowId, plant: state.plant, productionOrder: state.productionOrder, problem: made.problem });
      }
      return states.length < input.limit ? result : { ...result, next: states.at(-1)!.workflowId };
    },
  };
}

export type PeriodCloseActivities = ReturnType<typeof createPeriodCloseActivities>;
