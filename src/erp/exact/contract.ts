/**
 * Exact Online's REST contract as this bridge uses it. Exact publishes no OpenAPI or
 * $metadata; its fact table (contracts/exact/endpoints.json: per endpoint the methods and
 * key, per field the EDM type, the mandatory flag and the methods that may carry it) is read
 * here, for the endpoints below, by the simulator (which answers as Exact does) and by the
 * adapter (which checks every body before sending it). No copy of it is kept in code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../projectRoot';

export type Edm = 'Edm.Guid' | 'Edm.String' | 'Edm.Int16' | 'Edm.Int32' | 'Edm.Int64' | 'Edm.Double' | 'Edm.DateTime' | 'Edm.Boolean' | 'Edm.Byte' | 'Edm.Binary' | 'Edm.Collection';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExactField {
  edm: Edm | null;
  /** Exact's "Mandatory" flag; it matters for bodies where the field is writable. */
  required: boolean;
  /** Methods whose bodies may carry the field; empty means read-only (GET). */
  writable: readonly HttpMethod[];
  /** An Edm.Collection's elements: the endpoint (of the same service) they are, for deep inserts. */
  collectionOf?: ExactEntityPath;
}

export interface ExactEndpoint {
  methods: readonly HttpMethod[];
  key: string;
  /** Exact's OData type name, used in its error messages. */
  typeName: string;
  /** A sync endpoint reads the same records: Exact then refuses a GET of this one without $filter. */
  hasSyncTwin: boolean;
  fields: Readonly<Record<string, ExactField>>;
}

/** The endpoints the bridge reads and writes, and its simulator serves. */
export const exactEntityPaths = [
  'manufacturing/ShopOrders',
  'manufacturing/ShopOrderReceipts',
  'manufacturing/ShopOrderReversals',
  'manufacturing/ByProductReceipts',
  'manufacturing/ByProductReversals',
  'manufacturing/ShopOrderMaterialPlans',
  'manufacturing/MaterialIssues',
  'manufacturing/MaterialReversals',
  'manufacturing/ShopOrderRoutingStepPlans',
  'manufacturing/Workcenters',
  'manufacturing/TimeTransactions',
  'manufacturing/BillOfMaterialVersions',
  'manufacturing/BillOfMaterialMaterials',
  'logistics/Items',
  'inventory/StockBatchNumbers',
  'inventory/StockSerialNumbers',
  'inventory/StorageLocations',
  'inventory/Warehouses',
  'inventory/WarehouseTransfers',
  'inventory/WarehouseTransferLines',
  'generaljournalentry/GeneralJournalEntries',
  'generaljournalentry/GeneralJournalEntryLines',
  'sync/Manufacturing/ShopOrders',
  'sync/Manufacturing/ShopOrderMaterialPlans',
  'sync/Manufacturing/ShopOrderRoutingStepPlans',
] as const;
export type ExactEntityPath = (typeof exactEntityPaths)[number];

interface PublishedEndpoint {
  path: string;
  methods: HttpMethod[];
  key: string;
  fields: Record<string, { edm: Edm | null; required: boolean; methods: HttpMethod[]; collectionOf?: string }>;
}

let contract: Record<ExactEntityPath, ExactEndpoint> | undefined;

