/**
 * Who is calling the starter API. Sources (MES, QMS, WMS) send events with a bearer token
 * of their own, or as signed webhooks; operators act with theirs. Without any configured
 * source or operator the API is open (npm start says so), as for a first look.
 *
 * A webhook is signed like this: with the source's shared secret,
 *   X-Shopfloor-Timestamp: <unix seconds>
 *   X-Shopfloor-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
 * and a timestamp further than the source's tolerance from now is refused (replays).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SourcesConfig } from '../sources/config';

export type Caller = { kind: 'source'; id: string } | { kind: 'operator'; name: string } | { kind: 'open' };

export interface Authenticator {
  /** True when no source or operator is configured: everyone may call. */
  readonly open: boolean;
  fromBearer(authorization: string | undefined): Caller | undefined;
  /** The source a signed webhook comes from, or why it is refused. */
  verifyWebhook(sourceId: string, rawBody: string, headers: Record<string, string | string[] | undefined>, now?: number): { caller: Caller } | { refusal: string };
}

export function createAuthenticator(http: SourcesConfig['http']): Authenticator {
  const bearers = [
    ...http.sources.flatMap((s) => (s.bearerToken ? [{ token: s.bearerToken, caller: { kind: 'source', id: s.id } as Caller }] : [])),
    ...http.operators.map((o) => ({ token: o.bearerToken, caller: { kind: 'operator', name: o.name } as Caller })),
  ];
  const open = bearers.length === 0 && http.sources.length === 0;
  return {
    open,
    fromBearer(authorization) {
      if (open) return { kind: 'open' };
      const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      return token ? bearers.find((b) => same(b.token, token))?.caller : undefined;
    },
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
      return same(expected, signature) ? { caller: { kind: 'source', id: source.id } } : { refusal: 'X-Shopfloor-Signature: does not match the body' };
    },
  };
}

/** The signature header value for a body, as a webhook sender computes it. */
export function signPayload(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison, so a token cannot be guessed from response times. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
