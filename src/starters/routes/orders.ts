/** Production orders: the running orders, one order's story, and what operators do to it (retry, skip, correct a mapping, acknowledge a rejection, reload master data); refused input. */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { MaterialCode, Reference, text } from '../../domain/events';
import {
  acknowledgeRejectedEventUpdate,
  correctMappingUpdate,
  productionOrderWorkflowId,
  reloadMasterDataUpdate,
  retryPostingUpdate,
  skipPostingUpdate,
  statusQuery,
} from '../../workflows/productionOrder/workflow';
import { type StarterDependencies, operator, problem, reader, zodProblems } from './shared';

const MappingBody = z
  .strictObject({
    erpOrderReference: text(40).optional(),
    materials: z.record(MaterialCode, MaterialCode).optional(),
    employees: z.record(text(40), text(40)).optional(),
  })
  .refine((c) => c.erpOrderReference !== undefined || c.materials !== undefined || c.employees !== undefined, 'give erpOrderReference, materials or employees');
const Note = (what: string) => z.object({ note: z.string().trim().min(1, `must say ${what}`) });
const OrdersQuery = z.strictObject({
  plant: Reference.optional(),
  erpSyncStatus: z.enum(['InSync', 'Pending', 'NeedsAttention']).optional(),
  orderStatus: z.enum(['AwaitingRelease', 'Released', 'InProduction', 'Completed']).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
});


export function orderRoutes(app: FastifyInstance, deps: StarterDependencies): void {
  app.get('/v1/orders', reader, async (request, reply) => {
    const query = OrdersQuery.safeParse(request.query);
    if (!query.success) return problem(reply, 400, 'Invalid query', 'Filter by plant, erpSyncStatus or orderStatus.', zodProblems(query.error));
    const { plant, erpSyncStatus, orderStatus, limit } = query.data;
    const clauses = ["WorkflowType = 'productionOrder'", 'ExecutionStatus = "Running"'];
    if (plant) clauses.push(`Plant = '${plant}'`);
    // Without a plant: the caller's plants only.
    const caller = request.caller!;
    if (!plant && caller.kind !== 'open' && !caller.plants.includes('*')) clauses.push(`Plant IN (${caller.plants.map((p) => `'${p}'`).join(', ')})`);
    if (erpSyncStatus) clauses.push(`ErpSyncStatus = '${erpSyncStatus}'`);
    if (orderStatus) clauses.push(`OrderStatus = '${orderStatus}'`);
    const orders = [];
    for await (const w of deps.client.workflow.list({ query: clauses.join(' AND ') })) {
      const attribute = (name: string) => w.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value;
      orders.push({ workflowId: w.workflowId, plant: attribute('Plant'), productionOrder: attribute('ProductionOrder'), orderStatus: attribute('OrderStatus'), erpSyncStatus: attribute('ErpSyncStatus'), erpSystem: attribute('ErpSystem') });
      if (orders.length >= limit) break;
    }
    return { orders };
  });

  /** Runs `act` on the order's workflow, turning "no such order" and refused operator actions into problems. */
  async function onOrder(params: unknown, reply: FastifyReply, act: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<unknown>) {
    const { plant, order } = params as { plant: string; order: string };
    const workflowId = productionOrderWorkflowId(plant, order);
    try {
      return await act(deps.client.workflow.getHandle(workflowId));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return problem(reply, 404, 'Unknown order', `no open workflow ${workflowId}`);
      if (error instanceof WorkflowUpdateFailedError) return problem(reply, 422, 'Action refused', error.cause?.message ?? error.message);
      throw error;
    }
  }

  const Sequence = z.coerce.number().int().positive();
  const sequenceOf = (params: unknown) => Sequence.parse((params as { sequence: string }).sequence);

  app.get('/v1/orders/:plant/:order', reader, (request, reply) => onOrder(request.params, reply, (h) => h.query(statusQuery)));

  app.post('/v1/orders/:plant/:order/postings/:sequence/retry', operator('orders'), (request, reply) =>
    onOrder(request.params, reply, (h) => h.executeUpdate(retryPostingUpdate, { args: [{ sequence: sequenceOf(request.params) }] })),
  );

  app.post('/v1/orders/:plant/:order/postings/:sequence/skip', operator('orders'), async (request, reply) => {
    const body = z.object({ reason: z.string().trim().min(1, 'must say why the posting is skipped') }).safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was skipped.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) => h.executeUpdate(skipPostingUpdate, { args: [{ sequence: sequenceOf(request.params), reason: body.data.reason }] }));
  });

  app.post('/v1/orders/:plant/:order/mappings', operator('orders'), async (request, reply) => {
    const body = MappingBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'No mapping was changed.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) => h.executeUpdate(correctMappingUpdate, { args: [body.data] }));
  });

  app.post('/v1/orders/:plant/:order/rejected-events/:eventId/acknowledge', operator('orders'), async (request, reply) => {
    const body = Note('how the rejection was dealt with').safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was acknowledged.', zodProblems(body.error));
    const { eventId } = request.params as { eventId: string };
    return onOrder(request.params, reply, (h) => h.executeUpdate(acknowledgeRejectedEventUpdate, { args: [{ eventId, note: body.data.note }] }));
  });

  app.post('/v1/orders/:plant/:order/master-data/reload', operator('orders'), (request, reply) => onOrder(request.params, reply, (h) => h.executeUpdate(reloadMasterDataUpdate, { args: [] })));

  /** What the bridge refused: an operator sees all of it, a source only its own. */
  app.get('/v1/rejected-inputs', reader, async (request, reply) => {
    const limit = z.coerce.number().int().positive().max(1000).default(100).safeParse((request.query as { limit?: string }).limit);
    if (!limit.success) return problem(reply, 400, 'Invalid query', 'limit: 1 to 1000.', zodProblems(limit.error));
    const caller = request.caller!;
    return { rejectedInputs: await deps.rejectedInputs.recent(limit.data, caller.kind === 'source' ? { source: caller.id } : {}) };
  });
}
