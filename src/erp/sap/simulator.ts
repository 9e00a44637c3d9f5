/**
 * A stand-in for SAP S/4HANA over real HTTP, as its OData v2 gateway answers: basic
 * authentication of the communication user, `sap-client`, session cookies with a CSRF
 * token fetched by GET (a write without them: 403 `x-csrf-token: Required`), `$metadata`
 * from the published EDMX, the `{"d": …}` envelope with `results`, `__metadata` and
 * `__next`, deep inserts, `$filter` (eq, joined by and), `$select`, `$top` and `$skip` on the
 * fields the contract has, and SAP's error body with message class and number. It refuses
 * every body the contract refuses (contract.ts) and what SAP's rules refuse (simulatorBooks.ts).
 *
 * Faults a test turns: a write that commits and whose answer is lost, the next call failing
 * with a status, maintenance (503), locks that clear after a while, goods movements that
 * fail on a material (COGI), and CSRF sessions expiring. Its books (orders, confirmations,
 * material documents, stock per stock type, inspection lots, failed movements, IDocs) are
 * the ledger tests read.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type SapService, type SapServiceContract, contractProblems, sapContract, sapServices, valueProblem } from './contract';
import { parseMbgmcr } from './idoc';
import { type SapBooks, createSapBooks } from './simulatorBooks';
import { SapRefusal } from './simulatorTypes';

export interface SapSimulatorOptions {
  client: string;
  user: string;
  password: string;
  /** Goods issues beyond the stock on hand are refused (M7/021), as in a plant without negative stock. */
  strictStock?: boolean;
  /** Rows per page before `__next` (SAP's gateway pages large reads). */
  pageSize?: number;
}

type Row = Record<string, unknown>;

const ODATA_ROOT = '/sap/opu/odata/sap/';

