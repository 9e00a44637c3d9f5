/**
 * The starter API: what the MES calls. It validates every event, then hands it to
 * the order's workflow with signal-with-start, and answers 202 only once Temporal
 * has accepted it. Bad input gets application/problem+json naming each bad field.
 */
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import Fastify, { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { type ErpSystem, erpSystemNames } from '../domain/erpSystem';
import { FloorEvent, Reference } from '../domain/events';
import { BomComponent, BomComponentFields, MaterialMaster } from '../domain/masterData';
import { ErpError } from '../erp/adapter';
import type { ErpConnections } from '../erp/connections';
import type { MasterDataStore } from '../masterData/store';
import {
  type ProductionOrderInput,
  type ProductionOrderTiming,
  acknowledgeRejectedEventUpdate,
  correctMappingUpdate,
  floorEventSignal,
  productionOrder,
  productionOrderWorkflowId,
  reloadMasterDataUpdate,
  retryPostingUpdate,
  skipPostingUpdate,
  statusQuery,
} from '../workflows/productionOrder/workflow';
import { ErpSystemKey, OrderStatusKey, PlantKey, ProductionOrderKey } from '../workflows/searchAttributes';

export interface StarterDependencies {
  client: Client;
  taskQueue: string;
  /** The master data cache the orders' transformations read. */
  masterData: MasterDataStore;
  /** The ERP connections: their state, and re-authorizing Exact. */
  connections: Pick<ErpConnections, 'describe' | 'exactOAuth'>;
  orders: {
    defaultErpSystem: ErpSystem;
    erpSystemByPlant: Record<string, ErpSystem>;
    postingTaskQueues: Partial<Record<ErpSystem, string>>;
    timing: ProductionOrderTiming;
  };
}

export interface FieldProblem {
  field: string;
  message: string;
}

const EventOrBatch = z.union([FloorEvent, z.array(FloorEvent).min(1, 'must hold at least one event').max(500, 'must hold at most 500 events')]);
const MaterialsBody = z.union([MaterialMaster, z.array(MaterialMaster).min(1, 'must hold at least one material').max(1000, 'must hold at most 1000 materials')]);
const BomBody = z.strictObject({
  components: z.array(BomComponentFields.omit({ plant: true, parentMaterial: true })).max(500, 'must hold at most 500 components'),
});
const MappingBody = z
  .strictObject({
    erpOrderReference: z.string().trim().min(1).optional(),
    materials: z.record(z.string().min(1), z.string().trim().min(1, 'must be a non-empty ERP item code')).optional(),
    employees: z.record(z.string().min(1), z.string().trim().min(1, 'must be a non-empty ERP employee id')).optional(),
  })
  .refine((c) => c.erpOrderReference !== undefined || c.materials !== undefined || c.employees !== undefined, 'give erpOrderReference, materials or employees');
const Note = (what: string) => z.object({ note: z.string().trim().min(1, `must say ${what}`) });

export function createStarterApi(deps: StarterDependencies) {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof z.ZodError) return problem(reply, 400, 'Invalid request', 'Nothing was changed.', zodProblems(error));
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    return problem(reply, status, status === 500 ? 'Internal error' : 'Bad request', error.message);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/v1/schema', async () => z.toJSONSchema(FloorEvent, { io: 'input' }));

  app.post('/v1/events', async (request, reply) => {
    const parsed = EventOrBatch.safeParse(request.body);
    if (!parsed.success) {
      return problem(reply, 400, 'Invalid event', 'The event was not accepted; nothing was started.', unionProblems(request.body, FloorEvent, parsed.error));
    }
    const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const accepted = [];
    for (const event of events) {
      const workflowId = await deliver(deps, event);
      if (workflowId === undefined) {
        const id = productionOrderWorkflowId(event.plant, event.productionOrder);
        return problem(reply, 409, 'Order ended', `production order ${id} was terminated or failed and takes no events; event ${event.eventId} was not applied.`, [], { accepted });
      }
      accepted.push({ eventId: event.eventId, workflowId });
    }
    return reply.status(202).send({ accepted });
  });

  /** Runs `act` on the order's workflow, turning "no such order" and refused operator actions into problems. */
  async function onOrder(params: unknown, reply: FastifyReply, act: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<unknown>) {
    const { plant, order } = params as { plant: string; order: string };
    const workflowId = productionOrderWorkflowId(plant, order);
    try {
      return await act(deps.client.workflow.getHandle(workflowId));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return problem(reply, 404, 'Unknown order', `no open workflow ${workflowId}`);
      if (error instanceof WorkflowUpdateFailedError) {
        return problem(reply, 422, 'Action refused', error.cause?.message ?? error.message);
      }
      throw error;
    }
  }

  const Sequence = z.coerce.number().int().positive();
  const sequenceOf = (params: unknown) => Sequence.parse((params as { sequence: string }).sequence);

  app.get('/v1/orders/:plant/:order', (request, reply) => onOrder(request.params, reply, (h) => h.query(statusQuery)));

  app.post('/v1/orders/:plant/:order/postings/:sequence/retry', (request, reply) =>
    onOrder(request.params, reply, (h) => h.executeUpdate(retryPostingUpdate, { args: [{ sequence: sequenceOf(request.params) }] })),
  );

  app.post('/v1/orders/:plant/:order/postings/:sequence/skip', async (request, reply) => {
    const body = z.object({ reason: z.string().trim().min(1, 'must say why the posting is skipped') }).safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was skipped.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) =>
      h.executeUpdate(skipPostingUpdate, { args: [{ sequence: sequenceOf(request.params), reason: body.data.reason }] }),
    );
  });

  app.post('/v1/orders/:plant/:order/mappings', async (request, reply) => {
    const body = MappingBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'No mapping was changed.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) => h.executeUpdate(correctMappingUpdate, { args: [body.data] }));
  });

  app.post('/v1/orders/:plant/:order/rejected-events/:eventId/acknowledge', async (request, reply) => {
    const body = Note('how the rejection was dealt with').safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was acknowledged.', zodProblems(body.error));
    const { eventId } = request.params as { eventId: string };
    return onOrder(request.params, reply, (h) => h.executeUpdate(acknowledgeRejectedEventUpdate, { args: [{ eventId, note: body.data.note }] }));
  });

  app.post('/v1/orders/:plant/:order/master-data/reload', (request, reply) =>
    onOrder(request.params, reply, (h) => h.executeUpdate(reloadMasterDataUpdate, { args: [] })),
  );

  app.get('/v1/erp/connections', async () => ({ connections: await deps.connections.describe() }));

  /**
   * After a user consented in Exact (first time, or when the token chain died): the code from
   * Exact's redirect, which the bridge exchanges for tokens, or tokens obtained elsewhere.
   */
  app.put('/v1/erp/exact/authorization', async (request, reply) => {
    const body = z
      .union([
        z.strictObject({ code: z.string().min(1, 'must be the code from Exact\'s redirect'), redirectUri: z.url('must be the redirect URI registered with Exact') }),
        z.strictObject({ refreshToken: z.string().min(1, 'must be the refresh token Exact issued'), accessToken: z.string().min(1).optional(), expiresIn: z.number().int().positive().optional() }),
      ])
      .safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was authorized. Give { code, redirectUri } or { refreshToken, accessToken?, expiresIn? }.', zodProblems(body.error));
    const oauth = deps.connections.exactOAuth;
    if (!oauth) return problem(reply, 409, 'No OAuth', 'Exact Online is configured with a fixed token (set EXACT_CLIENT_ID and EXACT_CLIENT_SECRET for OAuth2).');
    try {
      if ('code' in body.data) await oauth.exchangeCode(body.data.code, body.data.redirectUri);
      else await oauth.authorize({ refreshToken: body.data.refreshToken, ...(body.data.accessToken ? { accessToken: body.data.accessToken, expiresInSeconds: body.data.expiresIn ?? 600 } : {}) });
    } catch (error) {
      if (error instanceof ErpError) return problem(reply, 422, 'Not authorized', error.message);
      throw error;
    }
    return reply.status(204).send();
  });

  app.put('/v1/master-data/materials', async (request, reply) => {
    const body = MaterialsBody.safeParse(request.body);
    if (!body.success) return problem(reply, 400, 'Invalid master data', 'No material was changed.', unionProblems(request.body, MaterialMaster, body.error));
    const materials = Array.isArray(body.data) ? body.data : [body.data];
    await deps.masterData.upsertMaterials(materials);
    return { upserted: materials.length };
  });

  app.get('/v1/master-data/materials/:plant/:material', async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const found = (await deps.masterData.lookup(plant, [material])).materials[material];
    return found ?? problem(reply, 404, 'Unknown material', `no master data for material ${material} in plant ${plant}`);
  });

  app.put('/v1/master-data/boms/:plant/:material', async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const plantOk = Reference.safeParse(plant);
    if (!plantOk.success) return problem(reply, 400, 'Invalid request', 'No bill of materials was changed.', [{ field: 'plant', message: plantOk.error.issues[0]!.message }]);
    const body = BomBody.safeParse(request.body);
    if (!body.success) return problem(reply, 400, 'Invalid bill of materials', 'No bill of materials was changed.', zodProblems(body.error));
    const components = body.data.components.map((c) => BomComponent.safeParse({ ...c, plant, parentMaterial: material }));
    const invalid = components.flatMap((c, i) => (c.success ? [] : c.error.issues.map((issue) => toFieldProblem({ ...issue, path: ['components', i, ...issue.path] }))));
    if (invalid.length > 0) return problem(reply, 400, 'Invalid bill of materials', 'No bill of materials was changed.', invalid);
    await deps.masterData.replaceBom(plant, material, components.map((c) => c.data!));
    return { parentMaterial: material, components: components.length };
  });

  return app;
}

