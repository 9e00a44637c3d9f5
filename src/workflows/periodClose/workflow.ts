/**
 * The period-end close of one ERP connection and month (workflow id
 * `period-close/<connection>/<YYYY-MM>`, a dry run's with `/dry-run`): for every order that
 * closed completed in the month, its work in progress moves to finished goods at standard
 * cost and the variances to cost of sales (src/domain/periodClose.ts), one journal entry per
 * order. A dry run lists the entries and books nothing. A booking run posts each through the
 * ERP posting activity under a key of the connection, the month and the order, so whatever
 * run posts it, an order's entry is booked once: running the close again finds what the ERP
 * holds and books only what it does not (an order fixed since, a period opened again).
 * Started by an operator (POST /v1/erp/connections/<id>/period-close) or by the connection's
 * schedule (without a month: the one before the run started).
 */
import type { Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ErpPostingActivities } from '../../activities/erpPostings';
import type { PeriodCloseActivities } from '../../activities/periodClose';
import type { ErpSystem } from '../../domain/erpSystem';
import { type CloseAccount, type CloseBooking, type Period, closeBookings, periodCloseKey, previousPeriod } from '../../domain/periodClose';
import { add, subtract } from '../../domain/quantity';

export interface PeriodCloseInput {
  erpSystem: ErpSystem;
  erpConnection: string;
  /** The month to close; absent (a schedule): the month before the run started. */
  period?: Period;
  /** List the entries, book nothing. */
  dryRun: boolean;
  /** The connection's posting task queue (its call budget). */
  postingTaskQueue: string;
  /** Orders read per page. */
  pageSize?: number;
  postingRetryInitialInterval?: Duration;
  carried?: PeriodCloseStatus;
}

/** One order's entry, as the close shows it. */
export interface PeriodCloseLine {
  workflowId: string;
  plant: string;
  productionOrder: string;
  material: string;
  quantity: string;
  unit: string;
  bookings: CloseBooking[];
  /** booked: by this run; held: the ERP had it already (an earlier run); planned: a dry run's; failed: the ERP refused it. */
  outcome: 'booked' | 'held' | 'planned' | 'failed';
  erpDocumentId?: string;
  error?: { type: string; message: string };
}

export interface PeriodCloseStatus {
  period: Period;
  dryRun: boolean;
  stage: 'Reading' | 'Booking' | 'Done';
  /** Orders of the period with an entry, and how their entries went. */
  orders: number;
  booked: number;
  held: number;
  failed: number;
  /** Debit less credit per account role, over every entry of the close. */
  totals: Partial<Record<CloseAccount, string>>;
  /** The entries, the first LINES_SHOWN of them (the audit trail holds every posting). */
  lines: PeriodCloseLine[];
  /** Orders completed in the period that get no entry, and why (the first LINES_SHOWN). */
  problems: { workflowId: string; plant: string; productionOrder: string; problem: string }[];
  problemCount: number;
  /** Where reading goes on (continue-as-new). */
  after?: string;
}

/** Entries and problems a close shows: it carries no more, however many orders the month had. */
export const LINES_SHOWN = 200;

export const periodCloseStatusQuery = defineQuery<PeriodCloseStatus>('status');

export function periodCloseWorkflowId(erpConnection: string, period: Period, dryRun: boolean): string {
  return `period-close/${erpConnection}/${period}${dryRun ? '/dry-run' : ''}`;
}

export async function periodClose(input: PeriodCloseInput): Promise<PeriodCloseStatus> {
  const { periodCloseOrders } = proxyActivities<PeriodCloseActivities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } });
  const { postToErp } = proxyActivities<ErpPostingActivities>({
    startToCloseTimeout: '1 minute',
    taskQueue: input.postingTaskQueue,
    retry: { initialInterval: input.postingRetryInitialInterval ?? '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
  });
  const period = input.period ?? previousPeriod(workflowInfo().startTime);
  const status: PeriodCloseStatus = input.carried ?? { period, dryRun: input.dryRun, stage: 'Reading', orders: 0, booked: 0, held: 0, failed: 0, totals: {}, lines: [], problems: [], problemCount: 0 };
  setHandler(periodCloseStatusQuery, () => status);
  const show = () =>
    setCurrentDetails(
      `**Close ${period}** of ${input.erpConnection}${input.dryRun ? ' (dry run)' : ''}: ${status.orders} orders` +
        (input.dryRun ? '' : `, ${status.booked} booked, ${status.held} already in the ERP, ${status.failed} refused`) +
        (status.problemCount ? `; ${status.problemCount} without an entry` : ''),
    );
  show();

  for (;;) {
    const page = await periodCloseOrders({ erpConnection: input.erpConnection, period, ...(status.after ? { after: status.after } : {}), limit: input.pageSize ?? 50 });
    status.problemCount += page.problems.length;
    status.problems.push(...page.problems.slice(0, Math.max(0, LINES_SHOWN - status.problems.length)));
    if (!input.dryRun) status.stage = 'Booking';
    for (const { workflowId, entry } of page.entries) {
      const bookings = closeBookings(entry);
      const line: PeriodCloseLine = { workflowId, plant: entry.plant, productionOrder: entry.productionOrder, material: entry.erpMaterial, quantity: entry.quantity, unit: entry.unit, bookings, outcome: 'planned' };
      status.orders += 1;
      if (!input.dryRun) {
        try {
          const result = await postToErp({
            erpSystem: input.erpSystem,
            erpConnection: input.erpConnection,
            workflowId: workflowInfo().workflowId,
            sequence: status.orders,
            content: entry,
            idempotencyKey: periodCloseKey(input.erpConnection, period, workflowId),
            sourceEventIds: [],
            transformation: `close ${period} of order ${entry.productionOrder}: ${bookings.map((b) => `${b.account} ${b.debit}/${b.credit}`).join(', ')}`,
          });
          line.outcome = result.foundExisting ? 'held' : 'booked';
          line.erpDocumentId = result.erpDocumentId;
        } catch (error) {
          if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
          line.outcome = 'failed';
          line.error = { type: error.cause.type ?? 'Error', message: error.cause.message };
        }
        status[line.outcome === 'booked' ? 'booked' : line.outcome === 'held' ? 'held' : 'failed'] += 1;
      }
      if (line.outcome !== 'failed') for (const b of bookings) status.totals[b.account] = subtract(add(status.totals[b.account] ?? '0', b.debit), b.credit);
      if (status.lines.length < LINES_SHOWN) status.lines.push(line);
      show();
    }
    if (!page.next) break;
    status.after = page.next;
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof periodClose>({ ...input, period, carried: status });
  }
  status.stage = 'Done';
  delete status.after;
  show();
  return status;
}
