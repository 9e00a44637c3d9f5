/**
 * What the bridge tells people when something waits for them: a posting the ERP refused
 * and no retry will cure, an ERP connection that needs authorizing again. An alert names
 * what stopped, why (the ERP's own words), and what a person does about it. Pure: the
 * channels (Slack, mail) only format and send what is here.
 */
import { type Posting, type PostingError, describePosting } from './postings';
import type { PlanningProblem, RejectedEvent } from './productionOrder';

export interface Alert {
  /** The same for every resend of one occurrence: a channel or a reader can tell repeats. */
  key: string;
  /** One line: what waits for a person. */
  title: string;
  /** What happened and what to do, one point per line. */
  lines: string[];
  plant?: string;
  productionOrder?: string;
  /** The workflow to open in the Temporal Web UI. */
  workflowId?: string;
}

/** A posting the ERP refused for a reason no retry cures: the order's other postings go on, this one waits. */
/** `occurrence` tells this refusal from an earlier one of the same posting (the order passes its history length). */
export function postingNeedsAttentionAlert(
  order: { workflowId: string; plant: string; productionOrder: string; erpSystem: string; erpConnection?: string | undefined; erpTitle?: string | undefined },
  posting: Posting,
  error: PostingError,
  occurrence: number,
): Alert {
  const erp = order.erpTitle ?? `ERP connection ${order.erpConnection ?? order.erpSystem}`;
  return {
    key: `${order.workflowId}#${posting.sequence}/${occurrence}`,
    title: `Order ${order.plant}/${order.productionOrder}: ${erp} refused posting ${posting.sequence} (${error.type})`,
    lines: [
      `Posting ${posting.sequence}: ${describePosting(posting.content)}.`,
      `${erp} said: ${error.message}`,
      'The order\'s other postings go on; this one waits until a person acts.',
      `Fix the cause, then retry: npm run cli -- retry ${order.plant} ${order.productionOrder} ${posting.sequence}`,
      `Or, if the ERP shall not get it: npm run cli -- skip ${order.plant} ${order.productionOrder} ${posting.sequence} <reason>`,
    ],
    plant: order.plant,
    productionOrder: order.productionOrder,
    workflowId: order.workflowId,
  };
}

type OrderRef = { workflowId: string; plant: string; productionOrder: string };

/**
 * The state an order carries across continue-as-new has grown large: well before Temporal's
 * 2 MB payload limit (past which the order stops for good), someone should look at why.
 */
export function orderStateLargeAlert(order: OrderRef, bytes: number, limit: number): Alert {
  return {
    key: `${order.workflowId}/state-size/${Math.floor(bytes / 262_144)}`,
    title: `Order ${order.plant}/${order.productionOrder}: its state has grown to ${Math.round(bytes / 1024)} KB`,
    lines: [
      `The order carries ${Math.round(bytes / 1024)} KB from run to run; Temporal refuses a payload over ${Math.round(limit / 1024)} KB, and then the order stops.`,
      'Look at what it holds (query `status`: stateBytes, postings, rejected events, events waiting): postings that need attention and events waiting for a release stay until a person acts.',
    ],
    plant: order.plant,
    productionOrder: order.productionOrder,
    workflowId: order.workflowId,
  };
}

/**
 * A workflow task failed: workflow code met something it cannot take (a bug, a malformed
 * start or signal). Temporal retries the task for ever and the workflow goes nowhere until
 * a person looks; its other work waits.
 */
export function workflowTaskFailedAlert(workflow: { workflowId: string; workflowType: string }, message: string): Alert {
  return {
    key: `${workflow.workflowId}/task-failed/${message}`,
    title: `Workflow ${workflow.workflowId} is stuck: its workflow task fails`,
    lines: [
      `${workflow.workflowType} ${workflow.workflowId} failed with: ${message}`,
      'Temporal retries the task and the workflow makes no progress until this is fixed. Open it in the Web UI (Pending Workflow Task) for the stack trace; a worker with the fix picks it up again.',
    ],
    workflowId: workflow.workflowId,
  };
}

