/**
 * The starter API: what the MES, QMS and WMS call, and operators use. It validates every
 * event, hands it to the order's workflow, and answers 202 only once Temporal holds it.
 * Bad input gets application/problem+json naming each bad field, and is recorded. Who may
 * call what: sources send events (bearer token, or a signed webhook), operators act; both
 * may read. /healthz, /readyz and /v1/schema are open.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RejectedInputs } from '../audit/rejectedInputs';
import { FloorEvent, MaterialCode, Reference, type TimeWindow, implausibleTime, text } from '../domain/events';
import { BomComponent, BomComponentFields, MaterialMaster, WorkCentreCost } from '../domain/masterData';
import { ErpError } from '../erp/adapter';
import type { ErpConnections } from '../erp/connections';
import type { MasterDataStore } from '../masterData/store';
import type { PlanningStore } from '../planning/store';
import { ErpSystem } from '../domain/erpSystem';
import { erpPlanningWorkflowId, syncNowSignal } from '../workflows/erpPlanning/workflow';
import {
  acknowledgeRejectedEventUpdate,
  correctMappingUpdate,
  productionOrderWorkflowId,
  reloadMasterDataUpdate,
  retryPostingUpdate,
  skipPostingUpdate,
  statusQuery,
} from '../workflows/productionOrder/workflow';
import type { Authenticator, Caller } from './auth';
import type { OrderDelivery } from './delivery';

export interface StarterDependencies {
  client: Client;
  delivery: OrderDelivery;
  auth: Authenticator;
  rejectedInputs: RejectedInputs;
  /** The master data cache the orders' transformations read. */
  masterData: MasterDataStore;
  /** The ERP's planning as last read, for the MES. */
  planning: PlanningStore;
  /** The ERP connections: their state, and re-authorizing Exact. */
  connections: Pick<ErpConnections, 'describe' | 'exactOAuth'>;
  /** Answers when the database answers (for /readyz). */
  databaseReady: () => Promise<unknown>;
  /** Events dated outside it are refused (default: 400 days back, 10 minutes ahead). */
  floorTimeWindow?: TimeWindow;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** Who may call a route. */
type Access = 'public' | 'source' | 'operator' | 'reader';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    rawBody?: string;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

const EventOrBatch = z.union([FloorEvent, z.array(FloorEvent).min(1, 'must hold at least one event').max(500, 'must hold at most 500 events')]);
const BomBody = z.strictObject({
  components: z.array(BomComponentFields.omit({ plant: true, parentMaterial: true })).max(500, 'must hold at most 500 components'),
});
const MappingBody = z
  .strictObject({
    erpOrderReference: text(40).optional(),
    materials: z.record(MaterialCode, MaterialCode).optional(),
    employees: z.record(text(40), text(40)).optional(),
  })
  .refine((c) => c.erpOrderReference !== undefined || c.materials !== undefined || c.employees !== undefined, 'give erpOrderReference, materials or employees');
const Note = (what: string) => z.object({ note: z.string().trim().min(1, `must say ${what}`) });
const PlanningQuery = z.strictObject({
  plant: Reference,
  status: z.enum(['planned', 'released', 'inProcess', 'finished', 'completed']).optional(),
});
const SyncBody = z.strictObject({ fullRead: z.boolean().optional() }).optional();
const OrdersQuery = z.strictObject({
  plant: Reference.optional(),
  erpSyncStatus: z.enum(['InSync', 'Pending', 'NeedsAttention']).optional(),
  orderStatus: z.enum(['AwaitingRelease', 'Released', 'InProduction', 'Completed']).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
});

