/**
 * Exact's published fact table (contracts/exact/endpoints.json), read directly, and a
 * check of a request body against it written independently of src/erp/exact/contract.ts:
 * a test that trusted our own table would only prove it agrees with itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface PublishedField {
  edm: string;
  required: boolean;
  methods: string[];
}
export interface PublishedEndpoint {
  path: string;
  methods: string[];
  key: string;
  fields: Record<string, PublishedField>;
}

export const publishedEndpoints = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../contracts/exact/endpoints.json'), 'utf8')) as { endpoints: PublishedEndpoint[] }
).endpoints;

const types: Record<string, (v: unknown) => boolean> = {
  'Edm.Guid': (v) => typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v),
  'Edm.Double': (v) => typeof v === 'number',
  'Edm.Int32': (v) => Number.isInteger(v),
  'Edm.Byte': (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255,
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.DateTime': (v) => typeof v === 'string' && !Number.isNaN(Date.parse(String(v))),
  'Edm.String': (v) => typeof v === 'string',
};

/** Why Exact's fact table refuses this body for a method on an endpoint, or [] when it takes it. */
export function factTableProblems(entity: string, method: 'POST' | 'PUT', body: Record<string, unknown>): string[] {
  const endpoint = publishedEndpoints.find((e) => e.path === entity);
  if (!endpoint) return [`${entity} is not a published endpoint`];
  if (!endpoint.methods.includes(method)) return [`${entity} does not take ${method}`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    const field = endpoint.fields[name];
    if (!field) problems.push(`${entity}.${name} does not exist`);
    else if (!field.methods.includes(method)) problems.push(`${entity}.${name} is not writable by ${method}`);
    else if (value !== null && types[field.edm] && !types[field.edm]!(value)) problems.push(`${entity}.${name} is not a valid ${field.edm}: ${JSON.stringify(value)}`);
  }
  for (const [name, field] of Object.entries(endpoint.fields)) {
    if (field.required && field.methods.includes(method) && name !== endpoint.key && (body[name] === undefined || body[name] === null)) problems.push(`${entity}.${name} is mandatory`);
  }
  return problems;
}
