/** Floor events: POST /v1/events from a source's token, and signed webhooks. Each is validated, refusals are recorded, and 202 comes once Temporal holds them. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FloorEvent, implausibleTime } from '../../domain/events';
import type { FieldProblem } from '../../domain/fieldProblems';
import { type Caller, eventRefusal } from '../auth';
import { type StarterDependencies, deliverEach, problem, source, unionProblems } from './shared';

const EventOrBatch = z.union([FloorEvent, z.array(FloorEvent).min(1, 'must hold at least one event').max(500, 'must hold at most 500 events')]);

export function eventRoutes(app: FastifyInstance, deps: StarterDependencies): void {
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
    // Its plants, event types and machines: a source (or an operator) sends only what it is configured for.
    const outside = events.flatMap((e, i) => {
      const refused = eventRefusal(caller, e);
      return refused ? [{ field: `${Array.isArray(parsed.data) ? `${i}.` : ''}${refused.field}`, message: refused.message }] : [];
    });
    if (outside.length > 0) return refuse(403, 'Forbidden', 'The caller may not send these events; nothing was started.', outside);
    const delivered = await deliverEach(deps, reply, events, {
      record: (reason) => deps.rejectedInputs.record({ channel: 'http', ...(sourceId ? { source: sourceId } : {}), reference: `${request.method} ${request.url}`, reason, payload: request.rawBody ?? '' }),
      plantField: (index) => `${Array.isArray(parsed.data) ? `${index}.` : ''}plant`,
    });
    if (!('accepted' in delivered)) return delivered;
    const { accepted } = delivered;
    return reply.status(202).send({ accepted });
  }

  app.post('/v1/events', source, (request, reply) => takeEvents(request, reply, request.caller!));

  /** A signed webhook (see auth.ts): the source is named in the path and proven by the signature. */
  app.post('/v1/webhooks/:source', source, async (request, reply) => {
    const { source } = request.params as { source: string };
    // A name nobody configured stores nothing: invented names must not fill the database or raise alerts.
    if (!deps.auth.isWebhookSource(source)) return problem(reply, 404, 'Unknown webhook', 'no webhook source of that name is configured');
    const verified = deps.auth.verifyWebhook(source, request.rawBody ?? '', request.headers);
    if ('refusal' in verified) {
      await deps.rejectedInputs.record({ channel: 'http', source, reference: `POST /v1/webhooks/${source}`, reason: `signature refused: ${verified.refusal}`, payload: request.rawBody ?? '' });
      return problem(reply, 401, 'Unauthorized', verified.refusal);
    }
    return takeEvents(request, reply, verified.caller);
  });
}
