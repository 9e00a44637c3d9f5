/** Raises an alert from outside a workflow: one `deliverAlert` workflow per alert key, however many processes raise it. */
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Alert } from '../domain/alerts';
import { alertWorkflowId, deliverAlert } from '../workflows/alert/workflow';

export function alertRaiser(client: Client, taskQueue: string): (alert: Alert) => Promise<void> {
  return async (alert) => {
    try {
      await client.workflow.start(deliverAlert, {
        workflowId: alertWorkflowId(alert, taskQueue),
        taskQueue,
        args: [alert],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: alert.title,
      });
    } catch (error) {
      // Raised before and delivered already: the same alert is sent once.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
}
