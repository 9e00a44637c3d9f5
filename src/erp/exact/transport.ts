/**
 * Exact Online's endpoints over the shared transport (src/erp/http): its call budget
 * (X-RateLimit-* headers), its client-error budget, bearer tokens, the {"d": ...} envelope,
 * `__next` paging, and the classification of every failure from Exact's own answers.
 * Retrying is not done here: Temporal's activity retry policy owns that.
 */
import { ErpError } from '../adapter';
import { pinnedNext } from '../http/odata';
import { retryAfterMs } from '../http/retryAfter';
import type { CallBudget } from '../../domain/callBudget';
import { type HttpRequest, answerDetails, bearerAuthentication, callBudget, createBudgetMeter, createHttpTransport, errorBudgetGuard, exchangeLog } from '../http/transport';
import { type ExactEntityPath, exactBodyProblem, exactContract } from './contract';
import { type ClientErrorBudget, inMemoryErrorBudget } from './errorBudget';

/** Where the transport gets its bearer tokens (see oauth.ts). */
export interface ExactTokenSource {
  accessToken(): Promise<string>;
  /** Exact refused this token (401); an OAuth source refreshes on the next call. */
  expired(token: string): Promise<void>;
  /** Whether a refused token can be replaced without a person (OAuth), or not (a fixed token). */
  readonly renewable: boolean;
  /**
   * Exact forbids what the app does (403: rights in the division). An OAuth connection is
   * suspended until an operator authorizes again, so postings wait instead of collecting
   * 403s until Exact blocks the key. Returns what the attempt fails with (it waits like the rest).
   */
  suspend?(reason: string): Promise<ErpError>;
}

export interface ExactConnection {
  /** e.g. https://start.exactonline.nl, or the simulator's address. */
  baseUrl: string;
  division: number;
  tokens: ExactTokenSource;
  timeoutMs: number;
  /**
   * Client errors (400, 401, 403, 404) allowed per endpoint per hour before the endpoint pauses:
   * Exact blocks a key after 10. Default: 5 in this process (see errorBudget.ts).
   */
  errorBudget?: ClientErrorBudget;
}

export interface ExactListQuery {
  filter?: string;
  select?: readonly string[];
}

export interface ExactPage<T> {
  rows: T[];
  more: boolean;
  next?: string;
}

export interface ExactTransport {
  /** Every row, following `__next`. */
  list<T>(path: ExactEntityPath, query: ExactListQuery): Promise<T[]>;
  /** The first page only, and whether Exact has more: `next` is its `__next` link (a sync set is read on from its highest Timestamp instead). */
  firstPage<T>(path: ExactEntityPath, query: ExactListQuery): Promise<ExactPage<T>>;
  /** The page a `__next` link of this connection names. */
  nextPage<T>(next: string): Promise<ExactPage<T>>;
  create<T>(path: ExactEntityPath, body: Record<string, unknown>): Promise<T>;
  /** DELETE path(guid'id'). */
  remove(path: ExactEntityPath, id: string): Promise<void>;
  /** The division's call budget as Exact's latest answers told it, and how fast this process spends it. */
  callBudget(): CallBudget;
}

function pageOf<T>(answer: unknown): ExactPage<T> {
  const page = answer as { results: T[]; __next?: string };
  return page.__next === undefined ? { rows: page.results, more: false } : { rows: page.results, more: true, next: page.__next };
}

export { odataString } from '../http/odata';

