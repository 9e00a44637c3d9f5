/**
 * The ERP's planning as the floor reads it, in PostgreSQL: written by the planning sync
 * (an activity applying the ERP's changes, idempotently: applying a change twice leaves
 * the same rows), read by the starter API for the MES. During a full read every row read is
 * marked with its id; a set it read to the end loses the plant's rows it did not mark.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../database/database';
import type { ErpSystem } from '../domain/erpSystem';
import type { PlannedOrderDetail, PlannedOrderStatus, PlanningChanges, PlanningRemovals } from '../domain/planning';

export interface PlanningStore {
  /** Upserts what changed, and removes what a full read found gone; the plant is the one the ERP connection plans for. */
  apply(system: ErpSystem, plant: string, changes: PlanningChanges): Promise<Pick<PlanningRemovals, PlannedSet>>;
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

const tableOf = { orders: 'planned_orders', components: 'planned_components', operations: 'planned_operations' } as const;
type PlannedSet = keyof typeof tableOf;

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
      // A row read outside a full read keeps the mark of the last one that read it.
      const fullRead = changes.fullRead?.id ?? null;
      return inTransaction(pool, async (client) => {
        for (const o of changes.orders) {
          await client.query(
            `INSERT INTO planned_orders (erp_system, erp_id, plant, erp_order, material, description, planned_quantity, produced_quantity, unit, status, planned_start, planned_finish, full_read, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET plant = EXCLUDED.plant, erp_order = EXCLUDED.erp_order, material = EXCLUDED.material,
               description = EXCLUDED.description, planned_quantity = EXCLUDED.planned_quantity, produced_quantity = EXCLUDED.produced_quantity,
               unit = EXCLUDED.unit, status = EXCLUDED.status, planned_start = EXCLUDED.planned_start, planned_finish = EXCLUDED.planned_finish,
               full_read = COALESCE(EXCLUDED.full_read, planned_orders.full_read), synced_at = now()`,
            [system, o.erpId, plant, o.erpOrder, o.material, o.description ?? null, o.plannedQuantity, o.producedQuantity, o.unit, o.status, o.plannedStart ?? null, o.plannedFinish ?? null, fullRead],
          );
        }
        for (const c of changes.components) {
          await client.query(
            `INSERT INTO planned_components (erp_system, erp_id, plant, erp_order_id, line, material, planned_quantity, unit, backflush, by_product, full_read, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET plant = EXCLUDED.plant, erp_order_id = EXCLUDED.erp_order_id, line = EXCLUDED.line, material = EXCLUDED.material,
               planned_quantity = EXCLUDED.planned_quantity, unit = EXCLUDED.unit, backflush = EXCLUDED.backflush, by_product = EXCLUDED.by_product,
               full_read = COALESCE(EXCLUDED.full_read, planned_components.full_read), synced_at = now()`,
            [system, c.erpId, plant, c.erpOrderId, c.line ?? null, c.material, c.plannedQuantity, c.unit, c.backflush, c.byProduct, fullRead],
          );
        }
        for (const s of changes.operations) {
          await client.query(
            `INSERT INTO planned_operations (erp_system, erp_id, plant, erp_order_id, sequence, operation, description, work_centre, planned_setup_hours, planned_run_hours, backflush, full_read, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET plant = EXCLUDED.plant, erp_order_id = EXCLUDED.erp_order_id, sequence = EXCLUDED.sequence, operation = EXCLUDED.operation,
               description = EXCLUDED.description, work_centre = EXCLUDED.work_centre, planned_setup_hours = EXCLUDED.planned_setup_hours,
               planned_run_hours = EXCLUDED.planned_run_hours, backflush = EXCLUDED.backflush,
               full_read = COALESCE(EXCLUDED.full_read, planned_operations.full_read), synced_at = now()`,
            [system, s.erpId, plant, s.erpOrderId, s.sequence, s.operation, s.description ?? null, s.workCentre ?? null, s.plannedSetupHours ?? null, s.plannedRunHours ?? null, s.backflush, fullRead],
          );
        }
        const removed = { orders: 0, components: 0, operations: 0 };
        for (const set of (changes.fullRead?.complete ?? []).filter((s): s is PlannedSet => s in tableOf)) {
          const result = await client.query(`DELETE FROM ${tableOf[set]} WHERE erp_system = $1 AND plant = $2 AND full_read IS DISTINCT FROM $3`, [system, plant, fullRead]);
          removed[set] = result.rowCount ?? 0;
        }
        return removed;
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