/** An event the order could not apply: the MES corrects and resends it, or an operator acknowledges it. */
export function rejectedEventAlert(order: OrderRef, rejection: RejectedEvent): Alert {
  return {
    key: `${order.workflowId}/rejected/${rejection.eventId}`,
    title: `Order ${order.plant}/${order.productionOrder}: event ${rejection.eventId} (${rejection.type}) was not applied`,
    lines: [
      rejection.reason,
      'The MES corrects and resends it; or, once dealt with, an operator acknowledges it:',
      `POST /v1/orders/${order.plant}/${order.productionOrder}/rejected-events/${encodeURIComponent(rejection.eventId)}/acknowledge {"note": "…"}`,
    ],
    plant: order.plant,
    productionOrder: order.productionOrder,
    workflowId: order.workflowId,
  };
}

/** A line of the order that cannot be planned (a unit master data cannot convert, …): nothing of it reaches the ERP. */
export function planningProblemAlert(order: OrderRef, problem: PlanningProblem): Alert {
  return {
    key: `${order.workflowId}/problem/${problem.lineKey}/${problem.message}`,
    title: `Order ${order.plant}/${order.productionOrder}: a line cannot be planned`,
    lines: [
      problem.message,
      'Nothing of this line reaches the ERP until master data is fixed (PUT /v1/master-data/…) and the order looks it up again:',
      `POST /v1/orders/${order.plant}/${order.productionOrder}/master-data/reload`,
    ],
    plant: order.plant,
    productionOrder: order.productionOrder,
    workflowId: order.workflowId,
  };
}

/** An ERP connection whose authorization is gone: every posting to it waits until a person authorizes again. */
/** `description` says what the connection is in the ERP's words (e.g. its company or division). */
export function connectionNeedsAuthorizationAlert(connection: { id: string; description: string; since: string }, reason: string): Alert {
  return {
    key: `erp-connection/${connection.id}/${connection.since}`,
    title: `${connection.description} needs authorizing again`,
    lines: [
      `The bridge can no longer sign in to ERP connection ${connection.id}: ${reason}`,
      'Postings to this connection wait (nothing is lost) until a person authorizes the app again.',
      `Authorize in the ERP, then hand the bridge the new refresh token: PUT /v1/erp/connections/${connection.id}/authorization`,
    ],
  };
}

/**
 * An ERP connection is away for a while (maintenance): postings wait and go by themselves
 * when it is back. One alert for the window: its key is the hour it is to end in.
 */
export function connectionUnavailableAlert(connection: { id: string; description: string }, reason: string, until: Date): Alert {
  const hour = new Date(Math.ceil(until.getTime() / 3_600_000) * 3_600_000).toISOString().slice(0, 13);
  return {
    key: `erp-connection/${connection.id}/unavailable/${hour}`,
    title: `${connection.description} is unavailable until about ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    lines: [`ERP connection ${connection.id}: ${reason}`, 'Postings to this connection wait, nothing is lost, and they go by themselves when it is back. Nobody needs to act.'],
  };
}

/** The ERP's planning has not been read for several turns in a row: the floor plans with what it read last. */
export function planningReadFailingAlert(
  sync: { workflowId: string; erpSystem: string; erpTitle?: string | undefined; plant: string },
  failure: { type: string; message: string; since: string; failures: number },
  lastReadAt: string | undefined,
): Alert {
  return {
    key: `${sync.workflowId}/${failure.since}`,
    title: `Planning from ${sync.erpTitle ?? sync.erpSystem} for plant ${sync.plant} cannot be read (${failure.type})`,
    lines: [
      `${failure.failures} reads in a row have failed since ${failure.since}: ${failure.message}`,
      `The MES sees the planning as last read${lastReadAt ? ` at ${lastReadAt}` : ': never'}.`,
      `The sync tries again every turn; once the cause is fixed, read at once: POST /v1/planning/${sync.erpSystem}/${sync.plant}/sync`,
    ],
    plant: sync.plant,
    workflowId: sync.workflowId,
  };
}

/**
 * The floor could not be told of the ERP's planning: a MES refused a message (it is not
 * sent again), or telling failed several turns in a row (it is tried again every turn).
 */
export function planningNoticeProblemAlert(
  sync: { workflowId: string; erpSystem: string; erpTitle?: string | undefined; plant: string },
  problem: { key: string; what: string; detail: string },
): Alert {
  return {
    key: `${sync.workflowId}/notice/${problem.key}`,
    title: `The floor of plant ${sync.plant} was not told of a change in ${sync.erpTitle ?? sync.erpSystem}'s planning: ${problem.what}`,
    lines: [
      problem.detail,
      'Every message sent, with the answer, is in the outbound_messages table. Until the floor is told, the MES and the order workflow know the order as they last heard of it.',
    ],
    plant: sync.plant,
    workflowId: sync.workflowId,
  };
}

