/**
 * Input the bridge could not take, kept with the reason: a malformed HTTP event, an MQTT
 * payload that is not an event, an undecodable Sparkplug payload, a webhook whose signature
 * fails. Nothing is dropped silently; operators read it at GET /v1/rejected-inputs.
 */
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
  recent(limit: number): Promise<(Omit<RejectedInput, 'payload'> & { id: number; receivedAt: string; payload: string })[]>;
}

const MAX_PAYLOAD = 64 * 1024;

export function createPostgresRejectedInputs(pool: Pool): RejectedInputs {
  return {
    async record(input) {
      const payload = typeof input.payload === 'string' ? input.payload : `base64:${Buffer.from(input.payload).toString('base64')}`;
      await pool.query('INSERT INTO rejected_inputs (channel, source, reference, reason, payload) VALUES ($1, $2, $3, $4, $5)', [
        input.channel,
        input.source === undefined ? null : storableText(input.source),
        storableText(input.reference).slice(0, 1000),
        storableText(input.reason).slice(0, 4000),
        storableText(payload).slice(0, MAX_PAYLOAD),
      ]);
    },
    async recent(limit) {
      const { rows } = await pool.query('SELECT * FROM rejected_inputs ORDER BY id DESC LIMIT $1', [limit]);
      return rows.map((r) => ({
        id: Number(r.id),
        receivedAt: (r.received_at as Date).toISOString(),
        channel: r.channel,
        ...(r.source ? { source: r.source } : {}),
        reference: r.reference,
        reason: r.reason,
        payload: r.payload,
      }));
    },
  };
}
