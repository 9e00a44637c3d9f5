/** An order's memory beyond Temporal's retention (see src/orderMemory/store.ts), as activities of the order. */
import type { ProductionOrderState } from '../domain/productionOrder';
import type { OrderMemory } from '../orderMemory/store';

export function createOrderMemoryActivities({ memory }: { memory: OrderMemory }) {
  return {
    /** Keeps what the order closes with; a later close overwrites it. */
    async rememberClosedOrder(state: ProductionOrderState): Promise<void> {
      await memory.remember(state.workflowId, state);
    },
    /** What the order closed with before, if it ever closed: a new run starts from there. */
    async recallClosedOrder(workflowId: string): Promise<ProductionOrderState | null> {
      return (await memory.recall(workflowId)) ?? null;
    },
  };
}

export type OrderMemoryActivities = ReturnType<typeof createOrderMemoryActivities>;
