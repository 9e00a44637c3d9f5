/** OData v2 as ERPs speak it: literals in $filter, the {"d": …} envelope, paging by __next. */
import { ErpError } from '../adapter';
import type { Send } from './transport';

/** An OData string literal: quoted, with quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A page of an OData v2 collection: its rows and, when the server holds more, its `__next` link. */
export function odataPage<T>(body: unknown): { rows: T[]; more: boolean; next?: string } {
  const d = (body as { d?: { results?: T[]; __next?: string } } | undefined)?.d;
  if (!d || !Array.isArray(d.results)) throw new ErpError('the answer is not an OData v2 collection ({"d": {"results": […]}})', 'retryable', 'MalformedResponse');
  return d.__next === undefined ? { rows: d.results, more: false } : { rows: d.results, more: true, next: d.__next };
}

/** A `__next` link is followed only under the connection's own service root (a stored cursor cannot send the bridge elsewhere). */
export function pinnedNext(next: string, serviceRoot: string): string {
  if (!next.startsWith(serviceRoot)) throw new ErpError(`a __next link outside ${serviceRoot} is not followed: ${next}`, 'needsPerson', 'InvalidCursor');
  return next;
}

/** The service's $metadata (EDMX), as the ERP serves it: what a module checks its entity sets and fields against. */
export async function odataMetadata(http: Send, serviceRoot: string): Promise<string> {
  const root = serviceRoot.endsWith('/') ? serviceRoot : `${serviceRoot}/`;
  return (await http({ method: 'GET', url: `${root}$metadata`, headers: { Accept: 'application/xml' } })).text;
}
