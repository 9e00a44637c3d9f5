/** HTTP facts every ERP transport reads the same way. */

/** How long an HTTP Retry-After header (seconds, or an HTTP date) asks to wait, in milliseconds. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('Retry-After')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
