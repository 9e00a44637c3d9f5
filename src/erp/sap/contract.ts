/**
 * SAP S/4HANA's OData v2 contract as this bridge uses it, read from the published service
 * descriptions in contracts/sap: the EDMX ($metadata) where SAP publishes one, the OpenAPI
 * of api.sap.com otherwise. Both are read into one model (entity sets, their properties with
 * Edm type, length, precision and scale, their navigations, and the function imports) that
 * the adapter checks every body against before sending it and the simulator refuses what it
 * refuses by. No copy of a description is kept in code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { projectRoot } from '../../projectRoot';
import { type XmlNode, child, children, textOf } from './xml';

export const sapServices = ['API_PROD_ORDER_CONFIRMATION_2_SRV', 'API_MATERIAL_DOCUMENT_SRV', 'API_INSPECTIONLOT_SRV', 'API_PRODUCTION_ORDER_2_SRV', 'API_WORK_CENTERS', 'API_PRODUCT_SRV', 'API_BILL_OF_MATERIAL_SRV'] as const;
export type SapService = (typeof sapServices)[number];

export interface SapProperty {
  type: string;
  maxLength?: number;
  precision?: number;
  scale?: number;
  nullable: boolean;
}

export interface SapEntitySet {
  name: string;
  keys: readonly string[];
  properties: ReadonlyMap<string, SapProperty>;
  /** Navigation property → the entity set it leads to, and whether it is a collection. */
  navigations: ReadonlyMap<string, { target: string; many: boolean }>;
  creatable: boolean;
}

export interface SapFunction {
  name: string;
  method: string;
  parameters: ReadonlyMap<string, SapProperty & { required: boolean }>;
}

export interface SapServiceContract {
  service: SapService;
  entitySets: ReadonlyMap<string, SapEntitySet>;
  functions: ReadonlyMap<string, SapFunction>;
  /** The EDMX as SAP serves it at $metadata (generated from the model where only an OpenAPI is published). */
  metadata: string;
}

const cache = new Map<SapService, SapServiceContract>();

export function sapContract(service: SapService): SapServiceContract {
  let contract = cache.get(service);
  if (!contract) {
    const folder = path.join(projectRoot, 'contracts', 'sap');
    const edmx = path.join(folder, `${service}.edmx`);
    contract = service === 'API_MATERIAL_DOCUMENT_SRV' || service === 'API_INSPECTIONLOT_SRV' ? fromOpenApi(service, readFileSync(path.join(folder, `${service}.json`), 'utf8')) : fromEdmx(service, readFileSync(edmx, 'utf8'));
    cache.set(service, contract);
  }
  return contract;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: false });

function fromEdmx(service: SapService, xml: string): SapServiceContract {
  const root = parser.parse(xml) as XmlNode;
  const schemas = children(child(child(root, 'edmx:Edmx'), 'edmx:DataServices'), 'Schema');
  const types = new Map<string, XmlNode>();
  const associations = new Map<string, XmlNode>();
  const sets: XmlNode[] = [];
  const functions: XmlNode[] = [];
  for (const schema of schemas) {
    const namespace = textOf(schema, 'Namespace');
    for (const type of children(schema, 'EntityType')) types.set(`${namespace}.${textOf(type, 'Name')}`, type);
    for (const association of children(schema, 'Association')) associations.set(`${namespace}.${textOf(association, 'Name')}`, association);
    for (const container of children(schema, 'EntityContainer')) {
      sets.push(...children(container, 'EntitySet'));
      functions.push(...children(container, 'FunctionImport'));
    }
  }
  const setOfType = new Map(sets.map((s) => [textOf(s, 'EntityType'), textOf(s, 'Name')!]));
  const property = (p: XmlNode): SapProperty => {
    const type = textOf(p, 'Type')!;
    const [maxLength, precision, scale] = [textOf(p, 'MaxLength'), textOf(p, 'Precision'), textOf(p, 'Scale')];
    return {
      type,
      nullable: textOf(p, 'Nullable') !== 'false',
      ...(maxLength ? { maxLength: Number(maxLength) } : {}),
      ...(precision && type === 'Edm.Decimal' ? { precision: Number(precision) } : {}),
      ...(scale ? { scale: Number(scale) } : {}),
    };
  };
  const entitySets = new Map<string, SapEntitySet>();
  for (const set of sets) {
    const type = types.get(textOf(set, 'EntityType') ?? '');
    const name = textOf(set, 'Name')!;
    if (!type) continue;
    const navigations = new Map<string, { target: string; many: boolean }>();
    for (const nav of children(type, 'NavigationProperty')) {
      const end = children(associations.get(textOf(nav, 'Relationship') ?? ''), 'End').find((e) => textOf(e, 'Role') === textOf(nav, 'ToRole'));
      const target = end && setOfType.get(textOf(end, 'Type'));
      if (target) navigations.set(textOf(nav, 'Name')!, { target, many: textOf(end, 'Multiplicity') === '*' });
    }
    entitySets.set(name, {
      name,
      keys: children(child(type, 'Key'), 'PropertyRef').map((k) => textOf(k, 'Name')!),
      properties: new Map(children(type, 'Property').map((p) => [textOf(p, 'Name')!, property(p)])),
      navigations,
      creatable: textOf(set, 'sap:creatable') !== 'false',
    });
  }
  const functionMap = new Map<string, SapFunction>(
    functions.map((f) => [
      textOf(f, 'Name')!,
      { name: textOf(f, 'Name')!, method: textOf(f, 'm:HttpMethod') ?? 'GET', parameters: new Map(children(f, 'Parameter').map((p) => [textOf(p, 'Name')!, { ...property(p), required: textOf(p, 'Nullable') !== 'true' }])) },
    ]),
  );
  return { service, entitySets, functions: functionMap, metadata: xml };
}

