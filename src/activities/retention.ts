/** The retention workflow's activity: deletes one batch of refused inputs and audit rows past their retention. */
import type { Pool } from 'pg';
import type { RetentionInput, RetentionResult } from '../workflows/retention/workflow';

const BATCH = 5000;

export function createRetentionActivities({ pool }: { pool: Pool }) {
  return {
    async pruneRecords(input: RetentionInput): Promise<RetentionResult> {
      const rejected = await pool.query(
        `DELETE FROM rejected_inputs WHERE id IN (SELECT id FROM rejected_inputs WHERE received_at < now() - make_interval(days => $1) ORDER BY id LIMIT $2)`,
        [input.rejectedInputsDays, BATCH],
      );
      const audit = await pool.query(
        `DELETE FROM erp_transaction_attempts WHERE id IN (SELECT id FROM erp_transaction_attempts WHERE started_at < now() - make_interval(days => $1) ORDER BY id LIMIT $2)`,
        [input.auditDays, BATCH],
      );
      return { rejectedInputs: rejected.rowCount ?? 0, auditRows: audit.rowCount ?? 0 };
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
