/**
 * Starts the ERP planning sync of each connection that is configured to read planning
 * (Exact: EXACT_PLANNING_PLANT). Every process that runs workers calls it; the workflow id
 * makes it one sync per connection and plant, however many call.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { ErpSystem } from '../domain/erpSystem';
import type { ErpAdapter } from '../erp/adapter';
import { erpPlanning, erpPlanningWorkflowId } from '../workflows/erpPlanning/workflow';
import { ErpSystemKey, PlantKey } from '../workflows/searchAttributes';

export async function startErpPlanning(client: Client, config: Config, adapters: Partial<Record<ErpSystem, ErpAdapter>>): Promise<string[]> {
  const plant = config.exact.planningPlant;
  const taskQueue = config.orders.postingTaskQueues.exact;
  if (!plant || !taskQueue || !adapters.exact?.planning) return [];
  const workflowId = erpPlanningWorkflowId('exact', plant);
  await client.workflow.start(erpPlanning, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [{ erpSystem: 'exact', plant, taskQueue, every: config.planning.every }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Planning from Exact Online division ${config.exact.division} · plant ${plant}`,
    typedSearchAttributes: [
      { key: ErpSystemKey, value: 'exact' },
      { key: PlantKey, value: plant },
    ],
  });
  return [workflowId];
}
