/**
 * A workflow task that fails (an error in workflow code: a bug, a payload the code cannot
 * take) is retried by Temporal for ever, and the order stops without a word. This
 * interceptor tells people: the error goes to the worker's `bridgeAlerts` sink, which raises
 * an alert naming the workflow. The task still fails, so a fixed worker picks it up again.
 */
import {
  ContinueAsNew,
  type Next,
  type SignalInput,
  TemporalFailure,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type Sinks,
  proxySinks,
  workflowInfo,
} from '@temporalio/workflow';

export interface BridgeAlertSinks extends Sinks {
  bridgeAlerts: {
    /** A workflow task of this workflow failed with this error. */
    workflowTaskFailed(workflowId: string, workflowType: string, message: string): void;
  };
}

const { bridgeAlerts } = proxySinks<BridgeAlertSinks>();

/**
 * Tells of an error that fails the workflow task (not one that fails the workflow, nor a
 * continue-as-new). The caller gets the very promise it would have had: watching adds no
 * step to when an update's answer or the workflow's end is sent, so histories replay alike.
 */
function watched<T>(promise: Promise<T>): Promise<T> {
  promise.catch((error: unknown) => {
    if (error instanceof TemporalFailure || error instanceof ContinueAsNew) return;
    const info = workflowInfo();
    bridgeAlerts.workflowTaskFailed(info.workflowId, info.workflowType, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  });
  return promise;
}

class WorkflowTaskFailureAlert implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return watched(next(input));
  }
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return watched(next(input));
  }
  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return watched(next(input));
  }
}

export const interceptors = (): WorkflowInterceptors => ({ inbound: [new WorkflowTaskFailureAlert()] });
