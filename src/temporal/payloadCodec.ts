/**
 * Workflow inputs, signals, updates, queries, results and activity payloads leave this
 * process encrypted (AES-256-GCM), so Temporal's store and its Web UI hold no order's
 * materials, quantities or ERP tokens in clear. Each payload names the key it was sealed
 * with (`encryption-key-id` in its metadata); keys come from PAYLOAD_KEYS, the first seals,
 * every one opens: rotation is adding a key in front and, once nothing sealed with the old
 * one is kept any more, dropping it. A payload from before encryption passes as it is. An
 * operator sees payloads decrypted in the Web UI through the starter API's codec endpoint.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** PAYLOAD_KEYS: `<id>:<base64 of 32 bytes>`, comma separated, the sealing key first. */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const keys = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [id, material] = entry.split(':');
      const key = Buffer.from(material ?? '', 'base64');
      if (!id || !/^[\w.-]{1,64}$/.test(id)) throw new Error(`PAYLOAD_KEYS: key ${i + 1} needs an id (letters, digits, . _ -) before its colon`);
      if (key.length !== 32) throw new Error(`PAYLOAD_KEYS: key ${id} must be 32 bytes in base64 (openssl rand -base64 32), not ${key.length}`);
      return { id, key };
    });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('PAYLOAD_KEYS: each key id once');
  return keys;
}

/** AES-256-GCM under one key: iv, ciphertext and tag in one buffer, the key's id bound to it (a sealed value cannot claim another key). */
export function sealWithKey(key: PayloadKey, plain: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(key.id));
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openWithKey(key: PayloadKey, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(key.id));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

const text = (value: string) => new TextEncoder().encode(value);
const readText = (value: Uint8Array | null | undefined) => (value ? new TextDecoder().decode(value) : undefined);

export function createEncryptionCodec(keys: readonly PayloadKey[]): PayloadCodec {
  const [sealing] = keys;
  if (!sealing) throw new Error('an encryption codec needs a key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    async encode(payloads) {
      return payloads.map((payload): Payload => {
        const sealed = sealWithKey(sealing, temporal.api.common.v1.Payload.encode(payload).finish());
        return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID]: text(sealing.id) }, data: sealed };
      });
    },
    async decode(payloads) {
      return payloads.map((payload): Payload => {
        if (readText(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
        const id = readText(payload.metadata?.[KEY_ID]) ?? '';
        const key = byId.get(id);
        if (!key) throw new Error(`a payload sealed with key ${id || '(none)'}, which PAYLOAD_KEYS does not hold`);
        return temporal.api.common.v1.Payload.decode(openWithKey({ id, key }, Buffer.from(payload.data ?? new Uint8Array())));
      });
    },
  };
}
