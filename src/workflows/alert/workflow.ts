/**
 * Alerts reach people durably: sending one is an activity Temporal retries (with back-off,
 * for up to a day) until every configured channel has it. Orders send their own alerts
 * with these options; whatever is not a workflow (a worker that finds an ERP connection's
 * authorization gone) starts `deliverAlert`, whose id, `alert/<task queue>/<key>`, makes an
 * alert raised twice by one deployment's processes one delivery.
 */
import { type ActivityOptions, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { AlertActivities } from '../../activities/alerts';
import type { Alert } from '../../domain/alerts';

export const alertDeliveryOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} satisfies ActivityOptions;

/** Scoped by the deployment's task queue: two bridges sharing a namespace each tell their own people. */
/**
 * How a workflow sends its own alerts: each alert (by key) once per run, without waiting
 * for it; `delivered()` waits for those on their way (before closing or continuing as new).
 * An alert not delivered within its day is in the worker's log; what it tells of stays
 * visible in the workflow all the same.
 */
export function workflowAlerts() {
  const { sendAlert } = proxyActivities<AlertActivities>(alertDeliveryOptions);
  const sent = new Set<string>();
  const onTheirWay: Promise<unknown>[] = [];
  return {
    send(alert: Alert): void {
      if (sent.has(alert.key)) return;
      sent.add(alert.key);
      onTheirWay.push(sendAlert(alert).catch(() => undefined));
    },
    async delivered(): Promise<void> {
      await Promise.all(onTheirWay);
    },
  };
}

export function alertWorkflowId(alert: Alert, taskQueue: string): string {
  return `alert/${taskQueue}/${alert.key}`;
}

export async function deliverAlert(alert: Alert): Promise<{ delivered: string[] }> {
  const { sendAlert } = proxyActivities<AlertActivities>(alertDeliveryOptions);
  setCurrentDetails(`${alert.title}\n\n${alert.lines.join('\n\n')}`);
  return sendAlert(alert);
}
