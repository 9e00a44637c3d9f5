/**
 * Reconciliation reports in PostgreSQL: a run per connection and time, and per order it
 * compared the lines (floor, posted, ERP) and the differences found. Written by the
 * reconciliation activities (an order written again by a retry replaces its row), read by
 * the starter API and the CLI.
 */
import type { Pool } from 'pg';
import type { OrderReconciliation, ReconciliationDifference } from '../domain/reconciliation';

export interface ReconciliationRun {
  id: string;
  erpConnection: string;
  shadow: boolean;
  startedAt: string;
  finishedAt?: string;
  orders: number;
  differences: number;
  problems: { workflowId: string; problem: string }[];
}

export interface ReconciledOrder extends OrderReconciliation {
  workflowId: string;
  plant: string;
  productionOrder: string;
}

export interface ReconciliationReport {
  run: ReconciliationRun;
  /** The orders with differences (all compared orders when asked). */
  orders: ReconciledOrder[];
}

export interface ReconciliationStore {
  startRun(run: { id: string; erpConnection: string; shadow: boolean }): Promise<void>;
  /** Writes the order's comparison; answers whether the run before that compared the order had found differences. */
  recordOrder(runId: string, order: ReconciledOrder): Promise<{ hadDifferences: boolean }>;
  finishRun(runId: string, totals: { orders: number; differences: number; problems: ReconciliationRun['problems'] }): Promise<void>;
  /** A run's report: by id, or a connection's latest (finished) run, of a day (YYYY-MM-DD, UTC) if named. */
  report(query: { runId?: string; erpConnection?: string; day?: string; workflowId?: string; all?: boolean }): Promise<ReconciliationReport | undefined>;
  /** The latest difference found for an order's posting, in the latest run that compared the order. */
  latestDifference(workflowId: string, sequence: number): Promise<ReconciliationDifference | undefined>;
  /** The order posted the difference of its posting: its document is expected to hold `held` from now on. */
  settle(workflowId: string, sequence: number, held: string): Promise<void>;
  /** What each of an order's postings is expected to hold where a difference was posted, by sequence. */
  settledOf(workflowId: string): Promise<Map<number, string>>;
}

interface RunRow {
  id: string;
  erp_connection: string;
  shadow: boolean;
  started_at: Date;
  finished_at: Date | null;
  orders: number;
  differences: number;
  problems: ReconciliationRun['problems'];
}

const runOf = (r: RunRow): ReconciliationRun => ({
  id: r.id,
  erpConnection: r.erp_connection,
  shadow: r.shadow,
  startedAt: r.started_at.toISOString(),
  ...(r.finished_at ? { finishedAt: r.finished_at.toISOString() } : {}),
  orders: r.orders,
  differences: r.differences,
  problems: r.problems,
});

export function createReconciliationStore(pool: Pool): ReconciliationStore {
  return {
    async startRun({ id, erpConnection, shadow }) {
      await pool.query('INSERT INTO reconciliation_runs (id, erp_connection, shadow) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [id, erpConnection, shadow]);
    },
    async recordOrder(runId, o) {
      const before = await pool.query<{ difference_count: number }>(
        `SELECT o.difference_count FROM reconciliation_orders o JOIN reconciliation_runs r ON r.id = o.run_id WHERE o.workflow_id = $1 AND o.run_id <> $2 ORDER BY r.started_at DESC LIMIT 1`,
        [o.workflowId, runId],
      );
      await pool.query(
        `INSERT INTO reconciliation_orders (run_id, workflow_id, plant, production_order, lines, differences, difference_count) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (run_id, workflow_id) DO UPDATE SET lines = EXCLUDED.lines, differences = EXCLUDED.differences, difference_count = EXCLUDED.difference_count`,
        [runId, o.workflowId, o.plant, o.productionOrder, JSON.stringify(o.lines), JSON.stringify(o.differences), o.differences.length],
      );
      return { hadDifferences: (before.rows[0]?.difference_count ?? 0) > 0 };
    },
    async finishRun(runId, { orders, differences, problems }) {
      await pool.query('UPDATE reconciliation_runs SET finished_at = now(), orders = $2, differences = $3, problems = $4 WHERE id = $1', [runId, orders, differences, JSON.stringify(problems)]);
    },
    async report({ runId, erpConnection, day, workflowId, all = false }) {
      const runs = await pool.query<RunRow>(
        `SELECT * FROM reconciliation_runs WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR erp_connection = $2)
           AND ($3::date IS NULL OR (started_at AT TIME ZONE 'UTC')::date = $3::date) AND ($1::text IS NOT NULL OR finished_at IS NOT NULL)
           AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM reconciliation_orders o WHERE o.run_id = reconciliation_runs.id AND o.workflow_id = $4))
         ORDER BY started_at DESC LIMIT 1`,
        [runId ?? null, erpConnection ?? null, day ?? null, workflowId ?? null],
      );
      const run = runs.rows[0];
      if (!run) return undefined;
      const orders = await pool.query(
        `SELECT * FROM reconciliation_orders WHERE run_id = $1 AND ($2 OR difference_count > 0) AND ($3::text IS NULL OR workflow_id = $3) ORDER BY workflow_id LIMIT 1000`,
        [run.id, all || workflowId !== undefined, workflowId ?? null],
      );
      return {
        run: runOf(run),
        orders: orders.rows.map((o) => ({ workflowId: o.workflow_id, plant: o.plant, productionOrder: o.production_order, lines: o.lines, differences: o.differences })),
      };
    },
    async latestDifference(workflowId, sequence) {
      const { rows } = await pool.query<{ differences: ReconciliationDifference[] }>(
        `SELECT o.differences FROM reconciliation_orders o JOIN reconciliation_runs r ON r.id = o.run_id WHERE o.workflow_id = $1 ORDER BY r.started_at DESC LIMIT 1`,
        [workflowId],
      );
      return rows[0]?.differences.find((d) => d.sequence === sequence && d.postable);
    },
    async settle(workflowId, sequence, held) {
      await pool.query(
        'INSERT INTO reconciliation_settled (workflow_id, posting_sequence, held) VALUES ($1, $2, $3) ON CONFLICT (workflow_id, posting_sequence) DO UPDATE SET held = EXCLUDED.held, settled_at = now()',
        [workflowId, sequence, held],
      );
    },
    async settledOf(workflowId) {
      const { rows } = await pool.query<{ posting_sequence: number; held: string }>('SELECT posting_sequence, held FROM reconciliation_settled WHERE workflow_id = $1', [workflowId]);
      return new Map(rows.map((r) => [r.posting_sequence, r.held]));
    },
  };
}