export function createExactTransport(connection: ExactConnection): ExactTransport {
  const apiRoot = `${connection.baseUrl.replace(/\/$/, '')}/api/v1/${connection.division}/`;
  const endpointOf = (request: HttpRequest) => `${request.method} ${new URL(request.url).pathname.replace(/\(guid'[^']*'\)$/, '')}`;
  // Nothing is sent into a spent budget, nor without a token (a dead chain): no request, so none is logged.
  const meter = createBudgetMeter();
  const http = createHttpTransport({
    erp: 'Exact Online',
    timeoutMs: connection.timeoutMs,
    middleware: [
      callBudget('Exact Online', exactRateWindows, meter),
      // Exact counts 400, 401, 403 and 404 against the key.
      errorBudgetGuard(connection.errorBudget ?? inMemoryErrorBudget(5), { counts: (status) => [400, 401, 403, 404].includes(status), endpointOf }),
      bearerAuthentication(connection.tokens),
      exchangeLog,
    ],
    classify: async (request, response) => {
      const { pathname } = new URL(request.url);
      if (response.status === 401) {
        await connection.tokens.expired(request.headers.Authorization?.replace(/^Bearer /, '') ?? '');
        if (connection.tokens.renewable) {
          return new ErpError(`Exact Online refused the access token on ${request.method} ${pathname}; the next attempt refreshes it`, 'retryable', 'AccessTokenRefused', { status: 401, headers: response.headers });
        }
      }
      if (response.status === 403 && connection.tokens.suspend) {
        const reason = `Exact Online forbids ${request.method} ${pathname} (${exactErrorMessage(response.text) ?? 'Forbidden'}): check the app's rights in division ${connection.division}, then authorize again.`;
        return connection.tokens.suspend(reason);
      }
      return classifyExactFailure(request.method, request.url, response, response.text);
    },
  });

  async function send(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<unknown> {
    const { status, text } = await http({
      method,
      url,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json', Prefer: 'return=representation' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body), logged: body }),
    });
    if (status === 204 || text === '') return undefined;
    try {
      return (JSON.parse(text) as { d: unknown }).d;
    } catch {
      throw new ErpError(`Exact Online sent a body that is not JSON for ${method} ${url}`, 'retryable', 'MalformedResponse', { status, body: text.slice(0, 500) });
    }
  }

  const listUrl = (path: ExactEntityPath, query: ExactListQuery) => {
    const params = new URLSearchParams();
    if (query.filter) params.set('$filter', query.filter);
    if (query.select) params.set('$select', query.select.join(','));
    return `${apiRoot}${path}?${params.toString()}`;
  };

  return {
    async list<T>(path: ExactEntityPath, query: ExactListQuery): Promise<T[]> {
      let url: string | undefined = listUrl(path, query);
      const rows: T[] = [];
      while (url) {
        const page = (await send('GET', url)) as { results: T[]; __next?: string };
        rows.push(...page.results);
        url = page.__next;
      }
      return rows;
    },
    async firstPage<T>(path: ExactEntityPath, query: ExactListQuery): Promise<ExactPage<T>> {
      return pageOf<T>(await send('GET', listUrl(path, query)));
    },
    async nextPage<T>(next: string): Promise<ExactPage<T>> {
      // A link kept in a cursor is followed only to this connection's own division.
      return pageOf<T>(await send('GET', pinnedNext(next, apiRoot)));
    },
    async create<T>(path: ExactEntityPath, body: Record<string, unknown>): Promise<T> {
      // The bridge's own bad request never reaches Exact: checked against Exact's contract first.
      const problem = exactBodyProblem(exactContract()[path], body);
      if (problem) {
        throw new ErpError(`the bridge did not send this ${path} body because Exact Online would refuse it: ${problem.message}`, 'needsPerson', 'InvalidRequest', { body: JSON.stringify(body) });
      }
      return (await send('POST', `${apiRoot}${path}`, body)) as T;
    },
    async remove(path: ExactEntityPath, id: string): Promise<void> {
      await send('DELETE', `${apiRoot}${path}(guid'${id}')`);
    },
    callBudget: () => meter.current(Date.now()),
  };
}

/** What Exact's X-RateLimit-* headers say of the division's budget: a call into a window said to be spent waits. */
function exactRateWindows(headers: Headers): { name: string; remaining: number; resetAt: number }[] {
  const read = (name: string) => {
    const value = headers.get(name);
    return value === null || value === '' ? undefined : Number(value);
  };
  return (
    [
      ['minutely', 'X-RateLimit-Minutely-'],
      ['daily', 'X-RateLimit-'],
    ] as const
  ).flatMap(([name, prefix]) => {
    const remaining = read(`${prefix}Remaining`);
    const resetAt = read(`${prefix}Reset`);
    return remaining === undefined || resetAt === undefined ? [] : [{ name, remaining, resetAt }];
  });
}

/** Exact answers business errors with 500 too, so the message decides, not only the status. */
export function classifyExactFailure(method: string, url: string, response: Pick<Response, 'status' | 'headers'>, body: string): ErpError {
  const status = response.status;
  const message = exactErrorMessage(body);
  const where = `${method} ${new URL(url).pathname}`;
  if (status === 429) {
    // Exact gives its reset in epoch milliseconds; a plain Retry-After is honoured too.
    const reset = Number(response.headers.get('X-RateLimit-Minutely-Reset') ?? response.headers.get('X-RateLimit-Reset'));
    const wait = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Date.now()) : retryAfterMs(response.headers);
    return new ErpError(`Exact Online rate limit reached on ${where}`, 'retryable', 'RateLimited', { status, headers: response.headers, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  const detail = answerDetails({ status, headers: response.headers, text: body });
  if (status === 401) return new ErpError(`Exact Online refused the access token on ${where}: ${message ?? 'Unauthorized'}`, 'needsPerson', 'AuthenticationFailed', detail);
  if (status === 403) return new ErpError(`Exact Online forbids ${where}: ${message ?? 'Forbidden'}`, 'needsPerson', 'Forbidden', detail);
  if (status === 404) return new ErpError(`Exact Online has no ${where}: ${message ?? 'Not found'}`, 'needsPerson', 'NotFound', detail);
  if (status >= 400 && status < 500) return new ErpError(`Exact Online rejected ${where}: ${message ?? `HTTP ${status}`}`, 'needsPerson', 'ValidationRejected', detail);
  if (message && isBusinessRejection(message)) {
    return new ErpError(`Exact Online rejected ${where}: ${message}`, 'needsPerson', 'ValidationRejected', detail);
  }
  return new ErpError(`Exact Online failed on ${where}: ${message ?? `HTTP ${status}`}`, 'retryable', 'ServerError', detail);
}

/** Messages Exact sends with HTTP 500 that no retry will cure (Dutch and English). */
const BUSINESS_REJECTIONS = [/^Verplicht:/m, /^Mandatory:/m, /Gegeven bestaat reeds/, /already exists/i, /^Ongeldig/m, /^Invalid/m];

function isBusinessRejection(message: string): boolean {
  return BUSINESS_REJECTIONS.some((pattern) => pattern.test(message));
}

/** Exact's error body: {"error":{"code":"","message":{"lang":"","value":"..."}}}. */
export function exactErrorMessage(body: string): string | undefined {
  try {
    const value = (JSON.parse(body) as { error?: { message?: { value?: unknown } } }).error?.message?.value;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}



export type TokenAnswer =
  | { ok: true; accessToken: string; refreshToken: string; expiresInSeconds: number }
  | { ok: false; status: number; error: string; description: string; chainDead: boolean };

/**
 * POST /api/oauth2/token. Logged for the audit trail with both bodies redacted: they
 * carry the client secret and the tokens.
 */
export async function requestExactToken(baseUrl: string, form: Record<string, string>, timeoutMs: number): Promise<TokenAnswer> {
  // Every answer is read here (a refused grant says whether the chain died): none is thrown as a failure.
  const http = createHttpTransport({ erp: "Exact Online's token endpoint", timeoutMs, middleware: [exchangeLog], accept: () => true });
  const response = await http({
    method: 'POST',
    url: `${baseUrl.replace(/\/$/, '')}/api/oauth2/token`,
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    logged: '[redacted]',
    redactResponse: true,
  });
  const ok = response.status >= 200 && response.status < 300;
  const body = (() => {
    try {
      return JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  if (ok && typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
    return { ok: true, accessToken: body.access_token, refreshToken: body.refresh_token, expiresInSeconds: Number(body.expires_in ?? 600) };
  }
  const error = String(body.error ?? `HTTP ${response.status}`);
  const description = String(body.error_description ?? '');
  // Exact kills the chain on an old refresh token, and a refresh token idle for 30 days expires: only a new consent helps.
  const chainDead = /old refresh token used/i.test(description) || /refresh token expired/i.test(description) || error === 'invalid_grant';
  return { ok: false, status: response.status, error, description: description || error, chainDead };
}