/** What the bridge reads of an api.sap.com OpenAPI document. */
interface OpenApiProperty {
  type?: string;
  format?: string;
  nullable?: boolean;
  maxLength?: number;
  example?: unknown;
  $ref?: string;
  properties?: { results?: { items?: { $ref?: string } } };
  'x-sap-precision'?: number;
  'x-sap-scale'?: number;
}
interface OpenApiSchema {
  properties?: Record<string, OpenApiProperty>;
  required?: string[];
}
interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: { pattern?: string } }[];
}
interface OpenApiSpec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, OpenApiSchema | undefined> };
}

function fromOpenApi(service: SapService, json: string): SapServiceContract {
  const spec = JSON.parse(json) as OpenApiSpec;
  const schemas = spec.components.schemas;
  const entitySets = new Map<string, SapEntitySet>();
  const setOfSchema = (ref: string) => ref.replace(/^#\/components\/schemas\/[^.]+\./, '').replace(/Type(-create|-update)?$/, '');
  const property = (p: OpenApiProperty): SapProperty => {
    const nullable = p.nullable === true;
    if (p.type === 'boolean') return { type: 'Edm.Boolean', nullable };
    if (p.format === 'decimal') return { type: 'Edm.Decimal', nullable, ...(p['x-sap-precision'] !== undefined ? { precision: p['x-sap-precision'] } : {}), ...(p['x-sap-scale'] !== undefined ? { scale: p['x-sap-scale'] } : {}) };
    if (p.format === 'uuid') return { type: 'Edm.Guid', nullable };
    if (p.type === 'integer') return { type: p.format === 'uint8' ? 'Edm.Byte' : 'Edm.Int32', nullable };
    if (typeof p.example === 'string' && p.example.startsWith('/Date(')) return { type: 'Edm.DateTime', nullable };
    if (typeof p.example === 'string' && p.example.startsWith('PT')) return { type: 'Edm.Time', nullable };
    return { type: 'Edm.String', nullable, ...(p.maxLength ? { maxLength: p.maxLength } : {}) };
  };
  for (const route of Object.keys(spec.paths)) {
    const name = /^\/(A_\w+)$/.exec(route)?.[1];
    const schema = name && schemas[`${service}.${name}Type`];
    if (!name || !schema) continue;
    const create = schemas[`${service}.${name}Type-create`];
    const properties = new Map<string, SapProperty>();
    const navigations = new Map<string, { target: string; many: boolean }>();
    for (const [field, p] of Object.entries<OpenApiProperty>({ ...schema.properties, ...(create?.properties ?? {}) })) {
      const ref: string | undefined = p.$ref ?? p.properties?.results?.items?.$ref;
      if (ref) navigations.set(field, { target: setOfSchema(ref), many: !p.$ref });
      else if (p.type === 'object') navigations.set(field, { target: field.replace(/^to_/, 'A_'), many: true });
      else properties.set(field, property(p));
    }
    entitySets.set(name, { name, keys: create?.required ?? schema.required ?? [], properties, navigations, creatable: Boolean(spec.paths[route]!.post) });
  }
  const functions = new Map<string, SapFunction>();
  for (const [route, operations] of Object.entries(spec.paths)) {
    const name = /^\/([A-Z]\w*)$/.exec(route)?.[1];
    if (!name || entitySets.has(name) || name.startsWith('A_')) continue;
    const [method, operation] = Object.entries(operations)[0]!;
    const parameters = new Map<string, SapProperty & { required: boolean }>();
    for (const p of operation.parameters ?? []) if (p.in === 'query') parameters.set(p.name, { type: String(p.schema?.pattern ?? '').startsWith('^datetime') ? 'Edm.DateTime' : 'Edm.String', nullable: !p.required, required: Boolean(p.required) });
    functions.set(name, { name, method: method.toUpperCase(), parameters });
  }
  return { service, entitySets, functions, metadata: edmxOf(service, entitySets) };
}

/** An EDMX of the model, for a service SAP publishes only as OpenAPI (what its $metadata would say of these fields). */
function edmxOf(service: SapService, sets: ReadonlyMap<string, SapEntitySet>): string {
  const attr = (p: SapProperty) =>
    [`Type="${p.type}"`, p.nullable ? '' : 'Nullable="false"', p.maxLength ? `MaxLength="${p.maxLength}"` : '', p.precision ? `Precision="${p.precision}"` : '', p.scale !== undefined ? `Scale="${p.scale}"` : ''].filter(Boolean).join(' ');
  const types = [...sets.values()]
    .map(
      (s) =>
        `<EntityType Name="${s.name}Type"><Key>${s.keys.map((k) => `<PropertyRef Name="${k}"/>`).join('')}</Key>${[...s.properties].map(([n, p]) => `<Property Name="${n}" ${attr(p)}/>`).join('')}</EntityType>`,
    )
    .join('');
  const container = [...sets.values()].map((s) => `<EntitySet Name="${s.name}" EntityType="${service}.${s.name}Type"/>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><edmx:DataServices m:DataServiceVersion="2.0"><Schema Namespace="${service}" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">${types}<EntityContainer Name="${service}_Entities" m:IsDefaultEntityContainer="true">${container}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
}

/** One thing the contract refuses in a body: the property (as a path) and why. */
export interface SapContractProblem {
  property: string;
  reason: string;
}

/**
 * What the contract refuses in a body for `entitySet` (a create, deep insert included):
 * properties it does not have, values of the wrong type, longer than their MaxLength or
 * beyond their precision and scale, navigations to unknown sets. `assigned` are the keys the
 * server gives (a document number): every other key must be in the body.
 */
export function contractProblems(contract: SapServiceContract, entitySet: string, body: Record<string, unknown>, options: { assigned?: readonly string[]; at?: string } = {}): SapContractProblem[] {
  const set = contract.entitySets.get(entitySet);
  const at = options.at ?? entitySet;
  if (!set) return [{ property: at, reason: `${contract.service} has no entity set ${entitySet}` }];
  const problems: SapContractProblem[] = [];
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('__')) continue;
    const nav = set.navigations.get(name);
    if (nav) {
      const rows = Array.isArray(value) ? value : (value as { results?: unknown })?.results;
      if (!Array.isArray(rows)) {
        problems.push({ property: `${at}/${name}`, reason: 'a deep insert gives its rows as {"results": […]}' });
        continue;
      }
      rows.forEach((row, i) => problems.push(...contractProblems(contract, nav.target, row as Record<string, unknown>, { assigned: [...set.keys, ...(options.assigned ?? [])], at: `${at}/${name}[${i}]` })));
      continue;
    }
    const property = set.properties.get(name);
    if (!property) {
      problems.push({ property: `${at}/${name}`, reason: `property ${name} is not part of ${entitySet}` });
      continue;
    }
    const reason = valueProblem(property, value);
    if (reason) problems.push({ property: `${at}/${name}`, reason });
  }
  const assigned = new Set(options.assigned ?? []);
  for (const key of set.keys) if (!assigned.has(key) && body[key] === undefined) problems.push({ property: `${at}/${key}`, reason: `key ${key} is required` });
  return problems;
}

/** Why `value` cannot be an OData v2 JSON value of `property`, or undefined. */
export function valueProblem(property: SapProperty, value: unknown): string | undefined {
  if (value === null) return property.nullable ? undefined : 'may not be null';
  switch (property.type) {
    case 'Edm.String':
      if (typeof value !== 'string') return `must be a string (Edm.String), not ${typeof value}`;
      return property.maxLength !== undefined && value.length > property.maxLength ? `is ${value.length} characters long; at most ${property.maxLength}` : undefined;
    case 'Edm.Decimal': {
      if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) return 'must be a decimal in a string (Edm.Decimal), e.g. "12.500"';
      const [whole, fraction = ''] = value.replace('-', '').split('.');
      const scale = property.scale ?? 0;
      if (fraction.replace(/0+$/, '').length > scale) return `has ${fraction.length} decimals; at most ${scale}`;
      if (property.precision !== undefined && whole!.replace(/^0+(?=\d)/, '').length > property.precision - scale) return `has more than ${property.precision - scale} digits before the point`;
      return undefined;
    }
    case 'Edm.Guid':
      return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? undefined : 'must be a GUID (Edm.Guid), e.g. "3f2504e0-4f89-51d3-9a0c-0305e82c3301"';
    case 'Edm.DateTime':
      return typeof value === 'string' && (/^\/Date\(-?\d+\)\/$/.test(value) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) ? undefined : 'must be an Edm.DateTime, "/Date(<ms>)/"';
    case 'Edm.Time':
      return typeof value === 'string' && /^PT\d{1,2}H\d{1,2}M\d{1,2}S$/.test(value) ? undefined : 'must be an Edm.Time, "PT<h>H<m>M<s>S"';
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false (Edm.Boolean)';
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : `must be an integer (${property.type})`;
    default:
      return undefined;
  }
}

/** An Edm.DateTime for a floor date (YYYY-MM-DD): midnight UTC, as SAP's JSON writes it. */
export function sapDate(day: string): string {
  return `/Date(${Date.parse(`${day}T00:00:00Z`)})/`;
}
