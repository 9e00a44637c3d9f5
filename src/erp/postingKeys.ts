/**
 * How the bridge's posting keys travel in ERPs that have no idempotency key of their own and
 * only short fields to carry one: a UUIDv5 of the key (for a GUID field) or the key shortened
 * to 25 characters (for a header text, a reference, an external key). Both are derived from
 * the whole key, so a look-up by them finds only what this posting made.
 */
import { createHash } from 'node:crypto';

/** The bridge's own namespace for UUIDv5 (RFC 9562 §5.5): a fixed, random UUID. */
const NAMESPACE = Buffer.from('5b0c7f0e8f4a4d3e9d1a7c2b6e4f1a90', 'hex');

export function uuidV5(name: string, namespace: Buffer = NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** "SFB" and 22 base-32 digits of the key's SHA-256 (110 bits): 25 characters, what a header text holds. */
export function shortKey(key: string): string {
  const hash = createHash('sha256').update(key, 'utf8').digest();
  let bits = 0n;
  for (const byte of hash.subarray(0, 14)) bits = (bits << 8n) | BigInt(byte);
  let digits = '';
  for (let i = 0; i < 22; i++) {
    digits = BASE32[Number(bits & 31n)] + digits;
    bits >>= 5n;
  }
  return `SFB${digits}`;
}