export function createStarterApi(deps: StarterDependencies) {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

  // Bodies are kept raw too: a webhook's signature covers the bytes as sent.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof z.ZodError) return problem(reply, 400, 'Invalid request', 'Nothing was changed.', zodProblems(error));
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    // An event body that is not even JSON is refused here, before any route: it is recorded like every other.
    if (status === 400 && request.routeOptions.config.access === 'source') {
      await deps.rejectedInputs.record({ channel: 'http', reference: `${request.method} ${request.url}`, reason: `Bad request: ${error.message}`, payload: request.rawBody ?? '' });
    }
    return problem(reply, status, status === 500 ? 'Internal error' : 'Bad request', error.message);
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public' || (access === 'source' && request.routeOptions.url === '/v1/webhooks/:source')) return;
    const caller = deps.auth.fromBearer(request.headers.authorization);
    if (!caller) return problem(reply.header('WWW-Authenticate', 'Bearer'), 401, 'Unauthorized', 'Send Authorization: Bearer <token> of a configured source or operator.');
    const allowed = caller.kind === 'open' || access === 'reader' || caller.kind === access;
    if (!allowed) return problem(reply, 403, 'Forbidden', `this needs a${access === 'operator' ? 'n operator' : ' source'}'s token`);
    request.caller = caller;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const check = (work: () => Promise<unknown>) => work().then(() => 'ok', (error: unknown) => `unavailable: ${error instanceof Error ? error.message : String(error)}`);
    const [temporal, database] = await Promise.all([check(() => deps.client.workflowService.getSystemInfo({})), check(deps.databaseReady)]);
    return reply.status(temporal === 'ok' && database === 'ok' ? 200 : 503).send({ temporal, database });
  });
  app.get('/v1/schema', async () => z.toJSONSchema(FloorEvent, { io: 'input' }));

  /** Validates, records what it refuses, and delivers each event; 202 once Temporal holds them all. */
  async function takeEvents(request: FastifyRequest, reply: FastifyReply, caller: Caller) {
    const sourceId = caller.kind === 'source' ? caller.id : undefined;
    const refuse = async (status: number, title: string, detail: string, errors: FieldProblem[] = []) => {
      await deps.rejectedInputs.record({ channel: 'http', ...(sourceId ? { source: sourceId } : {}), reference: `${request.method} ${request.url}`, reason: `${title}: ${detail} ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`.trim(), payload: request.rawBody ?? '' });
      return problem(reply, status, title, detail, errors);
    };
    const parsed = EventOrBatch.safeParse(request.body);
    if (!parsed.success) return refuse(400, 'Invalid event', 'The event was not accepted; nothing was started.', unionProblems(request.body, FloorEvent, parsed.error));
    const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const now = Date.now();
    const implausible = events.flatMap((e, i) => {
      const reason = implausibleTime(e.occurredAt, now, deps.floorTimeWindow);
      return reason ? [{ field: `${Array.isArray(parsed.data) ? `${i}.` : ''}occurredAt`, message: reason }] : [];
    });
    if (implausible.length > 0) return refuse(400, 'Invalid event', 'The event was not accepted; nothing was started.', implausible);
    const foreign = sourceId ? events.findIndex((e) => e.source !== sourceId) : -1;
    if (foreign !== -1) {
      return refuse(403, 'Wrong source', `source ${sourceId} may send only events whose source is "${sourceId}"; nothing was started.`, [{ field: `${Array.isArray(parsed.data) ? `${foreign}.` : ''}source`, message: `must be "${sourceId}"` }]);
    }
    const accepted = [];
    for (const event of events) {
      const workflowId = await deps.delivery.deliver(event);
      if (workflowId === undefined) {
        const id = productionOrderWorkflowId(event.plant, event.productionOrder);
        return problem(reply, 409, 'Order ended', `production order ${id} was terminated or failed and takes no events; event ${event.eventId} was not applied.`, [], { accepted });
      }
      accepted.push({ eventId: event.eventId, workflowId });
    }
    return reply.status(202).send({ accepted });
  }

  app.post('/v1/events', { config: { access: 'source' } }, (request, reply) => takeEvents(request, reply, request.caller!));

  /** A signed webhook (see auth.ts): the source is named in the path and proven by the signature. */
  app.post('/v1/webhooks/:source', { config: { access: 'source' } }, async (request, reply) => {
    const { source } = request.params as { source: string };
    const verified = deps.auth.verifyWebhook(source, request.rawBody ?? '', request.headers);
    if ('refusal' in verified) {
      await deps.rejectedInputs.record({ channel: 'http', source, reference: `POST /v1/webhooks/${source}`, reason: `signature refused: ${verified.refusal}`, payload: request.rawBody ?? '' });
      return problem(reply, 401, 'Unauthorized', verified.refusal);
    }
    return takeEvents(request, reply, verified.caller);
  });

  app.get('/v1/orders', { config: { access: 'reader' } }, async (request, reply) => {
    const query = OrdersQuery.safeParse(request.query);
    if (!query.success) return problem(reply, 400, 'Invalid query', 'Filter by plant, erpSyncStatus or orderStatus.', zodProblems(query.error));
    const { plant, erpSyncStatus, orderStatus, limit } = query.data;
    const clauses = ["WorkflowType = 'productionOrder'", 'ExecutionStatus = "Running"'];
    if (plant) clauses.push(`Plant = '${plant}'`);
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
  const reader = { config: { access: 'reader' as const } };
  const operator = { config: { access: 'operator' as const } };

  app.get('/v1/orders/:plant/:order', reader, (request, reply) => onOrder(request.params, reply, (h) => h.query(statusQuery)));

  app.post('/v1/orders/:plant/:order/postings/:sequence/retry', operator, (request, reply) =>
    onOrder(request.params, reply, (h) => h.executeUpdate(retryPostingUpdate, { args: [{ sequence: sequenceOf(request.params) }] })),
  );

  app.post('/v1/orders/:plant/:order/postings/:sequence/skip', operator, async (request, reply) => {
    const body = z.object({ reason: z.string().trim().min(1, 'must say why the posting is skipped') }).safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was skipped.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) => h.executeUpdate(skipPostingUpdate, { args: [{ sequence: sequenceOf(request.params), reason: body.data.reason }] }));
  });

  app.post('/v1/orders/:plant/:order/mappings', operator, async (request, reply) => {
    const body = MappingBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'No mapping was changed.', zodProblems(body.error));
    return onOrder(request.params, reply, (h) => h.executeUpdate(correctMappingUpdate, { args: [body.data] }));
  });

  app.post('/v1/orders/:plant/:order/rejected-events/:eventId/acknowledge', operator, async (request, reply) => {
    const body = Note('how the rejection was dealt with').safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'Invalid request', 'Nothing was acknowledged.', zodProblems(body.error));
    const { eventId } = request.params as { eventId: string };
    return onOrder(request.params, reply, (h) => h.executeUpdate(acknowledgeRejectedEventUpdate, { args: [{ eventId, note: body.data.note }] }));
  });

  app.post('/v1/orders/:plant/:order/master-data/reload', operator, (request, reply) => onOrder(request.params, reply, (h) => h.executeUpdate(reloadMasterDataUpdate, { args: [] })));

  app.get('/v1/rejected-inputs', reader, async (request, reply) => {
    const limit = z.coerce.number().int().positive().max(1000).default(100).safeParse((request.query as { limit?: string }).limit);
    if (!limit.success) return problem(reply, 400, 'Invalid query', 'limit: 1 to 1000.', zodProblems(limit.error));
    return { rejectedInputs: await deps.rejectedInputs.recent(limit.data) };
  });

  app.get('/v1/erp/connections', reader, async () => ({ connections: await deps.connections.describe() }));

  /**
   * After a user consented in Exact (first time, or when the token chain died): the code from
   * Exact's redirect, which the bridge exchanges for tokens, or tokens obtained elsewhere.
   */
  app.put('/v1/erp/exact/authorization', operator, async (request, reply) => {
    const body = z
      .union([
        z.strictObject({ code: z.string().min(1, "must be the code from Exact's redirect"), redirectUri: z.url('must be the redirect URI registered with Exact') }),
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
  app.post('/v1/planning/:erpSystem/:plant/sync', operator, async (request, reply) => {
    const { erpSystem, plant } = request.params as { erpSystem: string; plant: string };
    const system = ErpSystem.safeParse(erpSystem);
    if (!system.success) return problem(reply, 400, 'Invalid request', 'Nothing was read.', [{ field: 'erpSystem', message: system.error.issues[0]!.message }]);
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

  /** One master data record or an array of up to 1000: all are stored, or none, and every bad field is named. */
  function putMasterData<T>(route: string, record: z.ZodType<T>, what: string, store: (records: T[]) => Promise<void>) {
    const oneOrMany = z.union([record, z.array(record).min(1, `must hold at least one ${what}`).max(1000, `must hold at most 1000 ${what}s`)]);
    app.put(route, operator, async (request, reply) => {
      const body = oneOrMany.safeParse(request.body);
      if (!body.success) return problem(reply, 400, `Invalid ${what}`, `No ${what} was changed.`, unionProblems(request.body, record, body.error));
      const records = Array.isArray(body.data) ? body.data : [body.data as T];
      await store(records);
      return { upserted: records.length };
    });
  }
  putMasterData('/v1/master-data/materials', MaterialMaster, 'material', (materials) => deps.masterData.upsertMaterials(materials));
  /** What an hour of a work centre costs: its hours' overhead is booked as journal entries from then on. */
  putMasterData('/v1/master-data/work-centre-costs', WorkCentreCost, 'work centre cost', (costs) => deps.masterData.upsertWorkCentreCosts(costs));

  app.get('/v1/master-data/materials/:plant/:material', reader, async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const found = (await deps.masterData.lookup(plant, [material])).materials[material];
    return found ?? problem(reply, 404, 'Unknown material', `no master data for material ${material} in plant ${plant}`);
  });

  /** The plant's work centres as the ERP keeps them (description, cost centre, rates per hour), read by the planning sync. */
  app.get('/v1/master-data/work-centres/:plant', reader, async (request) => {
    const { plant } = request.params as { plant: string };
    return { workCentres: await deps.masterData.erpWorkCentres(plant) };
  });

  /** A material's bill of materials as kept: the operator's, or the ERP's default version read since. */
  app.get('/v1/master-data/boms/:plant/:material', reader, async (request, reply) => {
    const { plant, material } = request.params as { plant: string; material: string };
    const bom = (await deps.masterData.lookup(plant, [], material)).bom ?? [];
    if (bom.length === 0) return problem(reply, 404, 'No bill of materials', `no bill of materials for material ${material} in plant ${plant}`);
    return { parentMaterial: material, components: bom.map(({ component, quantityPer, yieldFactor, scrapAllowance }) => ({ component, quantityPer, yieldFactor, scrapAllowance })) };
  });

  app.put('/v1/master-data/boms/:plant/:material', operator, async (request, reply) => {
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
