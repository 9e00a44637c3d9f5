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
  /** The orders of a connection that closed completed between two days (YYYY-MM-DD, both included), by workflow id after `after`, at most `limit`. */
  completedBetween(query: { erpConnection: string; from: string; to: string; after?: string | undefined; limit: number }): Promise<ProductionOrderState[]>;
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
    async completedBetween({ erpConnection, from, to, after, limit }) {
      const { rows } = await pool.query<{ state: ProductionOrderState }>(
        `SELECT state FROM order_memory
         WHERE state->>'erpConnection' = $1 AND state->>'completedOn' >= $2 AND state->>'completedOn' <= $3 AND workflow_id > $4
         ORDER BY workflow_id LIMIT $5`,
        [erpConnection, from, to, after ?? '', limit],
      );
      return rows.map((r) => r.state);
    },
  };
}
