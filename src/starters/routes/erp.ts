/** The ERP connections (state, check, authorizing again) and the planning read from them. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { Reference } from '../../domain/events';
import { ErpSystem } from '../../domain/erpSystem';
import { fieldProblems } from '../../domain/fieldProblems';
import { ErpError } from '../../erp/adapter';
import { FloorEvent } from '../../domain/events';
import { InboundRefused } from '../../erp/module';
import { Period } from '../../domain/periodClose';
import { CannotClose } from '../periodClose';
import { erpPlanningWorkflowId, syncNowSignal } from '../../workflows/erpPlanning/workflow';
import { eventRefusal } from '../auth';
import { type StarterDependencies, deliverEach, operator, operatorReader, problem, reader, source, zodProblems } from './shared';

const PlanningQuery = z.strictObject({
  plant: Reference,
  status: z.enum(['planned', 'released', 'inProcess', 'finished', 'completed']).optional(),
});
const CloseBody = z.strictObject({ period: Period, book: z.boolean().default(false) });
const SyncBody = z.strictObject({ fullRead: z.boolean().optional() }).optional();

export function erpRoutes(app: FastifyInstance, deps: StarterDependencies): void {
  /** Each connection: its ERP, plants, authorization state, and a check of whether it works (asked at most once a minute). */
  app.get('/v1/erp/connections', operatorReader, async () => ({ connections: await deps.connections.describe({ check: true }) }));

  app.get('/v1/erp/connections/:id', operatorReader, async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = (await deps.connections.describe({ check: true })).find((c) => c.id === id);
    return found ?? problem(reply, 404, 'Unknown connection', `no ERP connection ${id} (configured: ${deps.connections.list.map((c) => c.id).join(', ')})`);
  });

  /**
   * After a person authorized the app in the ERP (the first time, or when its authorization
   * died): what the ERP handed out, in the body its connection asks for.
   */
  app.put('/v1/erp/connections/:id/authorization', operator('connections'), async (request, reply) => {
    const { id } = request.params as { id: string };
    const connection = deps.connections.byId(id);
    if (!connection) return problem(reply, 404, 'Unknown connection', `no ERP connection ${id}`);
    if (!connection.authorization) return problem(reply, 409, 'Nothing to authorize', `connection ${id} (${connection.description}) signs in with fixed credentials; change them in its configuration.`);
    const body = connection.authorization.body.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', `Nothing was authorized: give what ${connection.title} handed out.`, zodProblems(body.error));
    try {
      await connection.authorization.authorize(body.data);
    } catch (error) {
      if (error instanceof ErpError) return problem(reply, 422, 'Not authorized', error.message);
      throw error;
    }
    return reply.status(204).send();
  });

  /** A close of a connection that cannot close: 404 where there is no such connection, 409 where its ERP takes no close entries. */
  const closing = async (reply: FastifyReply, id: string, work: () => Promise<unknown>) => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CannotClose) return problem(reply, deps.connections.byId(id) ? 409 : 404, 'Cannot close', error.message);
      throw error;
    }
  };

  /**
   * The period-end close of a connection's month: `{"period": "2026-11"}` answers with the
   * entries it would book (a dry run); with `"book": true` it starts booking them (202) and
   * GET …/period-close/<period> follows it. An order's entry is booked once, however often.
   */
  app.post('/v1/erp/connections/:id/period-close', operator('connections'), async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = CloseBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was closed: name the month.', zodProblems(body.error));
    const { period, book } = body.data;
    return closing(reply, id, async () => {
      if (!book) return deps.periodCloses.dryRun(id, period);
      const workflowId = await deps.periodCloses.book(id, period);
      return reply.status(202).send({ workflowId, status: `/v1/erp/connections/${id}/period-close/${period}` });
    });
  });

  app.get('/v1/erp/connections/:id/period-close/:period', operatorReader, async (request, reply) => {
    const { id, period } = request.params as { id: string; period: string };
    const month = Period.safeParse(period);
    if (!month.success) return problem(reply, 400, 'Invalid request', 'Name the month.', fieldProblems(month.error, 'period'));
    return closing(reply, id, async () => (await deps.periodCloses.status(id, month.data)) ?? problem(reply, 404, 'Not closed', `the close of ${month.data} was never started on connection ${id}`));
  });

  /**
   * What an ERP pushes on a channel of its connection (production orders released to the
   * floor, in its own message format): read by the connection's module into planning and floor
   * events, each delivered like a posted event. A message refused is recorded, naming the
   * field; one sent again changes nothing (its events carry the ERP's own ids).
   */
  app.post('/v1/:erp/:connection/:channel', source, async (request, reply) => {
    const { erp, connection: id, channel } = request.params as { erp: string; connection: string; channel: string };
    const connection = deps.connections.byId(id);
    const inbound = connection?.erp === erp ? connection.inbound?.[channel] : undefined;
    if (!connection || !inbound) return problem(reply, 404, 'Unknown channel', `no ERP connection ${id} of ${erp} takes messages on "${channel}"`);
    const caller = request.caller!;
    const sender = caller.kind === 'source' ? caller.id : id;
    const refuse = async (status: number, title: string, detail: string, errors: { field: string; message: string }[]) => {
      await deps.rejectedInputs.record({ channel: 'http', source: sender, reference: `${request.method} ${request.url}`, reason: `${title}: ${detail} ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`.trim(), payload: request.rawBody ?? '' });
      return problem(reply, status, title, detail, errors);
    };
    const body = typeof request.body === 'string' ? request.body : (request.rawBody ?? '');
    let message;
    try {
      message = inbound.read(body, { source: sender });
    } catch (error) {
      if (error instanceof InboundRefused) return refuse(400, 'Invalid message', `${connection.title} sent ${inbound.description} the bridge cannot read; nothing was started.`, [{ field: error.field, message: error.reason }]);
      throw error;
    }
    const events = [];
    for (const [i, event] of message.events.entries()) {
      const parsed = FloorEvent.safeParse(event);
      if (!parsed.success) return refuse(400, 'Invalid message', `order ${event.productionOrder} of message ${message.reference} is not a valid floor event; nothing was started.`, zodProblems(parsed.error).map((p) => ({ ...p, field: `events[${i}].${p.field}` })));
      const refused = eventRefusal(caller, parsed.data);
      if (refused) return refuse(403, 'Forbidden', `${connection.title} sent an event of message ${message.reference} the caller may not send; nothing was started.`, [{ field: `events[${i}].${refused.field}`, message: refused.message }]);
      events.push(parsed.data);
    }
    for (const { plant, changes } of message.planning) await deps.planning.apply(connection.erp, plant, changes);
    const delivered = await deliverEach(deps, reply, events, {
      record: (reason) => deps.rejectedInputs.record({ channel: 'http', source: sender, reference: `${request.method} ${request.url}`, reason, payload: request.rawBody ?? '' }),
      plantField: (index) => `events[${index}].plant`,
    });
    if (!('accepted' in delivered)) return delivered;
    const { accepted } = delivered;
    return reply.status(202).send({ reference: message.reference, accepted });
  });

  /** Planning from the ERP: the orders of a plant with their components and routing, as last read. */
  app.get('/v1/planning/orders', reader, async (request, reply) => {
    const query = PlanningQuery.safeParse(request.query);
    if (!query.success) return problem(reply, 400, 'Invalid query', 'Name the plant; filter by status if you like.', zodProblems(query.error));
    return { orders: await deps.planning.orders(query.data.plant, query.data.status ? { status: query.data.status } : {}) };
  });

  app.get('/v1/planning/orders/:plant/:order', reader, async (request, reply) => {
    const { plant, order } = request.params as { plant: string; order: string };
    return (await deps.planning.order(plant, order)) ?? problem(reply, 404, 'Unknown order', `the ERP's planning read so far has no order ${order} for plant ${plant}`);
  });

  /**
   * Reads the ERP's planning now instead of at the next turn (e.g. a planner just released
   * orders); `{"fullRead": true}` reads everything again, removing what the ERP deleted.
   */
  app.post('/v1/planning/:erpSystem/:plant/sync', operator('connections'), async (request, reply) => {
    const { erpSystem, plant } = request.params as { erpSystem: string; plant: string };
    const system = ErpSystem.safeParse(erpSystem);
    if (!system.success) return problem(reply, 400, 'Invalid request', 'Nothing was read.', fieldProblems(system.error, 'erpSystem'));
    const body = SyncBody.safeParse(request.body);
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was read.', zodProblems(body.error));
    try {
      await deps.client.workflow.getHandle(erpPlanningWorkflowId(system.data, plant)).signal(syncNowSignal, body.data ?? {});
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return problem(reply, 404, 'No planning sync', `no planning is read from ${erpSystem} for plant ${plant}`);
      throw error;
    }
    return reply.status(202).send({ workflowId: erpPlanningWorkflowId(system.data, plant) });
  });
}
