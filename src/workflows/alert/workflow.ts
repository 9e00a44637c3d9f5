/**
 * Alerts reach people durably: sending one is an activity Temporal retries (with back-off,
 * for up to a day) until every configured channel has it, inside a `deliverAlert` workflow
 * whose id, `alert/<task queue>/<key>`, makes an alert raised twice by one deployment's
 * processes or workflows one delivery.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { type ActivityOptions, patched, proxyActivities, setCurrentDetails, startChild, workflowInfo } from '@temporalio/workflow';
import type { AlertActivities } from '../../activities/alerts';
import type { Alert } from '../../domain/alerts';
import { sha256Hex } from '../../domain/digest';

export const alertDeliveryOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} satisfies ActivityOptions;

/** Workflows that began before this waited for their alerts' delivery (an activity) before closing or continuing as new. */
const ALERTS_BESIDE_POSTING = 'alerts-beside-posting';

/**
 * How a workflow sends its own alerts: each alert (by key) once per run, as a `deliverAlert`
 * workflow of its own that outlives the sender (its parent-close policy is to abandon it).
 * `handedOver()` waits only until Temporal has started those on their way, never for Slack
 * or SMTP: a revoked webhook or a dead mail server cannot hold up posting, continue-as-new
 * or close. An alert a deployment raised before (same key) is not sent again.
 */
export function workflowAlerts() {
  const { sendAlert } = proxyActivities<AlertActivities>(alertDeliveryOptions);
  const sent = new Set<string>();
  const onTheirWay: Promise<unknown>[] = [];
  return {
    send(alert: Alert): void {
      if (sent.has(alert.key)) return;
      sent.add(alert.key);
      if (!patched(ALERTS_BESIDE_POSTING)) {
        onTheirWay.push(sendAlert(alert).catch(() => undefined));
        return;
      }
      const started = startChild(deliverAlert, {
        workflowId: alertWorkflowId(alert, workflowInfo().taskQueue),
        args: [alert],
        parentClosePolicy: 'ABANDON',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: alert.title,
      });
      // Started before (by another run or process): the same alert is sent once.
      onTheirWay.push(started.catch((error: unknown) => (error instanceof WorkflowExecutionAlreadyStartedError ? undefined : Promise.reject(error))));
    },
    /** Until Temporal holds every alert sent (older runs: until each was delivered). */
    async handedOver(): Promise<void> {
      await Promise.all(onTheirWay);
    },
  };
}

/** Scoped by the deployment's task queue: two bridges sharing a namespace each tell their own people. A long key is kept by its digest. */
export function alertWorkflowId(alert: Alert, taskQueue: string): string {
  const key = alert.key.length <= 200 ? alert.key : `${alert.key.slice(0, 120)}…${sha256Hex(alert.key)}`;
  return `alert/${taskQueue}/${key}`;
}

export async function deliverAlert(alert: Alert): Promise<{ delivered: string[] }> {
  const { sendAlert } = proxyActivities<AlertActivities>(alertDeliveryOptions);
  setCurrentDetails(`${alert.title}\n\n${alert.lines.join('\n\n')}`);
  return sendAlert(alert);
}