/**
 * Input the bridge refused (a malformed event, a bad signature, an unreadable payload): the
 * sender needs fixing. One alert per channel and sender an hour; every refusal is listed at
 * GET /v1/rejected-inputs.
 */
export function rejectedInputAlert(input: { channel: string; source?: string | undefined; reference: string; reason: string }, hour: string): Alert {
  const sender = input.source ?? input.reference;
  return {
    key: `rejected-input/${input.channel}/${sender}/${hour}`,
    title: `The bridge refuses ${input.channel} input from ${sender}`,
    lines: [
      `${input.reference}: ${input.reason}`,
      'Nothing of it was applied. Further refusals from this sender within the hour are not alerted again.',
      'All refused input, with what arrived: GET /v1/rejected-inputs (npm run cli -- rejected)',
    ],
  };
}


/** A reconciliation run found the ERP differing from what the floor reported and the bridge posted (one alert per run). */
export function reconciliationAlert(
  run: { workflowId: string; erpConnection: string; erpTitle: string },
  found: { shadow: boolean; orders: number; differences: number; ordersWithDifferences: { workflowId: string; count: number; differences: { message: string }[] }[]; problems: { workflowId: string; problem: string }[]; notCompared?: string | undefined },
): Alert {
  const shown = found.ordersWithDifferences.slice(0, 10);
  return {
    key: run.workflowId,
    title: found.notCompared
      ? `Reconciliation of ${run.erpTitle} (${run.erpConnection}) compared nothing`
      : `Reconciliation of ${run.erpTitle} (${run.erpConnection}): ${found.differences} difference${found.differences === 1 ? '' : 's'} in ${found.ordersWithDifferences.length} order${found.ordersWithDifferences.length === 1 ? '' : 's'}${found.shadow ? ' (shadow mode)' : ''}`,
    lines: [
      ...(found.notCompared ? [found.notCompared] : []),
      `${found.orders} orders compared${found.problems.length ? `; ${found.problems.length} could not be (${found.problems.slice(0, 3).map((p) => `${p.workflowId}: ${p.problem}`).join('; ')})` : ''}.`,
      ...shown.map((o) => `${o.workflowId}: ${o.differences.map((d) => d.message).join('; ')}${o.count > o.differences.length ? ` (and ${o.count - o.differences.length} more)` : ''}`),
      ...(found.ordersWithDifferences.length > shown.length ? [`…and ${found.ordersWithDifferences.length - shown.length} more orders.`] : []),
      `The report, with each difference's fix: GET /v1/reconciliation?run=${encodeURIComponent(run.workflowId)} (npm run cli -- reconciliation ${run.erpConnection}).`,
    ],
    workflowId: run.workflowId,
  };
}
