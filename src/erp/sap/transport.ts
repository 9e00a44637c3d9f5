/**
 * SAP S/4HANA's OData v2 services over the shared HTTP transport: the communication user
 * by basic authentication, `sap-client` on every call, and per service a CSRF token fetched
 * with a GET and kept with the session cookies it came with (a 403 `X-CSRF-Token: Required`
 * fetches it again and sends once more). SAP's error body is read once, here:
 * `{"error": {"code": "<class>/<number>", "message": {"value"}, "innererror": {"errordetails": […]}}}`.
 * A lock (material or order being processed by another user) clears by itself; every other
 * business error needs a person, with SAP's text. Answers' `sap-message` headers (what SAP
 * says beside a success, e.g. a goods movement it could not post) are handed to the caller.
 *
 * The SAP Cloud SDK's http-client does the same CSRF dance, but it brings its destination
 * service and connectivity layers with it; over one chain shared with every ERP the bridge
 * keeps one way to log, time out and classify.
 */
import { ErpError } from '../adapter';
import { type HttpRequest, type HttpResponse, type Middleware, type Send, answerDetails, basicAuthentication, createHttpTransport, csrfProtection, defaultClassification, exchangeLog } from '../http/transport';
import { odataPage, pinnedNext } from '../http/odata';
import type { SapService } from './contract';

export interface SapMessage {
  code: string;
  message: string;
  severity?: string;
}

export interface SapTransport {
  readonly baseUrl: string;
  root(service: SapService): string;
  /** One entity or function result (`d`), by its path under the service root. */
  get<T>(service: SapService, path: string, query?: Record<string, string>): Promise<T>;
  /** The rows of an entity set matching `$filter`, following `__next` up to `limit` rows. */
  rows<T>(service: SapService, entitySet: string, query: { filter?: string; select?: readonly string[]; orderby?: string; top?: number }, limit?: number): Promise<T[]>;
  /** A create (deep insert included): SAP's answer and the messages it gave beside it. */
  create<T>(service: SapService, entitySet: string, body: Record<string, unknown>): Promise<{ created: T; messages: SapMessage[] }>;
  /** Changes an entity (PATCH: the properties given, the rest as they are). */
  merge(service: SapService, path: string, body: Record<string, unknown>): Promise<void>;
  /** A function import (POST), its parameters as OData literals. */
  call<T>(service: SapService, name: string, parameters: Record<string, string>): Promise<T>;
  /** An IDoc in XML to the idoc_xml service; the IDoc number SAP gave it. */
  idoc(xml: string): Promise<string>;
}

/** Lock messages: the object is being processed by someone else, and will not be for long. */
const LOCK_CODES = new Set(['M3/897', 'M3/024', 'M7/024', 'RU/505', 'CO/049', 'MM/021', 'QA/118']);
const LOCK_TEXT = /is (currently )?locked by|being processed by|blocked by user/i;

/** An operator acts on these names; SAP's class and number and its text are in the message. */
function businessType(code: string, text: string): string {
  if (/not released|no release/i.test(text)) return 'OrderNotReleased';
  if (/deletion (flag|indicator)|marked for deletion|technically completed|closed/i.test(text)) return 'OrderClosed';
  if (/authori[sz]ation|not authori[sz]ed/i.test(text)) return 'NotAuthorized';
  if (/exceed|deficit|not enough|insufficient/i.test(text)) return 'QuantityExceeded';
  if (/does not exist|not found|unknown/i.test(text)) return 'NotFound';
  if (code.startsWith('/IWBEP/')) return 'ValidationRejected';
  return 'SapRejected';
}

export function sapError(erp: string, request: HttpRequest, response: HttpResponse): ErpError {
  let body: { error?: { code?: string; message?: { value?: string }; innererror?: { errordetails?: { code?: string; message?: string; severity?: string }[] } } } | undefined;
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  if (!error?.code) return defaultClassification(erp, request, response);
  const code = error.code;
  const details = (error.innererror?.errordetails ?? []).filter((d) => d.severity !== 'info' && d.message && d.message !== error.message?.value);
  const text = [error.message?.value ?? '', ...details.map((d) => `${d.code ? `${d.code}: ` : ''}${d.message}`)].filter(Boolean).join('; ');
  const where = `${request.method} ${new URL(request.url).pathname.replace(/^.*\/sap\/opu\/odata\/sap\//, '')}`;
  const said = `${erp} (${code}) on ${where}: ${text}`;
  if (response.status >= 500 || response.status === 429) return defaultClassification(erp, request, response, `${code} ${text}`);
  if (LOCK_CODES.has(code) || LOCK_TEXT.test(text)) return new ErpError(`${said} (a lock; tried again)`, 'retryable', 'Locked', { ...answerDetails(response), retryAfterMs: 2000 });
  if (response.status === 401) return new ErpError(`${erp} refused the communication user: ${text}`, 'needsPerson', 'AuthenticationFailed', answerDetails(response));
  if (response.status === 403) return new ErpError(`${said}`, 'needsPerson', 'Forbidden', answerDetails(response));
  return new ErpError(said, 'needsPerson', businessType(code, text), answerDetails(response));
}

