/**
 * The ERP's planning as the floor reads it, in PostgreSQL: written by the planning sync
 * (an activity applying the ERP's changes, idempotently: applying a change twice leaves
 * the same rows), read by the starter API for the MES.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../database/database';
import type { ErpSystem } from '../domain/erpSystem';
import type { PlannedOrderDetail, PlannedOrderStatus, PlanningChanges } from '../domain/planning';

export interface PlanningStore {
  /** Upserts what changed; the plant is the one the ERP connection plans for. */
  apply(system: ErpSystem, plant: string, changes: PlanningChanges): Promise<void>;
  orders(plant: string, filter?: { status?: PlannedOrderStatus }): Promise<PlannedOrderDetail[]>;
  order(plant: string, erpOrder: string): Promise<PlannedOrderDetail | undefined>;
}

interface OrderRow {
  erp_system: string;
  erp_id: string;
  plant: string;
  erp_order: string;
  material: string;
  description: string | null;
  planned_quantity: string;
  produced_quantity: string;
  unit: string;
  status: PlannedOrderStatus;
  planned_start: string | null;
  planned_finish: string | null;
  synced_at: Date;
}

interface ComponentRow {
  erp_system: string;
  erp_id: string;
  erp_order_id: string;
  line: number | null;
  material: string;
  planned_quantity: string;
  unit: string;
  backflush: boolean;
  by_product: boolean;
}

interface OperationRow {
  erp_system: string;
  erp_id: string;
  erp_order_id: string;
  sequence: number;
  operation: string;
  description: string | null;
  work_centre: string | null;
  planned_setup_hours: string | null;
  planned_run_hours: string | null;
  backflush: boolean;
}

export function createPostgresPlanningStore(pool: Pool): PlanningStore {
  async function details(orders: OrderRow[]): Promise<PlannedOrderDetail[]> {
    if (orders.length === 0) return [];
    const ids = orders.map((o) => o.erp_id);
    const [components, operations] = await Promise.all([
      pool.query<ComponentRow>('SELECT * FROM planned_components WHERE erp_order_id = ANY($1) ORDER BY line NULLS LAST, material', [ids]),
      pool.query<OperationRow>('SELECT * FROM planned_operations WHERE erp_order_id = ANY($1) ORDER BY sequence', [ids]),
    ]);
    const of = (o: OrderRow) => (row: { erp_system: string; erp_order_id: string }) => row.erp_system === o.erp_system && row.erp_order_id === o.erp_id;
    return orders.map((o) => ({
      erpId: o.erp_id,
      erpOrder: o.erp_order,
      plant: o.plant,
      material: o.material,
      ...(o.description ? { description: o.description } : {}),
      plannedQuantity: o.planned_quantity,
      producedQuantity: o.produced_quantity,
      unit: o.unit,
      status: o.status,
      ...(o.planned_start ? { plannedStart: o.planned_start } : {}),
      ...(o.planned_finish ? { plannedFinish: o.planned_finish } : {}),
      syncedAt: o.synced_at.toISOString(),
      components: components.rows
        .filter(of(o))
        .map((c) => ({
          erpId: c.erp_id,
          ...(c.line !== null ? { line: c.line } : {}),
          material: c.material,
          plannedQuantity: c.planned_quantity,
          unit: c.unit,
          backflush: c.backflush,
          byProduct: c.by_product,
        })),
      operations: operations.rows
        .filter(of(o))
        .map((s) => ({
          erpId: s.erp_id,
          sequence: s.sequence,
          operation: s.operation,
          ...(s.description ? { description: s.description } : {}),
          ...(s.work_centre ? { workCentre: s.work_centre } : {}),
          ...(s.planned_setup_hours !== null ? { plannedSetupHours: s.planned_setup_hours } : {}),
          ...(s.planned_run_hours !== null ? { plannedRunHours: s.planned_run_hours } : {}),
          backflush: s.backflush,
        })),
    }));
  }

  return {
    async apply(system, plant, changes) {
      await inTransaction(pool, async (client) => {
        for (const o of changes.orders) {
          await client.query(
            `INSERT INTO planned_orders (erp_system, erp_id, plant, erp_order, material, description, planned_quantity, produced_quantity, unit, status, planned_start, planned_finish, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET plant = EXCLUDED.plant, erp_order = EXCLUDED.erp_order, material = EXCLUDED.material,
               description = EXCLUDED.description, planned_quantity = EXCLUDED.planned_quantity, produced_quantity = EXCLUDED.produced_quantity,
               unit = EXCLUDED.unit, status = EXCLUDED.status, planned_start = EXCLUDED.planned_start, planned_finish = EXCLUDED.planned_finish, synced_at = now()`,
            [system, o.erpId, plant, o.erpOrder, o.material, o.description ?? null, o.plannedQuantity, o.producedQuantity, o.unit, o.status, o.plannedStart ?? null, o.plannedFinish ?? null],
          );
        }
        for (const c of changes.components) {
          await client.query(
            `INSERT INTO planned_components (erp_system, erp_id, erp_order_id, line, material, planned_quantity, unit, backflush, by_product, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET erp_order_id = EXCLUDED.erp_order_id, line = EXCLUDED.line, material = EXCLUDED.material,
               planned_quantity = EXCLUDED.planned_quantity, unit = EXCLUDED.unit, backflush = EXCLUDED.backflush, by_product = EXCLUDED.by_product, synced_at = now()`,
            [system, c.erpId, c.erpOrderId, c.line ?? null, c.material, c.plannedQuantity, c.unit, c.backflush, c.byProduct],
          );
        }
        for (const s of changes.operations) {
          await client.query(
            `INSERT INTO planned_operations (erp_system, erp_id, erp_order_id, sequence, operation, description, work_centre, planned_setup_hours, planned_run_hours, backflush, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET erp_order_id = EXCLUDED.erp_order_id, sequence = EXCLUDED.sequence, operation = EXCLUDED.operation,
               description = EXCLUDED.description, work_centre = EXCLUDED.work_centre, planned_setup_hours = EXCLUDED.planned_setup_hours,
               planned_run_hours = EXCLUDED.planned_run_hours, backflush = EXCLUDED.backflush, synced_at = now()`,
            [system, s.erpId, s.erpOrderId, s.sequence, s.operation, s.description ?? null, s.workCentre ?? null, s.plannedSetupHours ?? null, s.plannedRunHours ?? null, s.backflush],
          );
        }
      });
    },

    async orders(plant, filter = {}) {
      const rows = await pool.query<OrderRow>(
        `SELECT * FROM planned_orders WHERE plant = $1 AND ($2::text IS NULL OR status = $2) ORDER BY planned_start NULLS LAST, erp_order LIMIT 1000`,
        [plant, filter.status ?? null],
      );
      return details(rows.rows);
    },

    async order(plant, erpOrder) {
      const rows = await pool.query<OrderRow>('SELECT * FROM planned_orders WHERE plant = $1 AND erp_order = $2', [plant, erpOrder]);
      return (await details(rows.rows))[0];
    },
  };
}