/** The bridge's endpoints as Exact's fact table describes them (read once). */
export function exactContract(): Record<ExactEntityPath, ExactEndpoint> {
  if (contract) return contract;
  const file = path.join(projectRoot, 'contracts', 'exact', 'endpoints.json');
  const published = (JSON.parse(readFileSync(file, 'utf8')) as { endpoints: PublishedEndpoint[] }).endpoints;
  const loaded = {} as Record<ExactEntityPath, ExactEndpoint>;
  for (const entity of exactEntityPaths) {
    const source = published.find((e) => e.path === entity);
    if (!source) throw new Error(`${file} does not describe ${entity}, which the bridge uses`);
    const [service, name] = entity.replace(/^sync\//, '').split('/') as [string, string];
    // A collection names its elements' entity without its service (MaterialReversals.SerialNumbers: inventory/StockSerialNumbers).
    const elementsOf = (name: string | undefined) =>
      name === undefined ? undefined : (exactEntityPaths.find((p) => p === `${entity.split('/')[0]}/${name}`) ?? exactEntityPaths.find((p) => !p.startsWith('sync/') && p.endsWith(`/${name}`)));
    const fields = Object.fromEntries(
      Object.entries(source.fields).map(([field, f]) => {
        const collectionOf = elementsOf(f.collectionOf);
        return [field, { edm: f.edm, required: f.required, writable: f.methods.filter((m) => m === 'POST' || m === 'PUT'), ...(collectionOf ? { collectionOf } : {}) }];
      }),
    );
    const typeName = `Exact.Web.Api.Models.${service[0]!.toUpperCase()}${service.slice(1)}.${name.replace(/s$/, '')}`;
    const hasSyncTwin = published.some((e) => e.path === `sync/${service[0]!.toUpperCase()}${service.slice(1)}/${name}`);
    loaded[entity] = { methods: source.methods, key: source.key, typeName, fields, hasSyncTwin };
  }
  contract = loaded;
  return contract;
}

/** Exact's ShopOrders.Status values. */
export const ShopOrderStatus = { Open: 10, InProcess: 20, Finished: 30, Completed: 40 } as const;
/** Exact's TimeTransactions.Activity values. */
export const TimeActivityCode = { Setup: 10, Run: 20 } as const;
/** Exact's TimeTransactions.Status values; the API cannot approve (Final). */
export const TimeTransactionStatus = { Draft: 1, Rejected: 2, Submitted: 10, Final: 20 } as const;
/**
 * Exact's StockTransactionType for batch and serial numbers reserved ahead of a
 * manufacturing transaction (the ones that need the Manufacturing solution).
 */
export const StockTransactionType = { ShopOrderReceipt: 140, ShopOrderReversal: 141, ByProductReceipt: 147, ByProductReversal: 148, RequirementIssue: 150, RequirementReversal: 151 } as const;
/** Exact's WarehouseTransfers.Status values: a transfer posted as Complete is processed at once. */
export const WarehouseTransferStatus = { Open: 10, Complete: 50 } as const;
/** Exact's ShopOrderMaterialPlans.Type values. */
export const MaterialPlanType = { Material: 1, ByProduct: 2 } as const;

/**
 * What Exact answers to a POST body it refuses: unknown or read-only properties and wrong
 * types are 400 ("Error processing request stream…"), missing mandatory fields 500
 * ("Verplicht: …"). Undefined when Exact takes the body. The simulator answers with it;
 * the adapter checks every body with it before sending, so the bridge's own bad requests
 * never reach Exact (nor count against its limit of 10 errors per endpoint per hour).
 */
export function exactBodyProblem(endpoint: ExactEndpoint, body: unknown, assigned: readonly string[] = []): { status: 400 | 500; message: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, message: 'Error processing request stream. The request should be a valid top-level resource object.' };
  }
  const row = body as Record<string, unknown>;
  for (const [name, value] of Object.entries(row)) {
    const field = endpoint.fields[name];
    if (!field) return { status: 400, message: `Error processing request stream. The property '${name}' does not exist on type '${endpoint.typeName}'.` };
    if (!field.writable.includes('POST')) return { status: 400, message: `Error processing request stream. The property '${name}' is read-only on type '${endpoint.typeName}'.` };
    if (value !== null && !matchesEdm(field.edm, value)) return { status: 400, message: `Error processing request stream. The value of property '${name}' is not a valid ${field.edm}.` };
    // A deep insert: each element is a record of the collection's endpoint, its parent's key assigned by Exact.
    if (field.collectionOf && Array.isArray(value)) {
      const elements = exactContract()[field.collectionOf];
      for (const element of value) {
        const problem = exactBodyProblem(elements, element, Object.keys(elements.fields).filter((f) => f === endpoint.key));
        if (problem) return problem;
      }
    }
  }
  // Exact flags keys as mandatory, but assigns them itself when a POST leaves them out.
  const missing = Object.entries(endpoint.fields)
    .filter(([name, field]) => name !== endpoint.key && !assigned.includes(name) && field.required && field.writable.includes('POST') && (row[name] === undefined || row[name] === null))
    .map(([name]) => `Verplicht: ${name}`);
  return missing.length > 0 ? { status: 500, message: missing.join('\r\n') } : undefined;
}

/**
 * Where a row Exact would serve differs from the fact table: a property the type does not
 * have, or a value not of the property's EDM type (null is always allowed). The simulator
 * checks every row it serves, so the adapter is never tested against shapes Exact does not send.
 */
export function exactRowProblem(endpoint: ExactEndpoint, row: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(row)) {
    const field = endpoint.fields[name];
    if (!field) return `${endpoint.typeName} has no property '${name}'`;
    if (value === null) continue;
    if (field.edm === 'Edm.DateTime' ? !(typeof value === 'string' && /^\/Date\(-?\d+\)\/$/.test(value)) : !matchesEdm(field.edm, value)) {
      return `${endpoint.typeName}.${name} is served as ${JSON.stringify(value)}, not as ${field.edm ?? 'a complex type'}`;
    }
    if (field.collectionOf && Array.isArray(value)) {
      for (const element of value) {
        const problem = exactRowProblem(exactContract()[field.collectionOf], element as Record<string, unknown>);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

function matchesEdm(edm: Edm | null, value: unknown): boolean {
  switch (edm) {
    case 'Edm.Collection':
      return Array.isArray(value);
    case null:
      return typeof value === 'object';
    case 'Edm.Guid':
      return typeof value === 'string' && GUID.test(value);
    case 'Edm.Double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Byte':
      return typeof value === 'number' && Number.isInteger(value);
    case 'Edm.Boolean':
      return typeof value === 'boolean';
    case 'Edm.DateTime':
      return typeof value === 'string' && !Number.isNaN(parseEdmDateTime(value).getTime());
    default:
      return typeof value === 'string';
  }
}

/** An Edm.DateTime as Exact writes it (/Date(ms)/) or takes it (ISO, UTC when no offset is given). */
export function parseEdmDateTime(value: unknown): Date {
  const text = String(value);
  const match = /^\/Date\((-?\d+)\)\/$/.exec(text);
  if (match) return new Date(Number(match[1]));
  return new Date(/Z|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
}
