/**
 * How webhooks are signed, both ways: the MES signs what it sends the bridge, the bridge
 * signs what it sends the MES, with the source's shared secret:
 *   X-Shopfloor-Timestamp: <unix seconds>
 *   X-Shopfloor-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Shopfloor-Timestamp';
export const SIGNATURE_HEADER = 'X-Shopfloor-Signature';

/** The signature header value for a body. */
export function signPayload(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}