/**
 * Signals the event to its order's workflow, starting the workflow if this is its first
 * event, and reopening it from the state it closed with if it has closed. Returns
 * undefined when the order ended otherwise (terminated, failed) and cannot take events.
 */
async function deliver(deps: StarterDependencies, event: FloorEvent): Promise<string | undefined> {
  const workflowId = productionOrderWorkflowId(event.plant, event.productionOrder);
  const erpSystem = deps.orders.erpSystemByPlant[event.plant] ?? deps.orders.defaultErpSystem;
  const postingTaskQueue = deps.orders.postingTaskQueues[erpSystem];
  const input: ProductionOrderInput = { plant: event.plant, productionOrder: event.productionOrder, erpSystem, timing: deps.orders.timing, ...(postingTaskQueue ? { postingTaskQueue } : {}) };
  try {
    await signalWithStart(deps, event, input, WorkflowIdReusePolicy.REJECT_DUPLICATE);
    return workflowId;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  // The order closed. If it closed normally, a late event reopens it with all it knew
  // (event ids for de-duplication, ERP documents for reversals); concurrent reopeners
  // are safe: once one has started the new run, signal-with-start only signals it.
  const handle = deps.client.workflow.getHandle<typeof productionOrder>(workflowId);
  const { status } = await handle.describe();
  if (status.name !== 'COMPLETED') return undefined;
  const closing = await handle.result();
  const reopenedQueue = deps.orders.postingTaskQueues[closing.state.erpSystem];
  await signalWithStart(deps, event, { ...input, erpSystem: closing.state.erpSystem, ...(reopenedQueue ? { postingTaskQueue: reopenedQueue } : {}), state: closing.state }, WorkflowIdReusePolicy.ALLOW_DUPLICATE);
  return workflowId;
}

async function signalWithStart(deps: StarterDependencies, event: FloorEvent, input: ProductionOrderInput, reuse: WorkflowIdReusePolicy) {
  const { plant, productionOrder: order, erpSystem } = input;
  await deps.client.workflow.signalWithStart(productionOrder, {
    workflowId: productionOrderWorkflowId(plant, order),
    taskQueue: deps.taskQueue,
    args: [input],
    signal: floorEventSignal,
    signalArgs: [event],
    workflowIdReusePolicy: reuse,
    typedSearchAttributes: [
      { key: ProductionOrderKey, value: order },
      { key: PlantKey, value: plant },
      { key: ErpSystemKey, value: erpSystem },
      { key: OrderStatusKey, value: 'AwaitingRelease' },
    ],
    staticSummary: `Production order ${order} · plant ${plant} · ${erpSystemNames[erpSystem]}`,
    staticDetails: `Floor events for production order **${order}** in plant **${plant}**, posted to ${erpSystemNames[erpSystem]}. Query \`status\` for quantities and postings.`,
  });
}

/** A one-or-many union error hides the per-field issues; report them against the shape the caller sent. */
function unionProblems(body: unknown, item: z.ZodType, error: z.ZodError): FieldProblem[] {
  const issues = Array.isArray(body)
    ? body.flatMap((element, index) => {
        const result = item.safeParse(element);
        return result.success ? [] : result.error.issues.map((i) => ({ ...i, path: [index, ...i.path] }));
      })
    : (item.safeParse(body).error?.issues ?? error.issues);
  return (issues.length > 0 ? issues : error.issues).map(toFieldProblem);
}

function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map(toFieldProblem);
}

function toFieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  return { field: issue.path.join('.') || '(body)', message: issue.message };
}

function problem(reply: FastifyReply, status: number, title: string, detail: string, errors: FieldProblem[] = [], extra: object = {}) {
  return reply
    .status(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail, ...(errors.length ? { errors } : {}), ...extra });
}
