/**
 * The starter API: what the MES, QMS and WMS call, and operators use. It validates every
 * event, hands it to the order's workflow, and answers 202 only once Temporal holds it.
 * Bad input gets application/problem+json naming each bad field, and is recorded. Who may
 * call what (auth.ts): sources send events (bearer token, or a signed webhook), operators act
 * as their actions allow; both read, within their plants. /healthz, /readyz and /v1/schema
 * are open.
 */
import { createHash, randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { z } from 'zod';
import { FloorEvent } from '../domain/events';
import { actionRefusal, plantRefusal } from './auth';
import { codecRoutes } from './routes/codec';
import { eventRoutes } from './routes/events';
import { erpRoutes } from './routes/erp';
import { masterDataRoutes } from './routes/masterData';
import { orderRoutes } from './routes/orders';
import { reconciliationRoutes } from './routes/reconciliation';
import { type StarterDependencies, problem, zodProblems } from './routes/shared';

export type { StarterDependencies } from './routes/shared';

export function createStarterApi(deps: StarterDependencies) {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

  // Each caller its own budget: a valid token (hashed), a webhook source, else the address (an invented token gets no budget of its own). Health probes are not counted.
  void app.register(rateLimit, {
    max: deps.ratePerMinute ?? 1200,
    timeWindow: 60_000,
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics',
    keyGenerator: (request) => {
      const authorization = request.headers.authorization;
      const known = authorization !== undefined && !deps.auth.open && deps.auth.fromBearer(authorization) !== undefined;
      if (known) return `token:${createHash('sha256').update(authorization).digest('hex')}`;
      const webhook = /^\/v1\/webhooks\/([^/?]+)/.exec(request.url)?.[1];
      return webhook ? `webhook:${webhook}` : `address:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`at most ${context.max} requests a minute from one caller; try again in ${context.after}`), { statusCode: 429 }),
  });

  // Bodies are kept raw too: a webhook's signature covers the bytes as sent.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
    }
  });

  // What an ERP pushes (its own messages) may come as XML: kept as it is, for its module to read.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, body);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof z.ZodError) return problem(reply, 400, 'Invalid request', 'Nothing was changed.', zodProblems(error));
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    // An event body that is not even JSON is refused here, before any route: it is recorded like every other.
    if (status === 400 && request.routeOptions.config.access === 'source') {
      await deps.rejectedInputs.record({ channel: 'http', reference: `${request.method} ${request.url}`, reason: `Bad request: ${error.message}`, payload: request.rawBody ?? '' });
    }
    if (status === 500) {
      // The internal text goes to the log only; the caller gets a reference to find it by.
      const reference = randomUUID();
      console.error(`starter API ${request.method} ${request.routeOptions.url ?? request.url} failed (reference ${reference}):`, error);
      return problem(reply, 500, 'Internal error', `The bridge could not answer this request (reference ${reference}); the log holds what happened.`, [], { reference });
    }
    return problem(reply, status, status === 429 ? 'Too many requests' : 'Bad request', error.message);
  });

  app.addHook('onRequest', async (request, reply) => {
    const { access = 'public', action, operatorsOnly } = request.routeOptions.config;
    if (access === 'public' || (access === 'source' && request.routeOptions.url === '/v1/webhooks/:source')) return;
    const caller = deps.auth.fromBearer(request.headers.authorization);
    if (!caller) return problem(reply.header('WWW-Authenticate', 'Bearer'), 401, 'Unauthorized', 'Send Authorization: Bearer <token> of a configured source or operator.');
    const refusal =
      access === 'source' ? (caller.kind === 'operator' ? actionRefusal(caller, 'postEvents') : undefined)
      : access === 'operator' ? actionRefusal(caller, action ?? 'read')
      : caller.kind === 'source' ? (operatorsOnly ? `this is for operators; source ${caller.id} sends events and reads orders, planning and master data of its plants` : undefined)
      : actionRefusal(caller, 'read');
    if (refusal) return problem(reply, 403, 'Forbidden', refusal);
    // A plant the route names, in its path or its query, must be the caller's.
    const plant = (request.params as { plant?: string } | undefined)?.plant ?? (request.query as { plant?: unknown } | undefined)?.plant;
    const outside = typeof plant === 'string' ? plantRefusal(caller, plant) : undefined;
    if (outside) return problem(reply, 403, 'Forbidden', outside);
    request.caller = caller;
  });

  // The routes are a plugin registered after the rate limit, so its hook covers every one of them.
  void app.register(async (routes) => {
    routes.get('/healthz', async () => ({ status: 'ok' }));
    routes.get('/readyz', async (_request, reply) => {
      const check = (work: () => Promise<unknown>) => work().then(() => 'ok', (error: unknown) => `unavailable: ${error instanceof Error ? error.message : String(error)}`);
      const [temporal, database, connections] = await Promise.all([check(() => deps.client.workflowService.getSystemInfo({})), check(deps.databaseReady), deps.connections.describe({ check: 'last' })]);
      // A dead ERP connection is told, but keeps the bridge ready: events are still taken, and postings wait for the ERP.
      const erpConnections = Object.fromEntries(connections.map((c) => [c.id, c.check!.ok ? 'ok' : `unavailable: ${c.check!.detail}`]));
      return reply.status(temporal === 'ok' && database === 'ok' ? 200 : 503).send({ temporal, database, erpConnections });
    });
    routes.get('/v1/schema', async () => z.toJSONSchema(FloorEvent, { io: 'input' }));
    // Prometheus scrapes without a token, as it does /healthz: counts and names of sources and connections, no payloads.
    routes.get('/metrics', async (_request, reply) => {
      if (!deps.metrics) return problem(reply, 404, 'No metrics', 'this starter API keeps no metrics');
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });

    eventRoutes(routes, deps);
    orderRoutes(routes, deps);
    erpRoutes(routes, deps);
    masterDataRoutes(routes, deps);
    reconciliationRoutes(routes, deps);
    if (deps.codec) codecRoutes(routes, deps, deps.codec);
  });
  return app;
}
