/**
 * Starts the planning sync of each ERP connection that reads planning for a plant (its
 * settings name the plant). Every process that runs workers calls it; the workflow id
 * makes it one sync per ERP and plant, however many call.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { type ErpConnections, postingTaskQueueOf } from '../erp/connections';
import { erpPlanning, erpPlanningWorkflowId } from '../workflows/erpPlanning/workflow';
import { ErpConnectionKey, ErpSystemKey, PlantKey } from '../workflows/searchAttributes';

export async function startErpPlanning(client: Client, config: Config, connections: Pick<ErpConnections, 'list'>): Promise<string[]> {
  const started: string[] = [];
  for (const connection of connections.list) {
    if (!connection.planning) continue;
    const { plant } = connection.planning;
    const workflowId = erpPlanningWorkflowId(connection.erp, plant);
    await client.workflow.start(erpPlanning, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ erpSystem: connection.erp, erpConnection: connection.id, erpTitle: connection.title, plant, taskQueue: postingTaskQueueOf(config.temporal.taskQueue, connection.id), every: config.planning.every }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Planning from ${connection.description} (connection ${connection.id}) · plant ${plant}`,
      typedSearchAttributes: [
        { key: ErpSystemKey, value: connection.erp },
        { key: ErpConnectionKey, value: connection.id },
        { key: PlantKey, value: plant },
      ],
    });
    started.push(workflowId);
  }
  return started;
}
