/**
 * The audit trail in PostgreSQL: one row per ERP transaction attempt, queryable by order.
 */
import type { Pool } from 'pg';
import { storableJson, storableText } from '../database/database';
import type { PostingContent } from '../domain/postings';
import type { HttpExchange } from '../erp/http/exchangeLog';

/** shadowed: the connection runs in shadow mode, and the attempt was recorded, not sent. */
export type AttemptOutcome = 'posted' | 'found-existing' | 'retryable-error' | 'needs-person' | 'shadowed';

export interface TransactionAttempt {
  workflowId: string;
  erpSystem: string;
  /** The connection posted through (absent in rows from before attempts named it). */
  erpConnection?: string;
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
  /** The orders with attempts through a connection since a time, by workflow id, a page at a time (after the last one read). */
  ordersOf(erpConnection: string, options: { since: Date; after?: string; limit: number }): Promise<{ workflowId: string; plant: string; productionOrder: string }[]>;
  /** The latest attempt of each of an order's postings (its workflow's), in sequence. */
  latestAttempts(workflowId: string): Promise<Pick<TransactionAttempt, 'postingSequence' | 'posting' | 'outcome' | 'erpDocumentId'>[]>;
}

export function createPostgresAuditTrail(pool: Pool): AuditTrail {
  return {
    async recordAttempt(a) {
      await pool.query(
        `INSERT INTO erp_transaction_attempts
           (workflow_id, plant, production_order, erp_system, posting_sequence, posting_kind, idempotency_key, attempt,
            posting, exchanges, outcome, erp_document_id, error_type, error_message, started_at, finished_at, duration_ms,
            source_event_ids, notes, transformation, worker, erp_connection)
         VALUES ($1,$2,$3,$4,$5,$6,$7,GREATEST($8::int, (SELECT count(*) + 1 FROM erp_transaction_attempts WHERE idempotency_key = $7)),$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
        [
          a.workflowId, a.posting.plant, a.posting.productionOrder, a.erpSystem, a.postingSequence, a.posting.kind,
          storableText(a.idempotencyKey), a.attempt, storableJson(a.posting), storableJson(a.exchanges), a.outcome,
          a.erpDocumentId ?? null, a.errorType ?? null, a.errorMessage === undefined ? null : storableText(a.errorMessage), a.startedAt, a.finishedAt,
          a.finishedAt.getTime() - a.startedAt.getTime(), storableJson(a.sourceEventIds), storableJson(a.notes),
          a.transformation === undefined ? null : storableText(a.transformation), a.worker ?? null, a.erpConnection ?? null,
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
        ...(r.erp_connection ? { erpConnection: r.erp_connection } : {}),
        errorType: r.error_type ?? undefined,
        errorMessage: r.error_message ?? undefined,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
      }));
    },
    async ordersOf(erpConnection, { since, after, limit }) {
      // A period-end close posts under its own workflow: it is no order.
      const { rows } = await pool.query<{ workflow_id: string; plant: string; production_order: string }>(
        `SELECT DISTINCT ON (workflow_id) workflow_id, plant, production_order FROM erp_transaction_attempts
          WHERE erp_connection = $1 AND finished_at >= $2 AND posting_kind <> 'PeriodCloseEntry' AND ($3::text IS NULL OR workflow_id > $3)
          ORDER BY workflow_id LIMIT $4`,
        [erpConnection, since, after ?? null, limit],
      );
      return rows.map((r) => ({ workflowId: r.workflow_id, plant: r.plant, productionOrder: r.production_order }));
    },
    async latestAttempts(workflowId) {
      const { rows } = await pool.query(
        `SELECT DISTINCT ON (idempotency_key) posting_sequence, posting, outcome, erp_document_id FROM erp_transaction_attempts
          WHERE workflow_id = $1 ORDER BY idempotency_key, id DESC`,
        [workflowId],
      );
      return rows
        .map((r) => ({ postingSequence: r.posting_sequence, posting: r.posting, outcome: r.outcome, ...(r.erp_document_id ? { erpDocumentId: r.erp_document_id } : {}) }))
        .sort((a, b) => a.postingSequence - b.postingSequence);
    },
  };
}
