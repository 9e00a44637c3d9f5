/**
 * AFAS Profit's UpdateConnectors as this bridge uses them, checked against AFAS's own OpenAPI
 * specs (contracts/afas, from AFASSoftware/OASContent) with Ajv: the adapter checks every body
 * before sending it, the simulator refuses what the schema refuses. AFAS takes numbers as
 * strings too (its own examples send them so, and the bridge sends decimals as strings, never
 * binary floats), and `Element` and `Objects` as one object or an array: both are accepted,
 * as AFAS does (the schema is read with every Element a list, a single one as a list of one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { projectRoot } from '../../projectRoot';

/** Each UpdateConnector the bridge posts to, and the spec that describes it. */
export const afasConnectors = {
  FbStockMutation: 'warehouse.json',
  FbWarTransferPrep: 'warehouse.json',
  FbWarTransferOut: 'warehouse.json',
  FbWarTransferIn: 'warehouse.json',
  FbAssembly: 'sales-and-orders.json',
  FbAssemblyPrep: 'sales-and-orders.json',
  PtRealization: 'projects-and-costing.json',
  FiEntries: 'journal-entries.json',
} as const;
export type AfasConnector = keyof typeof afasConnectors;

const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, validateFormats: false });
const loaded = new Set<string>();
const validators = new Map<string, ValidateFunction>();

/** The schema with every `Element` a list of what it describes (the specs have it so for child objects, not for the root's). */
function elementsAsLists(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(elementsAsLists);
  if (!node || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, elementsAsLists(v)])) as Record<string, unknown>;
  const properties = copy.properties as Record<string, unknown> | undefined;
  const element = properties?.Element as { type?: string } | undefined;
  if (properties && element && element.type !== 'array') properties.Element = { type: 'array', items: element, minItems: 1 };
  return copy;
}

/** A body as that schema reads it: every `Element` a list, and `Objects` (one object holding the children, in AFAS's examples) a list. */
function withElementLists(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withElementLists);
  if (!node || typeof node !== 'object') return node;
  const single = (k: string, v: unknown) => (k === 'Element' || k === 'Objects') && v !== null && typeof v === 'object' && !Array.isArray(v);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, single(k, v) ? [withElementLists(v)] : withElementLists(v)]));
}

function validatorOf(connector: AfasConnector, method: 'POST' | 'PUT'): ValidateFunction {
  const key = `${connector}_${method}`;
  let validate = validators.get(key);
  if (!validate) {
    const file = afasConnectors[connector];
    if (!loaded.has(file)) {
      const spec = JSON.parse(readFileSync(path.join(projectRoot, 'contracts', 'afas', file), 'utf8')) as { components: unknown };
      ajv.addSchema({ $id: `afas:${file}`, components: elementsAsLists(spec.components) });
      loaded.add(file);
    }
    validate = ajv.getSchema(`afas:${file}#/components/schemas/${key}`);
    if (!validate) throw new Error(`${file} has no schema ${key}`);
    validators.set(key, validate);
  }
  return validate;
}

/** What AFAS's schema refuses in a body of `connector`, by field path; empty when it validates. */
export function afasContractProblems(connector: AfasConnector, method: 'POST' | 'PUT', body: unknown): { field: string; message: string }[] {
  const validate = validatorOf(connector, method);
  // Validated on a copy: coercion (numbers sent as strings) must not change what is sent.
  if (validate(withElementLists(body))) return [];
  return (validate.errors ?? []).map((error) => ({
    field: [error.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.'), error.keyword === 'required' ? String(error.params.missingProperty) : '']
      .filter(Boolean)
      .join('.'),
    message: error.message ?? error.keyword,
  }));
}

/** The Element(s) of a body's root object, as a list. */
/** The root object of a connector's body: its own name, but FiEntries takes FiEntryPar. */
export const rootObjectOf = (connector: AfasConnector): string => (connector === 'FiEntries' ? 'FiEntryPar' : connector);

export function elementsOf(body: Record<string, unknown>, connector: AfasConnector): Record<string, unknown>[] {
  const element = (body[rootObjectOf(connector)] as { Element?: unknown } | undefined)?.Element;
  return (Array.isArray(element) ? element : element ? [element] : []) as Record<string, unknown>[];
}