/** `sap-client` on every call: a system holds several clients, each a company's data of its own. */
function sapClient(client: string): Middleware {
  return (request, next) => {
    const url = new URL(request.url);
    url.searchParams.set('sap-client', client);
    return next({ ...request, url: url.toString() });
  };
}

export function readSapMessages(headers: Headers): SapMessage[] {
  const header = headers.get('sap-message');
  if (!header) return [];
  try {
    const top = JSON.parse(header) as { code?: string; message?: string; severity?: string; details?: { code?: string; message?: string; severity?: string }[] };
    return [top, ...(top.details ?? [])].filter((m) => m.message).map((m) => ({ code: m.code ?? '', message: m.message!, ...(m.severity ? { severity: m.severity } : {}) }));
  } catch {
    return [{ code: '', message: header }];
  }
}

export function createSapTransport(options: { baseUrl: string; client: string; user: string; password: string; timeoutMs: number }): SapTransport {
  const erp = `SAP S/4HANA (client ${options.client})`;
  const base = options.baseUrl.replace(/\/+$/, '');
  const root = (service: SapService) => `${base}/sap/opu/odata/sap/${service}/`;
  const transports = new Map<SapService, Send>();
  const http = (service: SapService): Send => {
    let send = transports.get(service);
    if (!send) {
      send = createHttpTransport({
        erp,
        timeoutMs: options.timeoutMs,
        // The token is fetched in the same client as the writes it guards (a session without sap-client is the system's default client's).
        middleware: [exchangeLog, sapClient(options.client), basicAuthentication(options.user, options.password), csrfProtection(`${root(service)}?sap-client=${options.client}`)],
        classify: (request, response) => sapError(erp, request, response),
      });
      transports.set(service, send);
    }
    return send;
  };
  const idocHttp = createHttpTransport({ erp, timeoutMs: options.timeoutMs, middleware: [exchangeLog, sapClient(options.client), basicAuthentication(options.user, options.password)] });
  const json = (response: HttpResponse, what: string): unknown => {
    try {
      return JSON.parse(response.text);
    } catch {
      throw new ErpError(`${erp} answered ${what} with no JSON (HTTP ${response.status})`, 'retryable', 'MalformedResponse', answerDetails(response));
    }
  };
  const headers = { Accept: 'application/json' };
  const query = (q: Record<string, string | undefined>) =>
    Object.entries(q)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
  return {
    baseUrl: base,
    root,
    async get<T>(service: SapService, path: string, q: Record<string, string> = {}) {
      const url = `${root(service)}${path}${Object.keys(q).length ? `?${query(q)}` : ''}`;
      const body = json(await http(service)({ method: 'GET', url, headers }), `GET ${path}`) as { d?: T };
      if (body.d === undefined) throw new ErpError(`${erp} answered GET ${path} without "d"`, 'retryable', 'MalformedResponse');
      return body.d;
    },
    async rows<T>(service: SapService, entitySet: string, q: { filter?: string; select?: readonly string[]; orderby?: string; top?: number }, limit = 1000) {
      let url: string | undefined = `${root(service)}${entitySet}?${query({ $filter: q.filter, $select: q.select?.join(','), $orderby: q.orderby, $top: String(q.top ?? 100), $format: 'json' })}`;
      const rows: T[] = [];
      while (url && rows.length < limit) {
        const page: { rows: T[]; next?: string } = odataPage<T>(json(await http(service)({ method: 'GET', url, headers }), `GET ${entitySet}`));
        rows.push(...page.rows);
        url = page.next ? pinnedNext(new URL(page.next, root(service)).toString(), root(service)) : undefined;
      }
      return rows;
    },
    async create<T>(service: SapService, entitySet: string, body: Record<string, unknown>) {
      const response = await http(service)({ method: 'POST', url: `${root(service)}${entitySet}`, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body), logged: body });
      const answer = json(response, `POST ${entitySet}`) as { d?: T };
      if (answer.d === undefined) throw new ErpError(`${erp} answered POST ${entitySet} without "d"`, 'retryable', 'MalformedResponse');
      return { created: answer.d, messages: readSapMessages(response.headers) };
    },
    async merge(service: SapService, path: string, body: Record<string, unknown>) {
      await http(service)({ method: 'PATCH', url: `${root(service)}${path}`, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body), logged: body });
    },
    async call<T>(service: SapService, name: string, parameters: Record<string, string>) {
      const response = await http(service)({ method: 'POST', url: `${root(service)}${name}?${query(parameters)}`, headers });
      const answer = json(response, `POST ${name}`) as { d?: T };
      return (answer.d ?? {}) as T;
    },
    async idoc(xml: string) {
      const response = await idocHttp({ method: 'POST', url: `${base}/sap/bc/idoc_xml`, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: xml });
      return /<DOCNUM>(\d+)<\/DOCNUM>/.exec(response.text)?.[1] ?? '';
    },
  };
}
