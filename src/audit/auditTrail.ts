/**
 * The audit trail in PostgreSQL: one row per ERP transaction attempt, queryable by order.
 */
import type { Pool } from 'pg';
import { storableJson, storableText } from '../database/database';
import type { PostingContent } from '../domain/postings';
import type { HttpExchange } from '../erp/http/exchangeLog';

export type AttemptOutcome = 'posted' | 'found-existing' | 'retryable-error' | 'needs-person';

export interface TransactionAttempt {
  workflowId: string;
  erpSystem: string;
  postingSequence: number;
  idempotencyKey: string;
  /**
   * Which attempt of the posting this is: Temporal's attempt of the activity, or, where more
   * attempts of its key are in the trail (an operator's retry, a reopened order: a new
   * activity, attempt 1 again), one more than those. The trail records the greater.
   */
  attempt: number;
  posting: PostingContent;
  /** The floor events whose quantities the posting carries. */
  sourceEventIds: string[];
  /** How the floor's totals became the posting, in words. */
  transformation?: string;
  /** The worker process that made the attempt (host:pid). */
  worker?: string;
  exchanges: HttpExchange[];
  /** What of the posting the ERP could not hold, said plainly. */
  notes: string[];
  outcome: AttemptOutcome;
  erpDocumentId?: string;
  errorType?: string;
  errorMessage?: string;
  startedAt: Date;
  finishedAt: Date;
}

export interface AuditTrail {
  recordAttempt(attempt: TransactionAttempt): Promise<void>;
  /** Whether any attempt of the posting with this key is recorded (by any run, worker or reset). */
  attempted(idempotencyKey: string): Promise<boolean>;
  attemptsFor(plant: string, productionOrder: string): Promise<(TransactionAttempt & { id: number })[]>;
}

export function createPostgresAuditTrail(pool: Pool): AuditTrail {
  return {
    async recordAttempt(a) {
      await pool.query(
        `INSERT INTO erp_transaction_attempts
           (workflow_id, plant, production_order, erp_system, posting_sequence, posting_kind, idempotency_key, attempt,
            posting, exchanges, outcome, erp_document_id, error_type, error_message, started_at, finished_at, duration_ms,
            source_event_ids, notes, transformation, worker)
         VALUES ($1,$2,$3,$4,$5,$6,$7,GREATEST($8::int, (SELECT count(*) + 1 FROM erp_transaction_attempts WHERE idempotency_key = $7)),$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
        [
          a.workflowId, a.posting.plant, a.posting.productionOrder, a.erpSystem, a.postingSequence, a.posting.kind,
          storableText(a.idempotencyKey), a.attempt, storableJson(a.posting), storableJson(a.exchanges), a.outcome,
          a.erpDocumentId ?? null, a.errorType ?? null, a.errorMessage === undefined ? null : storableText(a.errorMessage), a.startedAt, a.finishedAt,
          a.finishedAt.getTime() - a.startedAt.getTime(), storableJson(a.sourceEventIds), storableJson(a.notes),
          a.transformation === undefined ? null : storableText(a.transformation), a.worker ?? null,
        ],
      );
    },
    async attempted(idempotencyKey) {
      const { rowCount } = await pool.query('SELECT 1 FROM erp_transaction_attempts WHERE idempotency_key = $1 LIMIT 1', [storableText(idempotencyKey)]);
      return (rowCount ?? 0) > 0;
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
        sourceEventIds: r.source_event_ids,
        transformation: r.transformation ?? undefined,
        worker: r.worker ?? undefined,
        exchanges: r.exchanges,
        notes: r.notes,
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
