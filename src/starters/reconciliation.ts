/**
 * Starting reconciliation (src/workflows/reconciliation): each connection's Temporal schedule
 * (`reconciliation/<task queue>/<connection>`, every RECONCILE_EVERY), a run an operator asks for, the
 * report, and posting the difference a run found for one of an order's postings (through
 * the order's workflow: its plan posts it, exactly once, like any other posting).
 */
import { type Client, ScheduleAlreadyRunning, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ErpConnection } from '../erp/connections';
import type { ProductionOrderView } from '../domain/orderView';
import type { ReconciliationStore } from '../reconciliation/store';
import { DeliveryRefused, type OrderDelivery } from '../delivery/orderDelivery';
import { postErpDifferenceUpdate, productionOrderWorkflowId } from '../workflows/productionOrder/workflow';
import { type ReconciliationInput, type ReconciliationStatus, askedReconciliationId, reconciliation, reconciliationScheduleId } from '../workflows/reconciliation/workflow';
import { ErpConnectionKey, ErpSystemKey } from '../workflows/searchAttributes';

export class ReconciliationRefused extends Error {
  override readonly name = 'ReconciliationRefused';
  constructor(
    message: string,
    readonly status: 404 | 409 | 422,
  ) {
    super(message);
  }
}

export interface Reconciliations {
  /** Runs a reconciliation of the connection now; with `wait`, answers when it is done. */
  runNow(connectionId: string, options?: { wait?: boolean }): Promise<{ workflowId: string; status?: ReconciliationStatus }>;
  report: ReconciliationStore['report'];
  /** Has the order post the difference the latest run found for its posting (a closed order reopens for it); the order's view after. */
  postDifference(plant: string, productionOrder: string, sequence: number): Promise<ProductionOrderView>;
}

function inputOf(connection: ErpConnection, lookbackDays: number): ReconciliationInput {
  return { erpConnection: connection.id, erpTitle: connection.title, lookbackDays };
}

const attributesOf = (connection: ErpConnection) => [
  { key: ErpSystemKey, value: connection.erp },
  { key: ErpConnectionKey, value: connection.id },
];

export function createReconciliations(
  client: Client,
  taskQueue: string,
  deps: { connections: { byId(id: string): ErpConnection | undefined }; store: ReconciliationStore; delivery: OrderDelivery; lookbackDays: number },
): Reconciliations {
  const { connections, store, delivery, lookbackDays } = deps;
  return {
    async runNow(connectionId, { wait = false } = {}) {
      const connection = connections.byId(connectionId);
      if (!connection) throw new ReconciliationRefused(`no ERP connection ${connectionId}`, 404);
      const handle = await client.workflow.start(reconciliation, {
        workflowId: askedReconciliationId(connectionId, new Date()),
        taskQueue,
        args: [inputOf(connection, lookbackDays)],
        staticSummary: `Reconciliation asked for · ${connection.description} (connection ${connection.id})${connection.shadow ? ' · shadow mode' : ''}`,
        typedSearchAttributes: attributesOf(connection),
      });
      return wait ? { workflowId: handle.workflowId, status: await handle.result() } : { workflowId: handle.workflowId };
    },
    report: (query) => store.report(query),
    async postDifference(plant, productionOrder, sequence) {
      const workflowId = productionOrderWorkflowId(plant, productionOrder);
      const difference = await store.latestDifference(workflowId, sequence);
      if (!difference) throw new ReconciliationRefused(`the latest reconciliation of ${workflowId} found no difference of posting #${sequence} the bridge can post`, 404);
      try {
        const view = await delivery.updateOrder(plant, productionOrder, postErpDifferenceUpdate, [{ sequence, held: difference.held }]);
        // Later runs expect the document to hold what the order now counts (a write lost here: the next run reports it again, the order refuses to post it twice).
        await store.settle(workflowId, sequence, difference.held);
        return view;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new ReconciliationRefused(`order ${workflowId} never ran here`, 404);
        if (error instanceof DeliveryRefused) throw new ReconciliationRefused(error.message, 409);
        if (error instanceof WorkflowUpdateFailedError) throw new ReconciliationRefused(error.cause?.message ?? error.message, 422);
        throw error;
      }
    },
  };
}

/** Each connection gets its reconciliation schedule; one already there is brought to the configured interval. */
export async function scheduleReconciliations(client: Client, taskQueue: string, connections: readonly ErpConnection[], options: { every: string; lookbackDays: number }): Promise<string[]> {
  const scheduled: string[] = [];
  for (const connection of connections) {
    if (!connection.adapter.documentsOf) continue;
    const scheduleId = reconciliationScheduleId(taskQueue, connection.id);
    const action = {
      type: 'startWorkflow' as const,
      workflowType: reconciliation,
      workflowId: `${scheduleId}/scheduled`,
      taskQueue,
      args: [inputOf(connection, options.lookbackDays)] as [ReconciliationInput],
      staticSummary: `Reconciliation every ${options.every} · ${connection.description} (connection ${connection.id})${connection.shadow ? ' · shadow mode' : ''}`,
      typedSearchAttributes: attributesOf(connection),
    };
    const spec = { intervals: [{ every: options.every as `${number} ${string}` }] };
    try {
      await client.schedule.create({ scheduleId, spec, action, memo: { description: `Compares what ${connection.id}'s ERP holds per order with what the floor reported and the bridge posted, every ${options.every}` } });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update((schedule) => ({ ...schedule, spec, action }));
    }
    scheduled.push(scheduleId);
  }
  return scheduled;
}
