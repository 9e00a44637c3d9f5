/**
 * The retention schedule (src/workflows/retention): daily, it removes refused inputs and
 * audit rows past their retention (RETENTION_*). Made by every process that runs workers;
 * the schedule id makes it one, and a schedule already there is brought to the configured
 * retention.
 */
import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';
import { type RetentionInput, retention, retentionScheduleId } from '../workflows/retention/workflow';

export async function scheduleRetention(client: Client, taskQueue: string, keep: RetentionInput): Promise<void> {
  const scheduleId = retentionScheduleId(taskQueue);
  const action = { type: 'startWorkflow' as const, workflowType: retention, workflowId: `${scheduleId}/run`, taskQueue, args: [keep] as [RetentionInput], staticSummary: `Retention: refused inputs ${keep.rejectedInputsDays} days, audit trail ${keep.auditDays} days` };
  try {
    await client.schedule.create({ scheduleId, spec: { calendars: [{ hour: 3, minute: 17 }] }, action });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((schedule) => ({ ...schedule, action }));
  }
}
