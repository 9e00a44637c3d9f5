/**
 * Secrets the bridge keeps in PostgreSQL (ERP refresh and access tokens) sealed with the
 * payload keys (AES-256-GCM, PAYLOAD_KEYS): a dump of the database or a look over a DBA's
 * shoulder shows `sealed:v1:<key id>:…`, never a token. Text stored before sealing reads
 * as it is, and is sealed when next written. Without keys, text is kept as it is.
 */
import { type PayloadKey, openWithKey, sealWithKey } from '../temporal/payloadCodec';

export interface SealedText {
  seal(text: string): string;
  open(stored: string): string;
}

const PREFIX = 'sealed:v1:';

export function createSealedText(keys: readonly PayloadKey[]): SealedText {
  const [sealing] = keys;
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(text) {
      if (!sealing) return text;
      return `${PREFIX}${sealing.id}:${sealWithKey(sealing, Buffer.from(text, 'utf8')).toString('base64')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, data] = stored.slice(PREFIX.length).split(':') as [string, string];
      const key = byId.get(id);
      if (!key) throw new Error(`a secret sealed with key ${id}, which PAYLOAD_KEYS does not hold`);
      return openWithKey({ id, key }, Buffer.from(data, 'base64')).toString('utf8');
    },
  };
}
