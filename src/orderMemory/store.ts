/**
 * The state each production order closed with, kept in PostgreSQL. Temporal keeps a closed
 * run only for the namespace's retention; what exactly-once needs after that (which events
 * the order has seen, how far its posting sequence went, the ERP documents it holds) is
 * here, so a late event reopens the order where it stopped even when the run is gone.
 */
import type { Pool } from 'pg';
import { storableJson } from '../database/database';
import type { ProductionOrderState } from '../domain/productionOrder';

export interface OrderMemory {
  remember(workflowId: string, state: ProductionOrderState): Promise<void>;
  recall(workflowId: string): Promise<ProductionOrderState | undefined>;
}

export function createPostgresOrderMemory(pool: Pool): OrderMemory {
  return {
    async remember(workflowId, state) {
      const json = storableJson(state);
      await pool.query(
        `INSERT INTO order_memory (workflow_id, state, state_bytes) VALUES ($1, $2, $3)
         ON CONFLICT (workflow_id) DO UPDATE SET state = EXCLUDED.state, state_bytes = EXCLUDED.state_bytes, closed_at = now()`,
        [workflowId, json, Buffer.byteLength(json)],
      );
    },
    async recall(workflowId) {
      const { rows } = await pool.query<{ state: ProductionOrderState }>('SELECT state FROM order_memory WHERE workflow_id = $1', [workflowId]);
      return rows[0]?.state;
    },
  };
}
