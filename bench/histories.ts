/** Where a workflow's time goes, read from its history: task latencies and history events per floor event. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { percentile } from './processes';

const EventType = temporal.api.enums.v1.EventType;

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0);

export interface HistoryFigures {
  orders: number;
  historyEvents: number;
  signals: number;
  workflowTasks: number;
  activities: number;
  wftScheduleToStartP95: number;
  wftStartToCompleteP95: number;
  activityScheduleToStartP95: number;
  largestPayloadBytes: number;
}

/** Reads the histories of the given workflows (their current runs). */
export async function historyFigures(client: Client, workflowIds: readonly string[]): Promise<HistoryFigures> {
  const wftWait: number[] = [];
  const wftRun: number[] = [];
  const activityWait: number[] = [];
  let historyEvents = 0;
  let signals = 0;
  let workflowTasks = 0;
  let activities = 0;
  let largestPayloadBytes = 0;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<number, number>();
    for (const event of history.events ?? []) {
      historyEvents += 1;
      const at = ms(event.eventTime as never);
      const eventId = Number(event.eventId);
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
          signals += 1;
          for (const p of event.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []) largestPayloadBytes = Math.max(largestPayloadBytes, p.data?.length ?? 0);
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
          scheduled.set(eventId, at);
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
          const from = scheduled.get(Number(event.workflowTaskStartedEventAttributes?.scheduledEventId));
          if (from !== undefined) wftWait.push(at - from);
          scheduled.set(eventId, at);
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          workflowTasks += 1;
          const from = scheduled.get(Number(event.workflowTaskCompletedEventAttributes?.startedEventId));
          if (from !== undefined) wftRun.push(at - from);
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          activities += 1;
          scheduled.set(eventId, at);
          for (const p of event.activityTaskScheduledEventAttributes?.input?.payloads ?? []) largestPayloadBytes = Math.max(largestPayloadBytes, p.data?.length ?? 0);
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const from = scheduled.get(Number(event.activityTaskStartedEventAttributes?.scheduledEventId));
          if (from !== undefined) activityWait.push(at - from);
          break;
        }
        default:
      }
    }
  }
  const sort = (values: number[]) => [...values].sort((a, b) => a - b);
  return {
    orders: workflowIds.length,
    historyEvents,
    signals,
    workflowTasks,
    activities,
    wftScheduleToStartP95: percentile(sort(wftWait), 95),
    wftStartToCompleteP95: percentile(sort(wftRun), 95),
    activityScheduleToStartP95: percentile(sort(activityWait), 95),
    largestPayloadBytes,
  };
}
