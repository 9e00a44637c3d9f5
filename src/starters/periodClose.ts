/**
 * Starting the period-end close of a connection (src/workflows/periodClose): a dry run that
 * answers with the entries, a booking run an operator follows by its status, and each
 * connection's schedule (a Temporal schedule, one per connection, that books the month that
 * ended). Only a connection whose ERP takes close entries can be closed from here.
 */
import { type Client, ScheduleAlreadyRunning, WorkflowNotFoundError } from '@temporalio/client';
import type { Period } from '../domain/periodClose';
import { type ErpConnection, postingTaskQueueOf } from '../erp/connections';
import { type PeriodCloseInput, type PeriodCloseStatus, periodClose, periodCloseStatusQuery, periodCloseWorkflowId } from '../workflows/periodClose/workflow';
import { ErpConnectionKey, ErpSystemKey } from '../workflows/searchAttributes';

export class CannotClose extends Error {
  override readonly name = 'CannotClose';
}

/** A close as the starter shows it: with the completed orders still open, which no close takes until they have closed. */
export type PeriodCloseView = PeriodCloseStatus & { openOrders: string[] };

export interface PeriodCloses {
  /** The entries the close of the month would book, booking nothing. */
  dryRun(connectionId: string, period: Period): Promise<PeriodCloseView>;
  /** Starts booking the month (a close already under way is the one followed); its workflow id. */
  book(connectionId: string, period: Period): Promise<string>;
  /** Where the booking of the month stands, or undefined before it was ever started. */
  status(connectionId: string, period: Period): Promise<PeriodCloseView | undefined>;
}

/** Completed orders still open are listed up to this many. */
const OPEN_ORDERS_SHOWN = 50;

export function createPeriodCloses(client: Client, taskQueue: string, connections: { byId(id: string): ErpConnection | undefined }): PeriodCloses {
  const closable = (id: string) => {
    const connection = connections.byId(id);
    if (!connection) throw new CannotClose(`no ERP connection ${id}`);
    if (!connection.adapter.capabilities().postings.has('PeriodCloseEntry')) throw new CannotClose(`${connection.title} (connection ${id}) takes no period-end close entries from the bridge: it closes its periods itself, or the connection names no close accounts`);
    return connection;
  };
  const start = (connection: ErpConnection, period: Period, dryRun: boolean) =>
    client.workflow.start(periodClose, {
      workflowId: periodCloseWorkflowId(connection.id, period, dryRun),
      taskQueue,
      args: [closeInput(connection, taskQueue, { period, dryRun })],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Period-end close ${period}${dryRun ? ' (dry run)' : ''} · ${connection.description} (connection ${connection.id})`,
      typedSearchAttributes: [
        { key: ErpSystemKey, value: connection.erp },
        { key: ErpConnectionKey, value: connection.id },
      ],
    });
  /** Orders of the connection that completed and have not closed yet (in sync, waiting for late events, or for a person). */
  const openOrders = async (id: string) => {
    const ids: string[] = [];
    const query = `WorkflowType = 'productionOrder' AND ExecutionStatus = 'Running' AND ErpConnection = '${id.replace(/'/g, "\\'")}' AND OrderStatus = 'Completed'`;
    for await (const w of client.workflow.list({ query })) {
      ids.push(w.workflowId);
      if (ids.length >= OPEN_ORDERS_SHOWN) break;
    }
    return ids;
  };
  const view = async (id: string, status: PeriodCloseStatus): Promise<PeriodCloseView> => ({ ...status, openOrders: await openOrders(id) });
  return {
    async dryRun(id, period) {
      return view(id, await (await start(closable(id), period, true)).result());
    },
    async book(id, period) {
      return (await start(closable(id), period, false)).workflowId;
    },
    async status(id, period) {
      closable(id);
      const handle = client.workflow.getHandle(periodCloseWorkflowId(id, period, false));
      try {
        const { status } = await handle.describe();
        const close = status.name === 'RUNNING' ? await handle.query(periodCloseStatusQuery) : status.name === 'COMPLETED' ? await handle.result() : undefined;
        return close && view(id, close);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

function closeInput(connection: ErpConnection, taskQueue: string, what: { period?: Period; dryRun: boolean }): PeriodCloseInput {
  return { erpSystem: connection.erp, erpConnection: connection.id, ...what, postingTaskQueue: postingTaskQueueOf(taskQueue, connection.id) };
}

export function periodCloseScheduleId(connectionId: string): string {
  return `period-close/${connectionId}`;
}

/** Each connection with a close schedule gets its Temporal schedule (once: a schedule already there is kept). */
export async function schedulePeriodCloses(client: Client, taskQueue: string, connections: readonly ErpConnection[]): Promise<string[]> {
  const scheduled: string[] = [];
  for (const connection of connections) {
    const when = connection.closeSchedule;
    if (!when || !connection.adapter.capabilities().postings.has('PeriodCloseEntry')) continue;
    const scheduleId = periodCloseScheduleId(connection.id);
    try {
      await client.schedule.create({
        scheduleId,
        spec: { calendars: [{ dayOfMonth: when.dayOfMonth, hour: when.hour }], ...(when.timeZone ? { timezone: when.timeZone } : {}) },
        action: {
          type: 'startWorkflow',
          workflowType: periodClose,
          workflowId: `${scheduleId}/scheduled`,
          taskQueue,
          args: [closeInput(connection, taskQueue, { dryRun: false })],
          staticSummary: `Period-end close of the month that ended · ${connection.description} (connection ${connection.id})`,
          typedSearchAttributes: [
            { key: ErpSystemKey, value: connection.erp },
            { key: ErpConnectionKey, value: connection.id },
          ],
        },
        memo: { description: `Books the period-end close of ${connection.id} on day ${when.dayOfMonth} at ${when.hour}:00${when.timeZone ? ` ${when.timeZone}` : ' UTC'}` },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
    scheduled.push(scheduleId);
  }
  return scheduled;
}
