/**
 * The one HTTP transport every ERP adapter talks through: a chain of middleware around a
 * single fetch. Each ERP composes its chain (authentication, CSRF, its call budget, its
 * error budget, the exchange log) and adds only its error classifier and its endpoints.
 * Nothing here retries on its own, but for CSRF's documented fetch-and-retry-once:
 * Temporal's activity retries own retrying.
 */
import type { CallBudget } from '../../domain/callBudget';
import { ErpError } from '../adapter';
import { logExchange } from './exchangeLog';
import { retryAfterMs } from './retryAfter';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What the exchange log keeps of the body: the parsed body, or "[redacted]" when it carries secrets. */
  logged?: unknown;
  /** The answer's body is a secret too (a token endpoint): the log keeps "[redacted]". */
  redactResponse?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export type Send = (request: HttpRequest) => Promise<HttpResponse>;
export type Middleware = (request: HttpRequest, next: Send) => Promise<HttpResponse>;

/** Decides what a non-2xx answer means; undefined: the default (429 and 5xx retryable, other 4xx for a person). */
export type ErrorClassifier = (request: HttpRequest, response: HttpResponse) => Promise<ErpError | undefined> | ErpError | undefined;

/**
 * The chain, outermost first, around one fetch with a timeout. An answer that is not 2xx is
 * classified right at the fetch and thrown as an ErpError (its status and body in `details`),
 * so every middleware sees failures the same way. `accept` lets statuses through that a
 * middleware handles itself (CSRF's 403 Required).
 */
export function createHttpTransport(options: { erp: string; timeoutMs: number; middleware?: readonly Middleware[]; classify?: ErrorClassifier; accept?: (response: HttpResponse) => boolean }): Send {
  const terminal: Send = async (request) => {
    const response = await fetchOnce(options.erp, request, options.timeoutMs);
    if ((response.status >= 200 && response.status < 300) || options.accept?.(response)) return response;
    throw (await options.classify?.(request, response)) ?? defaultClassification(options.erp, request, response);
  };
  return [...(options.middleware ?? [])].reverse().reduce<Send>((next, middleware) => (request) => middleware(request, next), terminal);
}

/** A 403 that asks for a CSRF token again (csrfProtection fetches one and retries once). */
const csrfRequired = (answer: { status?: number | undefined; headers?: Headers | undefined }) => answer.status === 403 && answer.headers?.get('x-csrf-token')?.toLowerCase() === 'required';

async function fetchOnce(erp: string, request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw new ErpError(`${erp} did not answer ${request.method} ${request.url}: ${describeCause(cause)}`, 'retryable', 'NetworkError');
  }
  return { status: response.status, headers: response.headers, text: await response.text().catch(() => '') };
}

/** 429 and 5xx clear by themselves (honouring Retry-After); 401 and 403 need credentials; other 4xx a corrected request. */
export function defaultClassification(erp: string, request: HttpRequest, response: HttpResponse, message = firstLine(response.text)): ErpError {
  const where = `${request.method} ${new URL(request.url).pathname}`;
  const details = answerDetails(response);
  const said = message ? `: ${message}` : '';
  if (response.status === 429) return new ErpError(`${erp} rate limit reached on ${where}${said}`, 'retryable', 'RateLimited', details);
  if (response.status >= 500) return new ErpError(`${erp} failed on ${where}${said}`, 'retryable', 'ServerError', details);
  if (response.status === 401) return new ErpError(`${erp} refused the credentials on ${where}${said}`, 'needsPerson', 'AuthenticationFailed', details);
  if (response.status === 403) return new ErpError(`${erp} forbids ${where}${said}`, 'needsPerson', 'Forbidden', details);
  if (response.status === 404) return new ErpError(`${erp} has no ${where}${said}`, 'needsPerson', 'NotFound', details);
  return new ErpError(`${erp} rejected ${where}${said}`, 'needsPerson', 'ValidationRejected', details);
}

