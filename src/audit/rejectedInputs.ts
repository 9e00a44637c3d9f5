/**
 * Input the bridge could not take, kept with the reason: a malformed HTTP event, an MQTT
 * payload that is not an event, an undecodable Sparkplug payload, a webhook whose signature
 * fails. Nothing is dropped silently; operators read it at GET /v1/rejected-inputs. A
 * payload is kept to its first 4 KiB, with its size and SHA-256.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { storableText } from '../database/database';

export interface RejectedInput {
  channel: 'http' | 'mqtt' | 'sparkplug' | 'opcua';
  source?: string;
  /** Where it came in: the HTTP route, the MQTT topic, the OPC UA node. */
  reference: string;
  reason: string;
  /** What arrived: text as is, bytes as base64. */
  payload: string | Uint8Array;
}

export interface RejectedInputs {
  record(input: RejectedInput): Promise<void>;
  /** The latest refused inputs, newest first; `source`: only that source's. */
  recent(limit: number, filter?: { source?: string }): Promise<(Omit<RejectedInput, 'payload'> & { id: number; receivedAt: string; payload: string; payloadBytes?: number; payloadSha256?: string })[]>;
}

/** What is kept of a refused payload: its first 4 KiB (its size and digest say the rest). */
export const KEPT_PAYLOAD_BYTES = 4 * 1024;

export function createPostgresRejectedInputs(pool: Pool): RejectedInputs {
  return {
    async record(input) {
      const bytes = typeof input.payload === 'string' ? Buffer.from(input.payload, 'utf8') : Buffer.from(input.payload);
      const kept = bytes.subarray(0, KEPT_PAYLOAD_BYTES);
      const payload = typeof input.payload === 'string' ? kept.toString('utf8').replace(/\uFFFD$/, '') : `base64:${kept.toString('base64')}`;
      await pool.query('INSERT INTO rejected_inputs (channel, source, reference, reason, payload, payload_bytes, payload_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        input.channel,
        input.source === undefined ? null : storableText(input.source).slice(0, 200),
        storableText(input.reference).slice(0, 1000),
        storableText(input.reason).slice(0, 4000),
        storableText(payload),
        bytes.length,
        createHash('sha256').update(bytes).digest('hex'),
      ]);
    },
    async recent(limit, filter = {}) {
      const { rows } =
        filter.source === undefined
          ? await pool.query('SELECT * FROM rejected_inputs ORDER BY id DESC LIMIT $1', [limit])
          : await pool.query('SELECT * FROM rejected_inputs WHERE source = $2 ORDER BY id DESC LIMIT $1', [limit, filter.source]);
      return rows.map((r) => ({
        id: Number(r.id),
        receivedAt: (r.received_at as Date).toISOString(),
        channel: r.channel,
        ...(r.source ? { source: r.source } : {}),
        reference: r.reference,
        reason: r.reason,
        payload: r.payload,
        ...(r.payload_bytes === null || r.payload_bytes === undefined ? {} : { payloadBytes: Number(r.payload_bytes), payloadSha256: r.payload_sha256 }),
      }));
    },
  };
}
