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
import type { ToldOrder } from '../domain/planningNotices';

export interface PlanningStore {
  /** Upserts what changed, and removes what a full read found gone; the plant is the one the ERP connection plans for. */
  apply(system: ErpSystem, plant: string, changes: PlanningChanges): Promise<Pick<PlanningRemovals, PlannedSet>>;
  orders(plant: string, filter?: { status?: PlannedOrderStatus }): Promise<PlannedOrderDetail[]>;
  order(plant: string, erpOrder: string): Promise<PlannedOrderDetail | undefined>;
  /** Orders changed since the floor was last told of them (up to `limit`): what they are now (absent: deleted in the ERP) and what was told. */
  toTell(system: ErpSystem, plant: string, limit: number): Promise<OrderToTell[]>;
  /** The floor has been told of the order up to `changes`; an order gone from the ERP is then removed. */
  told(system: ErpSystem, erpId: string, told: { changes: number; status?: PlannedOrderStatus; fingerprint?: string }): Promise<void>;
}

export interface OrderToTell {
  erpId: string;
  erpOrder: string;
  /** The count of changes applied to it: `told` with it marks them told. */
  changes: number;
  /** The order now; absent when the ERP deleted it. */
  order?: PlannedOrderDetail;
  told?: ToldOrder;
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
  changes: number;
  told_changes: number;
  told_status: PlannedOrderStatus | null;
  told_fingerprint: string | null;
  gone_at: Date | null;
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
            `INSERT INTO planned_orders (erp_system, erp_id, plant, erp_order, material, description, planned_quantity, produced_quantity, unit, status, planned_start, planned_finish, full_read, synced_at, changes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), 1)
             ON CONFLICT (erp_system, erp_id) DO UPDATE SET changes = planned_orders.changes + 1, gone_at = NULL, plant = EXCLUDED.plant, erp_order = EXCLUDED.erp_order, material = EXCLUDED.material,
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
        // A changed plan line or routing step changes its order (the floor is told).
        const linesChanged = new Set([...changes.components, ...changes.operations].map((line) => line.erpOrderId));
        const removed = { orders: 0, components: 0, operations: 0 };
        for (const set of (changes.fullRead?.complete ?? []).filter((s): s is PlannedSet => s in tableOf)) {
          const unread = 'erp_system = $1 AND plant = $2 AND full_read IS DISTINCT FROM $3';
          if (set === 'orders') {
            // An order the floor was told of stays until its cancellation has been told.
            const gone = await client.query(`UPDATE planned_orders SET gone_at = now(), changes = changes + 1 WHERE ${unread} AND gone_at IS NULL AND told_status IN ('released', 'inProcess')`, [system, plant, fullRead]);
            const deleted = await client.query(`DELETE FROM planned_orders WHERE ${unread} AND gone_at IS NULL`, [system, plant, fullRead]);
            removed.orders = (gone.rowCount ?? 0) + (deleted.rowCount ?? 0);
            continue;
          }
          const result = await client.query<{ erp_order_id: string }>(`DELETE FROM ${tableOf[set]} WHERE ${unread} RETURNING erp_order_id`, [system, plant, fullRead]);
          removed[set] = result.rowCount ?? 0;
          for (const row of result.rows) linesChanged.add(row.erp_order_id);
        }
        if (linesChanged.size > 0) {
          await client.query('UPDATE planned_orders SET changes = changes + 1 WHERE erp_system = $1 AND erp_id = ANY($2)', [system, [...linesChanged]]);
        }
        return removed;
      });
    },

    async orders(plant, filter = {}) {
      const rows = await pool.query<OrderRow>(
        `SELECT * FROM planned_orders WHERE plant = $1 AND gone_at IS NULL AND ($2::text IS NULL OR status = $2) ORDER BY planned_start NULLS LAST, erp_order LIMIT 1000`,
        [plant, filter.status ?? null],
      );
      return details(rows.rows);
    },

    async order(plant, erpOrder) {
      const rows = await pool.query<OrderRow>('SELECT * FROM planned_orders WHERE plant = $1 AND erp_order = $2 AND gone_at IS NULL', [plant, erpOrder]);
      return (await details(rows.rows))[0];
    },

    async toTell(system, plant, limit) {
      const rows = await pool.query<OrderRow>('SELECT * FROM planned_orders WHERE erp_system = $1 AND plant = $2 AND changes > told_changes ORDER BY erp_order LIMIT $3', [system, plant, limit]);
      const current = await details(rows.rows.filter((o) => o.gone_at === null));
      return rows.rows.map((o) => {
        const order = o.gone_at === null ? current.find((d) => d.erpId === o.erp_id) : undefined;
        return {
          erpId: o.erp_id,
          erpOrder: o.erp_order,
          changes: o.changes,
          ...(order ? { order } : {}),
          ...(o.told_status && o.told_fingerprint ? { told: { status: o.told_status, fingerprint: o.told_fingerprint } } : {}),
        };
      });
    },

    async told(system, erpId, told) {
      await inTransaction(pool, async (client) => {
        await client.query(
          `UPDATE planned_orders SET told_changes = GREATEST(told_changes, $3), told_status = COALESCE($4, told_status), told_fingerprint = COALESCE($5, told_fingerprint)
           WHERE erp_system = $1 AND erp_id = $2`,
          [system, erpId, told.changes, told.status ?? null, told.fingerprint ?? null],
        );
        // Its cancellation told, an order the ERP deleted goes (unless it came back meanwhile).
        await client.query('DELETE FROM planned_orders WHERE erp_system = $1 AND erp_id = $2 AND gone_at IS NOT NULL AND changes <= told_changes', [system, erpId]);
      });
    },
  };
}
