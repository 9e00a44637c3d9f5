/**
 * The audit trail in PostgreSQL: one row per ERP transaction attempt, queryable by order.
 * Schema changes are the numbered SQL files in migrations/, applied in order, once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import type { PostingContent } from '../domain/postings';
import type { HttpExchange } from '../erp/exchangeLog';

export type AttemptOutcome = 'posted' | 'found-existing' | 'retryable-error' | 'needs-person';

export interface TransactionAttempt {
  workflowId: string;
  erpSystem: string;
  postingSequence: number;
  idempotencyKey: string;
  attempt: number;
  posting: PostingContent;
  exchanges: HttpExchange[];
  outcome: AttemptOutcome;
  erpDocumentId?: string;
  errorType?: string;
  errorMessage?: string;
  startedAt: Date;
  finishedAt: Date;
}

export interface AuditTrail {
  recordAttempt(attempt: TransactionAttempt): Promise<void>;
  attemptsFor(plant: string, productionOrder: string): Promise<(TransactionAttempt & { id: number })[]>;
}

const migrationsDir = path.resolve(__dirname, '..', '..', 'migrations');

/** Applies the migrations not yet applied, under an advisory lock so concurrent workers take turns. */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7461001)');
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const pending = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql') && !applied.has(f)).sort();
    for (const name of pending) {
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(path.join(migrationsDir, name), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${String(error)}`);
      }
    }
    return pending;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7461001)').catch(() => undefined);
    client.release();
  }
}

export function createPostgresAuditTrail(pool: Pool): AuditTrail {
  return {
    async recordAttempt(a) {
      await pool.query(
        `INSERT INTO erp_transaction_attempts
           (workflow_id, plant, production_order, erp_system, posting_sequence, posting_kind, idempotency_key, attempt,
            posting, exchanges, outcome, erp_document_id, error_type, error_message, started_at, finished_at, duration_ms)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
        [
          a.workflowId, a.posting.plant, a.posting.productionOrder, a.erpSystem, a.postingSequence, a.posting.kind,
          a.idempotencyKey, a.attempt, JSON.stringify(a.posting), JSON.stringify(a.exchanges), a.outcome,
          a.erpDocumentId ?? null, a.errorType ?? null, a.errorMessage ?? null, a.startedAt, a.finishedAt,
          a.finishedAt.getTime() - a.startedAt.getTime(),
        ],
      );
    },
    async attemptsFor(plant, productionOrder) {
      const { rows } = await pool.query(
        `SELECT * FROM erp_transaction_attempts WHERE plant = $1 AND production_order = $2 ORDER BY id`,
        [plant, productionOrder],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        workflowId: r.workflow_id,
        erpSystem: r.erp_system,
        postingSequence: r.posting_sequence,
        idempotencyKey: r.idempotency_key,
        attempt: r.attempt,
        posting: r.posting,
        exchanges: r.exchanges,
        outcome: r.outcome,
        erpDocumentId: r.erp_document_id ?? undefined,
        errorType: r.error_type ?? undefined,
        errorMessage: r.error_message ?? undefined,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
      }));
    },
  };
}
