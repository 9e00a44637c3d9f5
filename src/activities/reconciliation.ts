/**
 * Reconciliation's reading: a page of a connection's orders (those with postings through it
 * in the look-back), each compared with what the ERP holds now (src/domain/reconciliation.ts)
 * and written to the report. Only a summary goes back to the workflow: its history stays
 * small however many orders the connection posts.
 */
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditTrail } from '../audit/auditTrail';
import { ErpError } from '../erp/adapter';
import type { ErpConnections } from '../erp/connections';
import { type BridgePosting, type ReconciliationDifference, reconcileOrder } from '../domain/reconciliation';
import type { ReconciliationStore } from '../reconciliation/store';
import { toActivityFailure } from './erpPostings';

export interface ReconcileOrdersInput {
  runId: string;
  erpConnection: string;
  /** Orders with postings since then (ISO time). */
  since: string;
  after?: string;
  limit: number;
}

export interface ReconcileOrdersResult {
  orders: number;
  /** The orders of the page with differences: each with its first few (the report holds all). */
  withDifferences: { workflowId: string; plant: string; productionOrder: string; count: number; differences: ReconciliationDifference[] }[];
  problems: { workflowId: string; problem: string }[];
  /** Orders of the page that differed at their last run and no longer do: their details are cleared. */
  cleared: string[];
  /** The last order read: the next page starts after it (absent: this was the last page). */
  next?: string;
}

/** Differences handed back per order: the report keeps all of them. */
const DIFFERENCES_HANDED_BACK = 5;

export function createReconciliationActivities({ connections, audit, store }: { connections: Pick<ErpConnections, 'byId'>; audit: AuditTrail; store: ReconciliationStore }) {
  const connectionOf = (id: string) => {
    const connection = connections.byId(id);
    if (!connection) throw ApplicationFailure.nonRetryable(`ERP connection ${id} is not configured on this worker`, 'ErpNotConfigured');
    return connection;
  };
  return {
    async openReconciliationRun({ runId, erpConnection }: { runId: string; erpConnection: string }): Promise<{ shadow: boolean; comparable: boolean }> {
      const connection = connectionOf(erpConnection);
      await store.startRun({ id: runId, erpConnection, shadow: connection.shadow });
      return { shadow: connection.shadow, comparable: connection.adapter.documentsOf !== undefined };
    },

    async reconcileOrders({ runId, erpConnection, since, after, limit }: ReconcileOrdersInput): Promise<ReconcileOrdersResult> {
      const connection = connectionOf(erpConnection);
      const documentsOf = connection.adapter.documentsOf;
      if (!documentsOf) throw ApplicationFailure.nonRetryable(`the ${connection.title} connection ${erpConnection} cannot list what the ERP holds per order`, 'ReconciliationNotSupported');
      const orders = await audit.ordersOf(erpConnection, { since: new Date(since), ...(after ? { after } : {}), limit });
      const result: ReconcileOrdersResult = { orders: 0, withDifferences: [], problems: [], cleared: [] };
      for (const order of orders) {
        heartbeat(order.workflowId);
        const attempts = await audit.latestAttempts(order.workflowId);
        const postings: BridgePosting[] = attempts.map((a) => ({ sequence: a.postingSequence, content: a.posting, outcome: a.outcome, ...(a.erpDocumentId ? { erpDocumentId: a.erpDocumentId } : {}) }));
        const erpOrderReference = attempts.at(-1)?.posting.erpOrderReference ?? order.productionOrder;
        let held;
        try {
          held = await documentsOf.call(connection.adapter, { plant: order.plant, productionOrder: order.productionOrder, erpOrderReference });
        } catch (error) {
          // An order the ERP no longer knows (a person deleted it) is a finding, not a failure of the run.
          if (error instanceof ErpError && error.classification === 'needsPerson') {
            result.problems.push({ workflowId: order.workflowId, problem: `${error.type}: ${error.message}` });
            continue;
          }
          throw toActivityFailure(error);
        }
        const compared = reconcileOrder(postings, held, await store.settledOf(order.workflowId));
        const { hadDifferences } = await store.recordOrder(runId, { ...order, ...compared });
        result.orders += 1;
        if (hadDifferences && compared.differences.length === 0) result.cleared.push(order.workflowId);
        if (compared.differences.length > 0) {
          result.withDifferences.push({ ...order, count: compared.differences.length, differences: compared.differences.slice(0, DIFFERENCES_HANDED_BACK) });
        }
      }
      return orders.length < limit ? result : { ...result, next: orders.at(-1)!.workflowId };
    },

    async closeReconciliationRun(input: { runId: string; orders: number; differences: number; problems: ReconcileOrdersResult['problems'] }): Promise<void> {
      await store.finishRun(input.runId, input);
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
