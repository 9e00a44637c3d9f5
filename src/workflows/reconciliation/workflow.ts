/**
 * Reconciliation of one ERP connection (a run per schedule turn, `reconciliation/<task queue>/<connection>`,
 * or asked for by an operator): per order with postings through it in the look-back, and per
 * line, what the floor reported, what the bridge posted and what the ERP holds now
 * (src/domain/reconciliation.ts). The report goes to PostgreSQL (GET /v1/reconciliation); each
 * order with differences is told in its details; one alert per run names them. In shadow
 * mode the run compares what the bridge would have posted with what people booked by hand.
 */
import { ActivityFailure, ApplicationFailure, defineQuery, getExternalWorkflowHandle, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ReconcileOrdersResult, ReconciliationActivities } from '../../activities/reconciliation';
import { reconciliationAlert } from '../../domain/alerts';
import { differenceFix } from '../../domain/reconciliation';
import { workflowAlerts } from '../alert/workflow';
import { erpDifferencesSignal } from '../productionOrder/workflow';

export interface ReconciliationInput {
  erpConnection: string;
  /** Its ERP's name for people, in the alert. */
  erpTitle: string;
  /** Orders with postings this many days back are compared. */
  lookbackDays: number;
  pageSize?: number;
}

export interface ReconciliationStatus {
  runId: string;
  shadow: boolean;
  stage: 'Comparing' | 'Done';
  orders: number;
  differences: number;
  /** The orders with differences, the first ORDERS_SHOWN (the report holds all). */
  ordersWithDifferences: ReconcileOrdersResult['withDifferences'];
  problems: ReconcileOrdersResult['problems'];
  /** Why nothing could be compared, if so. */
  notCompared?: string;
}

const ORDERS_SHOWN = 50;

export const reconciliationStatusQuery = defineQuery<ReconciliationStatus>('status');

/** A connection's schedule, per deployment (its task queue): `reconciliation/<task queue>/<connection>`. */
export function reconciliationScheduleId(taskQueue: string, erpConnection: string): string {
  return `reconciliation/${taskQueue}/${erpConnection}`;
}

/** A run an operator asked for: `reconciliation/<connection>/asked-<time>`. */
export function askedReconciliationId(erpConnection: string, at: Date): string {
  return `reconciliation/${erpConnection}/asked-${at.toISOString()}`;
}

export async function reconciliation(input: ReconciliationInput): Promise<ReconciliationStatus> {
  const { openReconciliationRun, reconcileOrders, closeReconciliationRun } = proxyActivities<ReconciliationActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '2 minutes',
    retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
  });
  const alerts = workflowAlerts();
  const { workflowId, startTime } = workflowInfo();
  const runId = workflowId;
  const opened = await openReconciliationRun({ runId, erpConnection: input.erpConnection });
  const status: ReconciliationStatus = { runId, shadow: opened.shadow, stage: 'Comparing', orders: 0, differences: 0, ordersWithDifferences: [], problems: [] };
  setHandler(reconciliationStatusQuery, () => status);
  const show = () =>
    setCurrentDetails(
      `**Reconciliation** of ${input.erpConnection}${status.shadow ? ' (shadow mode: the bridge sends nothing)' : ''}: ${status.orders} orders compared, ` +
        `${status.differences} differences${status.problems.length ? `, ${status.problems.length} orders not compared` : ''}` +
        (status.notCompared ? `\n\n${status.notCompared}` : '') +
        (status.ordersWithDifferences.length ? `\n\n${status.ordersWithDifferences.map((o) => `- ${o.workflowId}: ${o.differences.map((d) => d.message).join('; ')}`).join('\n')}` : '') +
        `\n\nreport: GET /v1/reconciliation?run=${encodeURIComponent(runId)}`,
    );
  show();
  const since = new Date(startTime.getTime() - input.lookbackDays * 86_400_000).toISOString();
  let after: string | undefined;
  if (!opened.comparable) {
    status.notCompared = `the ${input.erpTitle} connection ${input.erpConnection} cannot list what the ERP holds per order: nothing was compared`;
  } else {
    try {
      for (;;) {
        const page = await reconcileOrders({ runId, erpConnection: input.erpConnection, since, ...(after ? { after } : {}), limit: input.pageSize ?? 50 });
        status.orders += page.orders;
        status.problems.push(...page.problems);
        for (const order of page.withDifferences) {
          status.differences += order.count;
          if (status.ordersWithDifferences.length < ORDERS_SHOWN) status.ordersWithDifferences.push(order);
          // The order's details tell its differences, each with its fix; a closed order's are in the report only.
          const notice = { runId, at: new Date().toISOString(), count: order.count, differences: order.differences.map((d) => ({ message: d.message, fix: differenceFix(d, order), ...(d.sequence !== undefined ? { sequence: d.sequence } : {}) })) };
          await getExternalWorkflowHandle(order.workflowId).signal(erpDifferencesSignal, notice).catch(() => undefined);
        }
        // An order in step again no longer says it differs.
        for (const id of page.cleared) await getExternalWorkflowHandle(id).signal(erpDifferencesSignal, null).catch(() => undefined);
        show();
        if (!page.next) break;
        after = page.next;
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      status.notCompared = `the run stopped: ${error.cause instanceof ApplicationFailure ? error.cause.message : error.message}`;
    }
  }
  await closeReconciliationRun({ runId, orders: status.orders, differences: status.differences, problems: status.problems });
  status.stage = 'Done';
  show();
  if (status.differences > 0 || status.notCompared || status.problems.length > 0) {
    alerts.send(reconciliationAlert({ workflowId, erpConnection: input.erpConnection, erpTitle: input.erpTitle }, status));
  }
  await alerts.handedOver();
  return status;
}
