/**
 * Retention of what the bridge keeps beside Temporal: refused inputs and the audit trail of
 * ERP attempts older than their retention are deleted, a batch at a time, by a Temporal
 * schedule (`retention/<task queue>`, daily). The audit trail's default is long (the ERP's postings are
 * bookkeeping: seven years); refused input's short. Each run says what it removed.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { RetentionActivities } from '../../activities/retention';

export interface RetentionInput {
  rejectedInputsDays: number;
  auditDays: number;
}

export interface RetentionResult {
  rejectedInputs: number;
  auditRows: number;
}

/** One schedule per deployment (its task queue): `retention/<task queue>`. */
export function retentionScheduleId(taskQueue: string): string {
  return `retention/${taskQueue}`;
}

export async function retention(input: RetentionInput): Promise<RetentionResult> {
  const { pruneRecords } = proxyActivities<RetentionActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumInterval: '5 minutes' } });
  const removed: RetentionResult = { rejectedInputs: 0, auditRows: 0 };
  // A batch at a time, so no one statement holds the tables long.
  for (;;) {
    const batch = await pruneRecords(input);
    removed.rejectedInputs += batch.rejectedInputs;
    removed.auditRows += batch.auditRows;
    setCurrentDetails(`Removed ${removed.rejectedInputs} refused inputs older than ${input.rejectedInputsDays} days and ${removed.auditRows} audit rows older than ${input.auditDays} days`);
    if (batch.rejectedInputs + batch.auditRows === 0) return removed;
  }
}