/** What an ErpError keeps of the answer that caused it. */
export function answerDetails(response: HttpResponse, retryAfter = retryAfterMs(response.headers)) {
  return { status: response.status, body: response.text.slice(0, 2000), headers: response.headers, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
}

/** Every exchange in the attempt's log (see exchangeLog.ts): never a header, and secrets' bodies as "[redacted]". */
export const exchangeLog: Middleware = async (request, next) => {
  const { pathname, search } = new URL(request.url);
  const exchange = { method: request.method, path: decodeURIComponent(pathname + search), ...(request.logged === undefined && request.body === undefined ? {} : { request: request.logged ?? request.body }) };
  const startedAt = Date.now();
  try {
    const response = await next(request);
    logExchange({ ...exchange, status: response.status, response: request.redactResponse && response.status < 300 ? '[redacted]' : response.text, durationMs: Date.now() - startedAt });
    return response;
  } catch (error) {
    const details = error instanceof ErpError ? error.details : {};
    logExchange({ ...exchange, status: details.status, response: details.body, error: String(error instanceof Error ? error.message : error), durationMs: Date.now() - startedAt });
    throw error;
  }
};

/** A bearer token from wherever the ERP's tokens come from (a fixed token, an OAuth2 store). */
export function bearerAuthentication(tokens: { accessToken(): Promise<string> }): Middleware {
  return async (request, next) => next({ ...request, headers: { ...request.headers, Authorization: `Bearer ${await tokens.accessToken()}` } });
}

export function basicAuthentication(user: string, password: string): Middleware {
  const value = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return (request, next) => next({ ...request, headers: { ...request.headers, Authorization: value } });
}

/**
 * An OData gateway's CSRF protection: a write carries the token a GET with `X-CSRF-Token: Fetch` handed
 * out, with that answer's session cookies. A 403 `X-CSRF-Token: Required` (the session or
 * token expired) fetches a new token and sends the write once more. The fetch is a GET of
 * the service root: such gateways do not answer HEAD (a known cloud SDK issue, #1126).
 */
export function csrfProtection(fetchUrl: string): Middleware {
  let session: { token: string; cookies: string } | undefined;
  const fetchToken = async (next: Send, headers: Record<string, string>) => {
    const answer = await next({ method: 'GET', url: fetchUrl, headers: { ...headers, Accept: 'application/json', 'X-CSRF-Token': 'Fetch' } });
    const token = answer.headers.get('x-csrf-token');
    if (!token || token.toLowerCase() === 'required') throw new ErpError(`no CSRF token was handed out at ${fetchUrl} (HTTP ${answer.status})`, answer.status >= 500 ? 'retryable' : 'needsPerson', 'CsrfTokenRefused', { status: answer.status });
    const cookies = answer.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    session = { token, cookies };
    return session;
  };
  return async (request, next) => {
    if (request.method === 'GET') return next(request);
    /** The write with a token; undefined when the ERP asks for a new token (its 403 arrives classified, headers and all). */
    const withToken = async (s: { token: string; cookies: string }) => {
      try {
        return await next({ ...request, headers: { ...request.headers, 'X-CSRF-Token': s.token, ...(s.cookies ? { Cookie: s.cookies } : {}) } });
      } catch (error) {
        if (error instanceof ErpError && csrfRequired(error.details)) return undefined;
        throw error;
      }
    };
    const first = await withToken(session ?? (await fetchToken(next, request.headers)));
    if (first) return first;
    const second = await withToken(await fetchToken(next, request.headers));
    if (!second) throw new ErpError(`the CSRF token was refused twice on ${request.method} ${new URL(request.url).pathname}`, 'retryable', 'CsrfTokenRefused', { status: 403 });
    return second;
  };
}

/**
 * Client errors the ERP counts against the app (and blocks it for, past a limit): a call to
 * an endpoint whose budget is spent is not sent, and waits like a rate limit.
 */
export interface ClientErrorBudget {
  /** Throws a retryable ErpError while the endpoint's budget for the hour is spent. */
  check(endpoint: string): Promise<void>;
  record(endpoint: string): Promise<void>;
}

export function errorBudgetGuard(budget: ClientErrorBudget, options: { counts: (status: number) => boolean; endpointOf: (request: HttpRequest) => string }): Middleware {
  return async (request, next) => {
    const endpoint = options.endpointOf(request);
    await budget.check(endpoint);
    try {
      return await next(request);
    } catch (error) {
      const status = error instanceof ErpError ? error.details.status : undefined;
      if (status !== undefined && options.counts(status)) await budget.record(endpoint);
      throw error;
    }
  };
}

/**
 * The ERP's call budget as its answers tell it (remaining calls and when the window resets):
 * a call into a window said to be spent waits instead of being sent. The meter, when given,
 * learns the same answers, and tells the postings how fast the budget goes.
 */
export function callBudget(erp: string, windowsOf: (headers: Headers) => { name: string; remaining: number; resetAt: number }[], meter?: BudgetMeter): Middleware {
  const windows = new Map<string, { remaining: number; resetAt: number }>();
  const learn = (headers: Headers) => {
    for (const { name, ...window } of windowsOf(headers)) {
      windows.set(name, window);
      meter?.observe(name, window.remaining, window.resetAt, Date.now());
    }
  };
  return async (request, next) => {
    const now = Date.now();
    for (const [name, window] of windows) {
      if (window.remaining <= 0 && window.resetAt > now) {
        throw new ErpError(`${erp}'s ${name} call budget is spent until ${new Date(window.resetAt).toISOString()}; waiting`, 'retryable', 'RateLimited', { retryAfterMs: window.resetAt - now });
      }
    }
    try {
      const response = await next(request);
      learn(response.headers);
      return response;
    } catch (error) {
      if (error instanceof ErpError && error.details.headers) learn(error.details.headers);
      throw error;
    }
  };
}

/**
 * Keeps a connection's budget from its answers: the latest remaining count of each window and
 * the rate at which this process spends it (from the first answer seen in the window).
 */
export type BudgetMeter = ReturnType<typeof createBudgetMeter>;

export function createBudgetMeter(options: { minCallsForRate?: number } = {}) {
  const minCalls = options.minCallsForRate ?? 10;
  const windows = new Map<string, { remaining: number; resetAt: number; firstRemaining: number; firstAt: number }>();
  return {
    /** An answer told the window's remaining calls and reset. */
    observe(name: string, remaining: number, resetAt: number, now: number) {
      const known = windows.get(name);
      // A new window (its reset moved on) starts measuring afresh.
      if (!known || known.resetAt !== resetAt || remaining > known.firstRemaining) windows.set(name, { remaining, resetAt, firstRemaining: remaining, firstAt: now });
      else windows.set(name, { ...known, remaining });
    },
    /**
     * What each window has left, and the calls it would spend before its reset at the rate
     * seen so far: told once enough calls were seen, over at least 1% of the window (a day's
     * first burst of look-ups is not the day's pace).
     */
    current(now: number): CallBudget {
      return {
        at: now,
        windows: [...windows].map(([name, w]) => {
          const used = w.firstRemaining - w.remaining;
          const elapsed = now - w.firstAt;
          const span = w.resetAt - w.firstAt;
          const projected = used >= minCalls && elapsed > 0 && elapsed >= span / 100 ? Math.round((used / elapsed) * Math.max(0, w.resetAt - now)) : undefined;
          return { name, remaining: w.remaining, resetAt: w.resetAt, ...(projected !== undefined ? { projectedUse: projected } : {}) };
        }),
      };
    },
  };
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}
