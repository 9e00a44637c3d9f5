/**
 * The configuration files (sources, ERP connections): YAML or JSON (JSON is YAML), parsed
 * once at start-up. Every error names the file, the line and the field; secrets are
 * written as ${ENV_VAR} and taken from the environment.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/**
 * Parses a configuration file against its schema. Errors name the file, line and field, e.g.
 * `sources.yaml:12: opcua.machines.0.endpoint: must be an opc.tcp:// URL`.
 */
export function parseConfigFile<T extends z.ZodType>(text: string, fileName: string, schema: T, env: Record<string, string | undefined>): z.output<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? '' : `${lineCounter.linePos(offset).line}`);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    // `{ password: ${SECRET} }` is the mistake people make: in a { } map the braces of ${...} are YAML's own.
    const line = text.split('\n')[lineCounter.linePos(first.pos[0]).line - 1] ?? '';
    const hint = /\{.*\$\{\w+\}/.test(line) ? ` (inside { } write a secret in quotes: "\${NAME}")` : '';
    throw new Error(doc.errors.map((e, i) => `${fileName}:${lineOf(e.pos[0])}: ${e.message.split('\n')[0]}${i === 0 ? hint : ''}`).join('\n'));
  }
  const missing: string[] = [];
  const rangeOf = (path: (string | number)[]) => (doc.getIn(path, true) as { range?: [number] } | undefined)?.range?.[0];
  const withSecrets = interpolate(doc.toJS(), env, (name, path) => missing.push(`${fileName}:${lineOf(rangeOf(path))}: ${path.join('.')}: environment variable ${name} is not set`));
  if (missing.length > 0) throw new Error(missing.join('\n'));
  const parsed = schema.safeParse(withSecrets);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((issue) => {
          // The nearest node that exists: a missing field is reported at its parent.
          let path = [...issue.path] as (string | number)[];
          while (path.length > 0 && !doc.getIn(path, true)) path = path.slice(0, -1);
          const node = path.length > 0 ? (doc.getIn(path, true) as { range?: [number] } | undefined) : undefined;
          return `${fileName}:${lineOf(node?.range?.[0] ?? 0)}: ${issue.path.join('.') || '(file)'}: ${issue.message}`;
        })
        .join('\n'),
    );
  }
  return parsed.data;
}

/** Replaces ${NAME} in strings with the environment's value. */
function interpolate(value: unknown, env: Record<string, string | undefined>, missing: (name: string, path: (string | number)[]) => void, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) missing(name, path);
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, missing, [...path, i]));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing, [...path, k])]));
  return value;
}
