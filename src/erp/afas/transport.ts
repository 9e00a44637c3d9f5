/**
 * AFAS Profit's ProfitRestServices over the shared HTTP transport: `Authorization: AfasToken
 * <base64 of the token XML>`, the IntegrationId header, JSON both ways. AFAS's error bodies
 * are read once, here: a validation error is a 500 with `externalMessage`, `errorNumber` and
 * `profitLogReference` (a person must act, with AFAS's text and log reference); maintenance
 * is a 503 with `retry_after` in seconds (waited out, however long); 401 and 403 mean the
 * token is wrong or lacks the connector. At most 8 calls are under way at once, as AFAS allows.
 */
import { ErpError } from '../adapter';
import { type HttpRequest, type HttpResponse, type Middleware, answerDetails, createHttpTransport, defaultClassification, exchangeLog } from '../http/transport';

export interface AfasTransport {
  /** Posts to an UpdateConnector; AFAS's `results`. */
  update(connector: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Reads a GetConnector, filtered (field = value, all of them), sorted, one page. */
  get<T>(connector: string, query: { filters?: Record<string, string>; orderBy: string; skip?: number; take?: number }): Promise<T[]>;
}

export function afasTokenHeader(token: string): string {
  const xml = token.startsWith('<token>') ? token : `<token><version>1</version><data>${token}</data></token>`;
  return `AfasToken ${Buffer.from(xml, 'utf8').toString('base64')}`;
}

export function afasError(erp: string, request: HttpRequest, response: HttpResponse): ErpError {
  let body: { externalMessage?: string; errorNumber?: number | string; profitLogReference?: string; retry_after?: number; error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    // not JSON: the default classification says what it can
  }
  const where = `${request.method} ${new URL(request.url).pathname.replace(/^.*\/ProfitRestServices/, '')}`;
  if (response.status === 503 && body.retry_after !== undefined) {
    return new ErpError(`${erp} is in maintenance (${body.error?.message ?? 'scheduled maintenance'}); waiting ${body.retry_after} s`, 'retryable', 'Maintenance', { ...answerDetails(response), retryAfterMs: body.retry_after * 1000 });
  }
  if (response.status === 500 && body.externalMessage) {
    const reference = body.profitLogReference ? ` (log reference ${body.profitLogReference})` : '';
    // A booking period closed for entries opens only by a person in Profit; then the posting is retried.
    const type = /periode.*(geblokkeerd|afgesloten)|period.*(blocked|closed)/i.test(body.externalMessage) ? 'BookingPeriodBlocked' : 'ValidationRejected';
    return new ErpError(`${erp} refused ${where}: ${body.externalMessage}${reference}`, 'needsPerson', type, answerDetails(response));
  }
  if (response.status === 401) return new ErpError(`${erp} refused the token on ${where}: ${body.externalMessage ?? 'unauthorized'}`, 'needsPerson', 'AuthenticationFailed', answerDetails(response));
  if (response.status === 403) return new ErpError(`${erp}'s token may not use ${where}: ${body.externalMessage ?? 'forbidden'}`, 'needsPerson', 'Forbidden', answerDetails(response));
  return defaultClassification(erp, request, response);
}

/** AFAS allows 8 calls at once per environment: this process keeps to that, queueing the rest. */
export const AFAS_PARALLEL_CALLS = 8;

/** At most `limit` of the calls given to it run at once; the others wait their turn, in order. */
function callLimit(limit: number): <T>(call: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await call();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function createAfasTransport(options: { baseUrl: string; token: string; integrationId?: string | undefined; timeoutMs: number; onMaintenance?: (error: ErpError) => void }): AfasTransport {
  const erp = 'AFAS Profit';
  const base = options.baseUrl.replace(/\/+$/, '');
  const authorization = afasTokenHeader(options.token);
  const afasHeaders: Middleware = (request, next) =>
    next({ ...request, headers: { ...request.headers, Authorization: authorization, Accept: 'application/json', ...(options.integrationId ? { IntegrationId: options.integrationId } : {}) } });
  const maintenance: Middleware = async (request, next) => {
    try {
      return await next(request);
    } catch (error) {
      if (error instanceof ErpError && error.type === 'Maintenance') options.onMaintenance?.(error);
      throw error;
    }
  };
  const limited = callLimit(AFAS_PARALLEL_CALLS);
  const parallel: Middleware = (request, next) => limited(() => next(request));
  const http = createHttpTransport({ erp, timeoutMs: options.timeoutMs, middleware: [exchangeLog, maintenance, parallel, afasHeaders], classify: (request, response) => afasError(erp, request, response) });
  const json = (response: HttpResponse): Record<string, unknown> => {
    if (!response.text) return {};
    try {
      return JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      throw new ErpError(`${erp} answered with no JSON (HTTP ${response.status})`, 'retryable', 'MalformedResponse', answerDetails(response));
    }
  };
  return {
    async update(connector, body) {
      const response = await http({ method: 'POST', url: `${base}/connectors/${connector}`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), logged: body });
      return (json(response).results as Record<string, unknown> | undefined) ?? {};
    },
    async get<T>(connector: string, query: { filters?: Record<string, string>; orderBy: string; skip?: number; take?: number }) {
      const filters = Object.entries(query.filters ?? {});
      const params = new URLSearchParams({ skip: String(query.skip ?? 0), take: String(query.take ?? 100), orderbyfieldids: query.orderBy });
      if (filters.length) {
        params.set('filterfieldids', filters.map(([f]) => f).join(','));
        params.set('filtervalues', filters.map(([, v]) => v).join(','));
        params.set('operatortypes', filters.map(() => '1').join(','));
      }
      const response = await http({ method: 'GET', url: `${base}/connectors/${connector}?${params.toString()}`, headers: {} });
      return ((json(response).rows as T[] | undefined) ?? []) as T[];
    },
  };
}