export function createSapSimulator(options: SapSimulatorOptions) {
  const books: SapBooks = createSapBooks({ strictStock: options.strictStock ?? false });
  const sessions = new Map<string, { token?: string }>();
  const idocs: { number: string; type: string; headerText: string; document?: string }[] = [];
  let fault: { loseAnswer?: boolean; status?: number; retryAfterSeconds?: number; maintenance?: boolean } = {};
  const requests: { method: string; path: string; status: number }[] = [];
  const pageSize = options.pageSize ?? 100;
  const app = Fastify({ logger: false });
  let baseUrl = '';
  app.addContentTypeParser(['application/json', 'application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const sapError = (reply: FastifyReply, status: number, code: string, message: string, details: { code: string; message: string; propertyref?: string }[] = []) =>
    reply
      .status(status)
      .header('content-type', 'application/json')
      .send({
        error: {
          code,
          message: { lang: 'en', value: message },
          innererror: {
            application: { component_id: 'PP-SFC', service_namespace: '/SAP/', service_id: 'SIMULATED', service_version: '0001' },
            transactionid: randomBytes(16).toString('hex').toUpperCase(),
            timestamp: new Date().toISOString().replace(/\D/g, '').slice(0, 14),
            errordetails: [{ code, message, propertyref: '', severity: 'error', target: '', transition: false }, ...details.map((d) => ({ ...d, propertyref: d.propertyref ?? '', severity: 'error', target: '', transition: false }))],
          },
        },
      });

  const sessionCookie = `SAP_SESSIONID_S4H_${options.client}`;
  const sessionOf = (request: FastifyRequest) => {
    const cookie = String(request.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([name]) => name === sessionCookie)?.[1];
    return cookie && sessions.has(cookie) ? { id: cookie, session: sessions.get(cookie)! } : undefined;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/_simulator/')) return;
    reply.raw.on('finish', () => requests.push({ method: request.method, path: request.url.split('?')[0]!, status: reply.statusCode }));
    if (fault.maintenance) return sapError(reply, 503, '/IWFND/CM_BEC/026', 'The system is down for maintenance; try again later');
    if (fault.status) {
      const { status, retryAfterSeconds } = fault;
      fault = { ...fault, status: undefined, retryAfterSeconds: undefined };
      if (retryAfterSeconds !== undefined) reply.header('Retry-After', String(retryAfterSeconds));
      return sapError(reply, status, status === 429 ? '/IWFND/CM_CONSUMER/429' : '/IWFND/CM_BEC/026', status === 429 ? 'Too many requests' : 'The backend system answered with an error');
    }
    const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      return reply.status(401).header('www-authenticate', 'Basic realm="SAP NetWeaver Application Server [S4H/100]"').type('text/html').send('<html><body><h1>Logon failed</h1></body></html>');
    }
    // Without sap-client the system's default client answers; this simulator holds one client, and it is not the default.
    const client = new URL(request.url, 'http://sap').searchParams.get('sap-client');
    if (client !== options.client) {
      return reply.status(401).type('text/html').send(`<html><body><h1>Logon failed</h1><p>Client ${client} is not available in this system</p></body></html>`);
    }
  });

  /** Every OData call: the session (a new one when its cookie is unknown), CSRF for writes. */
  function session(request: FastifyRequest, reply: FastifyReply): boolean {
    let current = sessionOf(request);
    if (!current) {
      const id = randomBytes(12).toString('hex');
      sessions.set(id, {});
      current = { id, session: sessions.get(id)! };
      reply.header('set-cookie', `${sessionCookie}=${id}; path=/; HttpOnly`);
    }
    if (request.method === 'GET') {
      if (String(request.headers['x-csrf-token'] ?? '').toLowerCase() === 'fetch') {
        current.session.token ??= randomBytes(18).toString('base64');
        reply.header('x-csrf-token', current.session.token);
      }
      return true;
    }
    if (!current.session.token || request.headers['x-csrf-token'] !== current.session.token) {
      reply.status(403).header('x-csrf-token', 'Required').type('text/plain').send('CSRF token validation failed');
      return false;
    }
    return true;
  }

  // ---- OData v2 reading ----

  function filterOf(contract: SapServiceContract, entitySet: string, expression: string | undefined): ((row: Row) => boolean) | string {
    if (!expression) return () => true;
    const set = contract.entitySets.get(entitySet)!;
    const terms = expression.split(/\s+and\s+/);
    const tests: ((row: Row) => boolean)[] = [];
    for (const term of terms) {
      const match = /^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+(?:'((?:[^']|'')*)'|guid'([0-9a-fA-F-]{36})'|(true|false)|(-?\d+(?:\.\d+)?)M?)\s*$/.exec(term);
      if (!match) return `Invalid filter expression: '${term}' (the simulator reads: <property> eq|ne|gt|ge|lt|le <literal>, joined by and)`;
      const [, property, operator, text, guid, bool, number] = match;
      if (!set.properties.has(property!)) return `Property ${property} not found in type ${entitySet}Type`;
      const value = text !== undefined ? text.replace(/''/g, "'") : guid !== undefined ? guid.toLowerCase() : bool !== undefined ? bool === 'true' : number;
      tests.push((row) => {
        const actual = row[property!];
        if (operator === 'eq' || operator === 'ne') {
          const equal = typeof value === 'string' && typeof actual === 'string' ? actual.toLowerCase() === value.toLowerCase() && (guid !== undefined || actual === value) : String(actual) === String(value);
          return operator === 'eq' ? equal : !equal;
        }
        const order = number !== undefined ? Number(actual) - Number(number) : String(actual ?? '').localeCompare(String(value));
        return operator === 'gt' ? order > 0 : operator === 'ge' ? order >= 0 : operator === 'lt' ? order < 0 : order <= 0;
      });
    }
    return (row) => tests.every((t) => t(row));
  }

  /** A row as SAP serializes it: the contract's properties only, `__metadata` first. */
  function serialize(service: SapService, entitySet: string, row: Row, select?: string[]): Row {
    const set = sapContract(service).entitySets.get(entitySet)!;
    const keys = set.keys.map((k) => `${k}='${String(row[k] ?? '')}'`).join(',');
    const uri = `${baseUrl}${ODATA_ROOT}${service}/${entitySet}(${keys})`;
    const out: Row = { __metadata: { id: uri, uri, type: `${service}.${entitySet}Type` } };
    for (const [name, property] of set.properties) {
      if (select && !select.includes(name)) continue;
      const value = row[name];
      out[name] = value ?? (property.type === 'Edm.Boolean' ? false : property.type === 'Edm.Decimal' ? '0' : property.type === 'Edm.String' ? '' : null);
    }
    for (const [name] of set.navigations) if (!select || select.includes(name)) out[name] = { __deferred: { uri: `${uri}/${name}` } };
    return out;
  }

  function collection(request: FastifyRequest, reply: FastifyReply, service: SapService, entitySet: string, rows: Row[]) {
    const query = request.query as Record<string, string | undefined>;
    const contract = sapContract(service);
    const filter = filterOf(contract, entitySet, query.$filter);
    if (typeof filter === 'string') return sapError(reply, 400, '/IWBEP/CM_MGW_RT/022', filter);
    const select = query.$select ? query.$select.split(',').map((s) => s.trim()) : undefined;
    const unknown = select?.find((s) => !contract.entitySets.get(entitySet)!.properties.has(s) && !contract.entitySets.get(entitySet)!.navigations.has(s));
    if (unknown) return sapError(reply, 400, '/IWBEP/CM_MGW_RT/021', `Property ${unknown} not found in type ${entitySet}Type`);
    const skip = Number(query.$skip ?? 0);
    const top = query.$top === undefined ? Number.POSITIVE_INFINITY : Number(query.$top);
    if (!Number.isInteger(skip) || skip < 0 || !(Number.isInteger(top) || top === Number.POSITIVE_INFINITY) || top < 0) return sapError(reply, 400, '/IWBEP/CM_MGW_RT/020', 'Invalid $top or $skip');
    const orderby = query.$orderby?.trim().split(/\s+/);
    if (orderby && !contract.entitySets.get(entitySet)!.properties.has(orderby[0]!)) return sapError(reply, 400, '/IWBEP/CM_MGW_RT/021', `Property ${orderby[0]} not found in type ${entitySet}Type`);
    const matching = rows.filter(filter);
    if (orderby) {
      const [field, direction] = orderby as [string, string | undefined];
      matching.sort((a, b) => String(a[field] ?? '').localeCompare(String(b[field] ?? '')) * (direction === 'desc' ? -1 : 1));
    }
    const wanted = matching.slice(skip, top === Number.POSITIVE_INFINITY ? undefined : skip + top);
    const page = wanted.slice(0, pageSize);
    const d: Row = { results: page.map((r) => serialize(service, entitySet, r, select)) };
    if (wanted.length > page.length) {
      const next = new URL(`${baseUrl}${request.url}`);
      next.searchParams.set('$skip', String(skip + page.length));
      if (top !== Number.POSITIVE_INFINITY) next.searchParams.set('$top', String(top - page.length));
      d.__next = next.toString();
    }
    return reply.send({ d });
  }

  /** The rows behind each entity set the simulator serves. */
  function rowsOf(service: SapService, entitySet: string): Row[] | undefined {
    const all = [...books.orders.values()];
    switch (`${service}/${entitySet}`) {
      case 'API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2':
        return all.map((o) => o.header);
      case 'API_PRODUCTION_ORDER_2_SRV/A_ProductionOrderOperation_2':
        return all.flatMap((o) => o.operations);
      case 'API_PRODUCTION_ORDER_2_SRV/A_ProductionOrderComponent_4':
        return all.flatMap((o) => o.components);
      case 'API_WORK_CENTERS/A_WorkCenters':
        return books.workCentres;
      case 'API_PRODUCT_SRV/A_ProductPlant':
        return books.products;
      case 'API_BILL_OF_MATERIAL_SRV/MaterialBOM':
        return books.boms;
      case 'API_BILL_OF_MATERIAL_SRV/MaterialBOMItem':
        return books.bomItems;
      case 'API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2':
        return books.confirmations;
      case 'API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConfMatlDocItm':
        return books.confirmations.flatMap((c) => c.items.map((i) => ({ ...i, ConfirmationGroup: c.ConfirmationGroup, ConfirmationCount: c.ConfirmationCount, OrderID: c.OrderID })));
      case 'API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader':
        return books.documents as unknown as Row[];
      case 'API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentItem':
        return books.documents.flatMap((d) => d.items.map((i) => ({ ...i, MaterialDocument: d.MaterialDocument, MaterialDocumentYear: d.MaterialDocumentYear })));
      case 'API_INSPECTIONLOT_SRV/A_InspectionLot':
        return books.lots as unknown as Row[];
      case 'API_INSPECTIONLOT_SRV/A_InspLotUsageDecision':
        return books.lots.filter((l) => l.decision).map((l) => l.decision!);
      case 'API_INSPECTIONLOT_SRV/A_InspLotMatlDocItem':
        return books.lots.flatMap((l) => l.items);
      case 'API_INSPECTIONLOT_SRV/A_InspectionCharacteristic':
        return books.lots.flatMap((l) => l.characteristics);
      case 'API_INSPECTIONLOT_SRV/A_InspectionResult':
        return books.lots.flatMap((l) => l.results);
      default:
        return undefined;
    }
  }

  /** `Set(K='v',…)` or `Set('v')`, with an optional navigation after it. */
  function parsePath(rest: string): { entitySet: string; keys?: Record<string, string>; single?: string; navigation?: string } {
    const match = /^([A-Za-z_]\w*)(?:\(([^)]*)\))?(?:\/(\w+))?$/.exec(rest);
    if (!match) return { entitySet: rest };
    const [, entitySet, keyText, navigation] = match;
    if (keyText === undefined) return { entitySet: entitySet!, ...(navigation ? { navigation } : {}) };
    const single = /^'((?:[^']|'')*)'$/.exec(keyText);
    if (single) return { entitySet: entitySet!, single: single[1]!.replace(/''/g, "'"), ...(navigation ? { navigation } : {}) };
    const keys: Record<string, string> = {};
    for (const part of keyText.match(/\w+='(?:[^']|'')*'/g) ?? []) {
      const [, name, value] = /^(\w+)='((?:[^']|'')*)'$/.exec(part)!;
      keys[name!] = value!.replace(/''/g, "'");
    }
    return { entitySet: entitySet!, keys, ...(navigation ? { navigation } : {}) };
  }

  /** The write committed; its answer is lost on the way (the connection drops). */
  const loseAnswer = (request: FastifyRequest) => {
    if (!fault.loseAnswer) return false;
    fault = { ...fault, loseAnswer: undefined };
    request.raw.socket.destroy();
    return true;
  };

  const refuse = (reply: FastifyReply, error: unknown) => {
    if (error instanceof SapRefusal) return sapError(reply, error.status, error.code, error.message);
    throw error;
  };

  // ---- OData v2 writing ----

  function create(service: SapService, entitySet: string, body: Row): { row: Row; messages?: { code: string; message: string; severity: string }[] } {
    switch (`${service}/${entitySet}`) {
      case 'API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2': {
        const { record, messages } = books.confirm(body);
        return { row: record, messages };
      }
      case 'API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader':
        return { row: books.postDocument(body) as unknown as Row };
      case 'API_INSPECTIONLOT_SRV/A_InspLotUsageDecision':
        return { row: books.usageDecision(body) };
      case 'API_INSPECTIONLOT_SRV/A_InspLotMatlDocItem':
        return { row: books.postLotStock(body) };
      case 'API_INSPECTIONLOT_SRV/A_InspectionResult':
        return { row: books.recordResult(body, false) };
      default:
        throw new SapRefusal('/IWBEP/CM_MGW_RT/051', `Method 'CREATE_ENTITY' not implemented for entity set ${entitySet}`, 501);
    }
  }

  /** What the server assigns itself in a create: document numbers, counters. */
  const ASSIGNED: Record<string, string[]> = {
    ProdnOrdConf2: ['ConfirmationGroup', 'ConfirmationCount', 'MaterialDocument', 'MaterialDocumentItem', 'MaterialDocumentYear'],
    A_MaterialDocumentHeader: ['MaterialDocument', 'MaterialDocumentYear', 'MaterialDocumentItem'],
  };

  function deepItems(service: SapService, entitySet: string, row: Row): Row {
    if (service === 'API_PROD_ORDER_CONFIRMATION_2_SRV') return { to_ProdnOrdConfMatlDocItm: { results: ((row.items as Row[]) ?? []).map((i) => serialize(service, 'ProdnOrdConfMatlDocItm', { ...i, ConfirmationGroup: row.ConfirmationGroup, ConfirmationCount: row.ConfirmationCount })) } };
    if (entitySet === 'A_MaterialDocumentHeader') return { to_MaterialDocumentItem: { results: ((row.items as Row[]) ?? []).map((i) => serialize(service, 'A_MaterialDocumentItem', { ...i, MaterialDocument: row.MaterialDocument, MaterialDocumentYear: row.MaterialDocumentYear })) } };
    return {};
  }

  function functionCall(service: SapService, name: string, query: Record<string, string | undefined>): { set: string; row: Row } {
    const contract = sapContract(service);
    const fn = contract.functions.get(name);
    if (!fn) throw new SapRefusal('/IWBEP/CM_MGW_RT/025', `Function import ${name} not found`, 404);
    const values: Record<string, string> = {};
    for (const [parameter, property] of fn.parameters) {
      const raw = query[parameter];
      if (raw === undefined) {
        if (property.required) throw new SapRefusal('/IWBEP/CM_MGW_RT/106', `Parameter ${parameter} is missing`);
        continue;
      }
      const literal = /^(?:guid|datetime)?'((?:[^']|'')*)'$/.exec(raw);
      if (!literal) throw new SapRefusal('/IWBEP/CM_MGW_RT/107', `Parameter ${parameter} is not a literal: ${raw}`);
      values[parameter] = literal[1]!.replace(/''/g, "'");
      if (property.type === 'Edm.String') {
        const problem = valueProblem(property, values[parameter]);
        if (problem) throw new SapRefusal('/IWBEP/CM_MGW_RT/107', `Parameter ${parameter} ${problem}`);
      }
    }
    const day = values.PostingDate ? `/Date(${Date.parse(`${values.PostingDate}Z`) || Date.now()})/` : `/Date(${Date.now()})/`;
    if (service === 'API_PROD_ORDER_CONFIRMATION_2_SRV' && name === 'CancelProdnOrdConf') {
      return { set: 'ProdnOrdConf2', row: books.cancelConfirmation(values.ConfirmationGroup!, values.ConfirmationCount!, values.ExternalSystemConfirmation?.toLowerCase(), day) };
    }
    if (service === 'API_MATERIAL_DOCUMENT_SRV' && name === 'Cancel') {
      return { set: 'A_MaterialDocumentHeader', row: books.cancelDocument(values.MaterialDocumentYear!, values.MaterialDocument!, day) as unknown as Row };
    }
    throw new SapRefusal('/IWBEP/CM_MGW_RT/051', `Function import ${name} is not implemented by the simulator`, 501);
  }

  app.all(`${ODATA_ROOT}*`, async (request, reply) => {
    const [service, ...restParts] = (request.params as { '*': string })['*'].split('/');
    if (!sapServices.includes(service as SapService)) return sapError(reply, 404, '/IWFND/MED/170', `No service found for namespace '/SAP/', name '${service}', version '0001'`);
    const sapService = service as SapService;
    const rest = decodeURIComponent(restParts.join('/'));
    if (!session(request, reply)) return reply;
    const contract = sapContract(sapService);
    if (request.method === 'GET' && rest === '$metadata') return reply.type('application/xml').send(contract.metadata);
    if (request.method === 'GET' && rest === '') return reply.send({ d: { EntitySets: [...contract.entitySets.keys()] } });
    const path = parsePath(rest);
    if (request.method === 'POST' && contract.functions.has(path.entitySet) && !path.keys) {
      try {
        const { set, row } = functionCall(sapService, path.entitySet, request.query as Record<string, string>);
        if (loseAnswer(request)) return reply;
        return reply.send({ d: { ...serialize(sapService, set, row), ...deepItems(sapService, set, row) } });
      } catch (error) {
        return refuse(reply, error);
      }
    }
    const set = contract.entitySets.get(path.entitySet);
    if (!set) return sapError(reply, 404, '/IWBEP/CM_MGW_RT/021', `Resource not found for segment '${path.entitySet}'`);
    if (request.method === 'GET') {
      const rows = rowsOf(sapService, path.entitySet);
      if (!rows) return sapError(reply, 501, '/IWBEP/CM_MGW_RT/051', `The simulator serves no ${path.entitySet}`);
      if (!path.keys && path.single === undefined) return collection(request, reply, sapService, path.entitySet, rows);
      const keys = path.keys ?? { [set.keys[0]!]: path.single! };
      const row = rows.find((r) => Object.entries(keys).every(([k, v]) => String(r[k]) === v));
      if (!row) return sapError(reply, 404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment '${path.entitySet}'`);
      if (path.navigation) {
        const nav = set.navigations.get(path.navigation);
        if (!nav) return sapError(reply, 404, '/IWBEP/CM_MGW_RT/021', `Navigation property ${path.navigation} not found`);
        const deep = deepItems(sapService, path.entitySet, row)[path.navigation] as { results: Row[] } | undefined;
        return collection(request, reply, sapService, nav.target, (deep?.results ?? []).map((r) => ({ ...r })));
      }
      return reply.send({ d: serialize(sapService, path.entitySet, row) });
    }
    if ((request.method === 'PATCH' || request.method === 'MERGE') && path.keys && !path.navigation && `${sapService}/${path.entitySet}` === 'API_INSPECTIONLOT_SRV/A_InspectionResult') {
      let changes: Row;
      try {
        changes = JSON.parse(String(request.body ?? '')) as Row;
      } catch {
        return sapError(reply, 400, '/IWBEP/CM_MGW_RT/001', 'The request body is not valid JSON');
      }
      const problems = contractProblems(contract, path.entitySet, { ...changes, ...path.keys });
      if (problems.length > 0) return sapError(reply, 400, '/IWBEP/CM_MGW_RT/022', `The request is not valid for ${path.entitySet}: ${problems[0]!.property} ${problems[0]!.reason}`);
      try {
        books.recordResult({ ...changes, ...path.keys }, true);
      } catch (error) {
        return refuse(reply, error);
      }
      if (loseAnswer(request)) return reply;
      return reply.status(204).send();
    }
    if (request.method !== 'POST' || path.keys || path.single !== undefined) return sapError(reply, 405, '/IWBEP/CM_MGW_RT/052', `${request.method} is not supported on ${rest}`);
    if (!set.creatable) return sapError(reply, 405, '/IWBEP/CM_MGW_RT/051', `Entity set ${path.entitySet} is not creatable`);
    let body: Row;
    try {
      body = JSON.parse(String(request.body ?? '')) as Row;
    } catch {
      return sapError(reply, 400, '/IWBEP/CM_MGW_RT/001', 'The request body is not valid JSON');
    }
    const problems = contractProblems(contract, path.entitySet, body, { assigned: ASSIGNED[path.entitySet] ?? [] });
    if (problems.length > 0) {
      return sapError(
        reply,
        400,
        '/IWBEP/CM_MGW_RT/022',
        `The request is not valid for ${path.entitySet}: ${problems[0]!.property} ${problems[0]!.reason}`,
        problems.map((p) => ({ code: '/IWBEP/CM_MGW_RT/022', message: `${p.property} ${p.reason}`, propertyref: p.property })),
      );
    }
    try {
      const { row, messages } = create(sapService, path.entitySet, body);
      if (loseAnswer(request)) return reply;
      if (messages?.length) reply.header('sap-message', JSON.stringify({ code: messages[0]!.code, message: messages[0]!.message, severity: messages[0]!.severity, target: '', details: messages.slice(1) }));
      return reply.status(201).send({ d: { ...serialize(sapService, path.entitySet, row), ...deepItems(sapService, path.entitySet, row) } });
    } catch (error) {
      return refuse(reply, error);
    }
  });

  /** IDoc XML over HTTP (the ICF service idoc_xml): MBGMCR goods movements become material documents. */
  app.post('/sap/bc/idoc_xml', async (request, reply) => {
    let parsed: ReturnType<typeof parseMbgmcr>;
    try {
      parsed = parseMbgmcr(String(request.body ?? ''));
    } catch (error) {
      return reply.status(400).type('text/plain').send(`IDoc refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    const number = String(7000000000000000 + idocs.length + 1);
    try {
      const document = books.postDocument(parsed.materialDocument);
      idocs.push({ number, type: 'MBGMCR03', headerText: parsed.headerText, document: document.MaterialDocument });
      if (loseAnswer(request)) return reply;
      return reply.type('application/xml').send(`<?xml version="1.0"?><idoc_xml><DOCNUM>${number}</DOCNUM><STATUS>53</STATUS><MBLNR>${document.MaterialDocument}</MBLNR></idoc_xml>`);
    } catch (error) {
      idocs.push({ number, type: 'MBGMCR03', headerText: parsed.headerText });
      if (error instanceof SapRefusal) return reply.status(400).type('application/xml').send(`<?xml version="1.0"?><idoc_xml><DOCNUM>${number}</DOCNUM><STATUS>51</STATUS><MESSAGE>${error.code} ${error.message}</MESSAGE></idoc_xml>`);
      throw error;
    }
  });

  // ---- the test's and the demo's side ----
  app.get('/_simulator/ledger', async () => ledger());
  app.post('/_simulator/faults', async (request) => {
    fault = { ...fault, ...(request.body ? (JSON.parse(String(request.body)) as typeof fault) : {}) };
    return fault;
  });
  /** What a person does in COGI once the cause is fixed (the stock is there): every failed movement is posted now. */
  app.post('/_simulator/cogi/reprocess', async () => {
    for (const entry of books.failed) books.failGoodsMovements(entry.movement.Material);
    return { reprocessed: books.reprocessFailedMovements() };
  });
  app.post('/_simulator/orders', async (request, reply) => reply.status(201).send(books.seedOrder(JSON.parse(String(request.body)))));

  function ledger() {
    return {
      confirmations: books.confirmations.map((c) => ({ ...c })),
      materialDocuments: books.documents.map((d) => ({ ...d })),
      stock: books.stockRows(),
      failedGoodsMovements: books.failed.map((f) => ({ ...f })),
      inspectionLots: books.lots.map((l) => ({ ...l })),
      idocs: [...idocs],
    };
  }

  return {
    books,
    requests,
    ledger,
    seedOrder: books.seedOrder,
    seedStock: books.seedStock,
    seedWorkCentre: books.seedWorkCentre,
    seedProduct: books.seedProduct,
    seedBom: books.seedBom,
    /** Goods receipts of this material in this plant go to quality inspection stock under an inspection lot. */
    inspect: books.inspect,
    failGoodsMovements: books.failGoodsMovements,
    reprocessFailedMovements: books.reprocessFailedMovements,
    lock: books.lock,
    stockOf: books.stockOf,
    loseNextAnswer() {
      fault = { ...fault, loseAnswer: true };
    },
    failNext(status: number, retryAfterSeconds?: number) {
      fault = { ...fault, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
    maintenance(on: boolean) {
      fault = { ...fault, maintenance: on };
    },
    /** Every session and its CSRF token ends (a timeout, a restart of the gateway). */
    expireSessions() {
      sessions.clear();
    },
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      await app.listen({ port, host });
      baseUrl = `http://${host}:${(app.server.address() as AddressInfo).port}`;
      return baseUrl;
    },
    close: () => app.close(),
  };
}

export type SapSimulator = ReturnType<typeof createSapSimulator>;
