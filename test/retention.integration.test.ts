/** Refused inputs and audit rows past their retention are removed by the retention schedule's workflow; newer ones stay. */
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retention, retentionScheduleId } from '../src/workflows/retention/workflow';
import { type Bridge, startBridge } from './harness';

describe('retention', () => {
  let bridge: Bridge;
  let pool: Pool;
  beforeAll(async () => {
    bridge = await startBridge({ RETENTION_REJECTED_INPUTS_DAYS: '30', RETENTION_AUDIT_DAYS: '400' });
    pool = new Pool({ connectionString: bridge.workerEnv.DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await bridge?.teardown();
  });

  it('removes what is older than its retention, keeps the rest, and runs on a schedule', async () => {
    for (const [reference, age] of [['old', 45], ['new', 5]] as const) {
      await bridge.rejectedInputs.record({ channel: 'http', reference, reason: 'test', payload: reference });
      await pool.query(`UPDATE rejected_inputs SET received_at = now() - make_interval(days => $1) WHERE reference = $2`, [age, reference]);
    }
    await pool.query(
      `INSERT INTO erp_transaction_attempts (workflow_id, plant, production_order, erp_system, posting_sequence, posting_kind, idempotency_key, attempt, posting, exchanges, outcome, started_at, finished_at, duration_ms)
       SELECT 'w', 'P', o, 'exact', 1, 'MaterialIssue', o, 1, '{}', '[]', 'posted', now() - make_interval(days => d), now(), 1 FROM (VALUES ('old-order', 500), ('new-order', 10)) AS t(o, d)`,
    );
    const result = await bridge.client.workflow.execute(retention, { workflowId: `retention-test-${Date.now()}`, taskQueue: bridge.workerEnv.TEMPORAL_TASK_QUEUE!, args: [{ rejectedInputsDays: 30, auditDays: 400 }] });
    expect(result).toEqual({ rejectedInputs: 1, auditRows: 1 });
    expect((await pool.query('SELECT reference FROM rejected_inputs')).rows.map((r) => r.reference)).toEqual(['new']);
    expect((await pool.query('SELECT production_order FROM erp_transaction_attempts')).rows.map((r) => r.production_order)).toEqual(['new-order']);
    const schedule = await bridge.client.schedule.getHandle(retentionScheduleId(bridge.workerEnv.TEMPORAL_TASK_QUEUE!)).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retention', args: [{ rejectedInputsDays: 30, auditDays: 400 }] });
  });
});
