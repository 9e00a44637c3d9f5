/**
 * Who is calling the starter API, and what they may do. Sources (MES, QMS, WMS) send events
 * with a bearer token of their own, or as signed webhooks, for the plants, event types and
 * machines the sources file names; operators act with theirs, on their plants, with their
 * actions; both read within their plants. Without any configured source or operator the API
 * refuses everyone, unless AUTH=open says to let everyone in (a first look, nothing real).
 *
 * A webhook is signed as src/sources/webhookSignature.ts says, and a timestamp further than the source's tolerance from now is refused (replays).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FloorEvent } from '../domain/events';
import type { HttpSource, Operator, OperatorAction, SourcesConfig } from '../sources/config';
import { signPayload } from '../sources/webhookSignature';

export type Caller =
  | { kind: 'source'; id: string; plants: readonly string[]; eventTypes: readonly string[]; machines: readonly string[] }
  | { kind: 'operator'; name: string; plants: readonly string[]; actions: readonly OperatorAction[] }
  | { kind: 'open' };

const sourceCaller = (s: HttpSource): Caller => ({ kind: 'source', id: s.id, plants: s.plants, eventTypes: s.eventTypes, machines: s.machines ?? [] });
const operatorCaller = (o: Operator): Caller => ({ kind: 'operator', name: o.name, plants: o.plants, actions: o.actions });
const covers = (names: readonly string[], name: string) => names.includes('*') || names.includes(name);
const who = (caller: Caller) => (caller.kind === 'source' ? `source ${caller.id}` : caller.kind === 'operator' ? `operator ${caller.name}` : 'everyone');

/** Why the caller may not see or act on the plant, if it may not. */
export function plantRefusal(caller: Caller, plant: string): string | undefined {
  if (caller.kind === 'open' || covers(caller.plants, plant)) return undefined;
  return `${who(caller)} may not see or act on plant ${plant} (its plants: ${caller.plants.join(', ')})`;
}

/** Why the caller may not take this action, if it may not (every action reads). */
export function actionRefusal(caller: Caller, action: OperatorAction): string | undefined {
  if (caller.kind === 'open') return undefined;
  if (caller.kind === 'source') return `this needs an operator's token (${action}); ${who(caller)} sends events and reads`;
  if (caller.actions.includes(action) || (action === 'read' && caller.actions.length > 0)) return undefined;
  return `${who(caller)} may not do this: it needs ${action} (its actions: ${caller.actions.join(', ')})`;
}

/** Why the caller may not send this event, naming the field, if it may not. */
export function eventRefusal(caller: Caller, event: FloorEvent): { field: string; message: string } | undefined {
  if (caller.kind === 'open') return undefined;
  if (caller.kind === 'operator') {
    const refused = actionRefusal(caller, 'postEvents');
    if (refused) return { field: 'type', message: refused };
  }
  const plant = plantRefusal(caller, event.plant);
  if (plant) return { field: 'plant', message: plant };
  if (caller.kind !== 'source') return undefined;
  if (!covers(caller.eventTypes, event.type)) return { field: 'type', message: `${who(caller)} may not send ${event.type} (its event types: ${caller.eventTypes.join(', ')})` };
  const machine = 'machine' in event ? event.machine : undefined;
  if (machine !== undefined && !covers(caller.machines, machine)) return { field: 'machine', message: `${who(caller)} may not name machine ${machine} (${caller.machines.length ? `its machines: ${caller.machines.join(', ')}` : 'it names no machines'})` };
  return undefined;
}

export interface Authenticator {
  /** True when no source or operator is configured and AUTH=open: everyone may call. */
  readonly open: boolean;
  fromBearer(authorization: string | undefined): Caller | undefined;
  /** Whether a webhook source of this name is configured. */
  isWebhookSource(sourceId: string): boolean;
  /** The source a signed webhook comes from, or why it is refused. */
  verifyWebhook(sourceId: string, rawBody: string, headers: Record<string, string | string[] | undefined>, now?: number): { caller: Caller } | { refusal: string };
}

/** `open`: AUTH=open, which lets everyone in only where no source or operator is configured. */
export function createAuthenticator(http: SourcesConfig['http'], options: { open: boolean }): Authenticator {
  const bearers = [
    ...http.sources.flatMap((s) => (s.bearerToken ? [{ token: s.bearerToken, caller: sourceCaller(s) }] : [])),
    ...http.operators.map((o) => ({ token: o.bearerToken, caller: operatorCaller(o) })),
  ];
  const open = options.open && bearers.length === 0 && http.sources.length === 0;
  return {
    open,
    fromBearer(authorization) {
      if (open) return { kind: 'open' };
      const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      // Every token is compared, so the time taken does not tell which came closest.
      let found: Caller | undefined;
      for (const b of bearers) if (token && same(b.token, token)) found ??= b.caller;
      return found;
    },
    isWebhookSource: (sourceId) => http.sources.some((s) => s.id === sourceId && s.hmacSecret !== undefined),
    verifyWebhook(sourceId, rawBody, headers, now = Date.now()) {
      const source = http.sources.find((s) => s.id === sourceId && s.hmacSecret);
      if (!source) return { refusal: `no webhook source ${sourceId} is configured` };
      const timestamp = header(headers, 'x-shopfloor-timestamp');
      const signature = header(headers, 'x-shopfloor-signature');
      if (!timestamp || !/^\d+$/.test(timestamp)) return { refusal: 'X-Shopfloor-Timestamp: must be the unix time in seconds' };
      if (!signature?.startsWith('sha256=')) return { refusal: 'X-Shopfloor-Signature: must be sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">' };
      if (Math.abs(now / 1000 - Number(timestamp)) > source.timestampToleranceSeconds) {
        return { refusal: `X-Shopfloor-Timestamp: more than ${source.timestampToleranceSeconds} s from now (a replay, or a clock adrift)` };
      }
      const expected = signPayload(source.hmacSecret!, timestamp, rawBody);
      return same(expected, signature) ? { caller: sourceCaller(source) } : { refusal: 'X-Shopfloor-Signature: does not match the body' };
    },
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison of digests (equal lengths whatever was sent), so a token cannot be guessed from response times. */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHmac('sha256', 'shopfloor-compare').update(a).digest(), createHmac('sha256', 'shopfloor-compare').update(b).digest());
}
