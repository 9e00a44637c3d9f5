/**
 * What every route module of the starter API shares: its dependencies, who may call a
 * route, and how a refusal is answered (application/problem+json naming each bad field).
 */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { BridgeMetrics } from '../../metrics/metrics';
import type { RejectedInputs } from '../../audit/rejectedInputs';
import { DeliveryRefused, type OrderDelivery } from '../../delivery/orderDelivery';
import type { FloorEvent, TimeWindow } from '../../domain/events';
import { type FieldProblem, fieldProblems } from '../../domain/fieldProblems';
import type { ErpConnections } from '../../erp/connections';
import type { MasterDataStore } from '../../masterData/store';
import type { PlanningStore } from '../../planning/store';
import { productionOrderWorkflowId } from '../../workflows/productionOrder/workflow';
import type { OperatorAction } from '../../sources/config';
import type { Authenticator, Caller } from '../auth';
import type { Reconciliations } from '../reconciliation';
import type { PeriodCloses } from '../periodClose';

export interface StarterDependencies {
  client: Client;
  delivery: OrderDelivery;
  auth: Authenticator;
  rejectedInputs: RejectedInputs;
  /** The master data cache the orders' transformations read. */
  masterData: MasterDataStore;
  /** The ERP's planning as last read, for the MES. */
  planning: PlanningStore;
  /** The ERP connections: their state and checks, and authorizing one again. */
  connections: Pick<ErpConnections, 'describe' | 'byId' | 'list'>;
  /** The payload codec (payloads encrypted): the codec endpoint decodes with it for the Web UI's origin. */
  codec?: { codec: PayloadCodec; corsOrigin: string } | undefined;
  /** The period-end close of the connections whose ERP takes close entries. */
  periodCloses: PeriodCloses;
  /** Reconciliation runs and their reports, and posting a difference found. */
  reconciliations: Reconciliations;
  /** Requests per minute and caller (default 1200). */
  ratePerMinute?: number;
  /** Answers when the database answers (for /readyz). */
  databaseReady: () => Promise<unknown>;
  /** Events dated outside it are refused (default: 400 days back, 10 minutes ahead). */
  floorTimeWindow?: TimeWindow;
  /** What GET /metrics serves; events taken are counted in it. */
  metrics?: BridgeMetrics;
}


/** Who may call a route: anyone, sources (and operators who post events), operators with the route's action, or any caller who reads. */
export type Access = 'public' | 'source' | 'operator' | 'reader';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    rawBody?: string;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** What an operator must be allowed to do (operator routes). */
    action?: OperatorAction;
    /** A read for operators only (the ERP connections' state, everyone's refused input). */
    operatorsOnly?: boolean;
  }
}

/** Sources and operators read, each within its plants (a route's :plant, or ?plant=). */
export const reader = { config: { access: 'reader' as const } };
export const operatorReader = { config: { access: 'reader' as const, operatorsOnly: true } };
export const operator = (action: OperatorAction) => ({ config: { access: 'operator' as const, action } });
export const source = { config: { access: 'source' as const } };

/** A one-or-many union error hides the per-field issues; report them against the shape the caller sent. */
export function unionProblems(body: unknown, item: z.ZodType, error: z.ZodError): FieldProblem[] {
  const problems = Array.isArray(body)
    ? body.flatMap((element, index) => {
        const result = item.safeParse(element);
        return result.success ? [] : fieldProblems(result.error, '(body)', [index]);
      })
    : fieldProblems(item.safeParse(body).error ?? error, '(body)');
  return problems.length > 0 ? problems : zodProblems(error);
}

export function zodProblems(error: z.ZodError): FieldProblem[] {
  return fieldProblems(error, '(body)');
}

export function problem(reply: FastifyReply, status: number, title: string, detail: string, errors: FieldProblem[] = [], extra: object = {}) {
  return reply
    .status(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail, ...(errors.length ? { errors } : {}), ...extra });
}

/**
 * Hands the events to their orders' workflows: each order's events, in their order, as one
 * signal (one workflow task, not one per event), orders in the order they first appear. The
 * first order that cannot take its events stops the orders after it: a plant no ERP connection
 * serves (422, recorded by `record`), an order that ended (409); the answer names what was
 * accepted (whole orders). Else: what was accepted.
 */
export async function deliverEach(
  deps: Pick<StarterDependencies, 'delivery'>,
  reply: FastifyReply,
  events: readonly FloorEvent[],
  options: { record: (reason: string) => Promise<unknown>; plantField: (index: number) => string },
): Promise<{ accepted: { eventId: string; workflowId: string }[] } | FastifyReply> {
  const accepted: { eventId: string; workflowId: string }[] = [];
  const byOrder = new Map<string, FloorEvent[]>();
  for (const event of events) {
    const key = productionOrderWorkflowId(event.plant, event.productionOrder);
    const list = byOrder.get(key);
    if (list) list.push(event);
    else byOrder.set(key, [event]);
  }
  for (const orderEvents of byOrder.values()) {
    let workflowId: string | undefined;
    try {
      workflowId = await deps.delivery.deliverToOrder(orderEvents);
    } catch (error) {
      if (!(error instanceof DeliveryRefused)) throw error;
      const [event] = orderEvents;
      await options.record(`event ${event!.eventId}: ${error.message}`);
      return problem(reply, 422, 'No ERP connection', `${error.message}; event ${event!.eventId} was not applied.`, [{ field: options.plantField(events.indexOf(event!)), message: error.message }], { accepted });
    }
    if (workflowId === undefined) {
      const [event] = orderEvents;
      return problem(reply, 409, 'Order ended', `production order ${productionOrderWorkflowId(event!.plant, event!.productionOrder)} was terminated or failed and takes no events; event ${event!.eventId} was not applied.`, [], { accepted });
    }
    for (const event of orderEvents) accepted.push({ eventId: event.eventId, workflowId });
  }
  return { accepted };
}
