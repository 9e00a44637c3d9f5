/**
 * Tells each MES that subscribes (its source's `notify` in the sources file) of changes in
 * the ERP's planning for its plants, and of the master data it subscribes to (materials,
 * bills of materials, work centres): one signed POST per notice and MES, each recorded in
 * `outbound_messages` with the MES's answer. A message a MES took (2xx) is not sent to it
 * again; one it refused (4xx) is not sent again either, and is told to people; one that
 * failed (5xx, no answer) throws, so that Temporal's retry sends it again.
 */
import type { Pool } from 'pg';
import { storableJson, storableText } from '../database/database';
import type { MasterDataTopic } from '../domain/masterDataNotices';
import type { HttpSource } from '../sources/config';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from '../sources/webhookSignature';

export const MESSAGE_ID_HEADER = 'X-Shopfloor-Message-Id';

/** A MES the bridge tells: its source id, where, with which secret, for which plants, and which master data. */
export interface MesWebhook {
  destination: string;
  url: string;
  secret: string;
  plants: readonly string[];
  /** Whether it takes the ERP's planning, and which master data. */
  planning: boolean;
  masterData: readonly MasterDataTopic[];
}

export function mesWebhooksOf(sources: readonly HttpSource[]): MesWebhook[] {
  return sources.flatMap((s) => (s.notify && s.hmacSecret ? [{ destination: s.id, url: s.notify.url, secret: s.hmacSecret, plants: s.plants, planning: s.notify.planning, masterData: s.notify.masterData }] : []));
}

/** What the bridge tells a MES: its id (the MES de-duplicates on it), type and plant; the rest is the body. */
export interface OutboundNotice {
  messageId: string;
  type: string;
  plant: string;
}

/** Which MES a notice is for: every one of its plant (the ERP's planning), or those subscribed to a kind of master data. */
export interface NoticeAddress {
  /** What the notice is about, as outbound_messages names it: an ERP order, a material, a work centre. */
  subject: string;
  topic: 'planning' | MasterDataTopic;
}

/** A MES answered 4xx: the message is not sent to it again. */
export interface Refusal {
  destination: string;
  messageId: string;
  httpStatus: number;
  message: string;
}

/** Some MES could not be reached or answered 5xx: sending again may succeed. */
export class NoticeNotDelivered extends Error {
  override readonly name = 'NoticeNotDelivered';
}

export interface MesNotifier {
  /** Sends the notice to every MES for its plant (and topic); resolves with the refusals, throws NoticeNotDelivered when one should be tried again. */
  send(notice: OutboundNotice, address: NoticeAddress): Promise<{ delivered: string[]; refused: Refusal[] }>;
}

const covers = (plants: readonly string[], plant: string) => plants.includes('*') || plants.includes(plant);

export function createMesNotifier({ webhooks, pool, timeoutMs = 10_000 }: { webhooks: readonly MesWebhook[]; pool: Pool; timeoutMs?: number }): MesNotifier {
  async function earlier(destination: string, messageId: string) {
    const rows = await pool.query<{ outcome: string; attempts: string }>(
      `SELECT outcome, count(*) OVER () AS attempts FROM outbound_messages WHERE destination = $1 AND message_id = $2 ORDER BY (outcome <> 'failed') DESC LIMIT 1`,
      [destination, messageId],
    );
    const row = rows.rows[0];
    return { settled: row !== undefined && row.outcome !== 'failed', attempts: Number(row?.attempts ?? 0) };
  }

  return {
    async send(notice, { subject, topic }) {
      const delivered: string[] = [];
      const refused: Refusal[] = [];
      const failed: string[] = [];
      const body = JSON.stringify(notice);
      const wanted = (w: MesWebhook) => covers(w.plants, notice.plant) && (topic === 'planning' ? w.planning : w.masterData.includes(topic));
      for (const webhook of webhooks.filter(wanted)) {
        const before = await earlier(webhook.destination, notice.messageId);
        if (before.settled) continue;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const started = Date.now();
        let httpStatus: number | undefined;
        let error: string | undefined;
        try {
          const response = await fetch(webhook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signPayload(webhook.secret, timestamp, body), [MESSAGE_ID_HEADER]: notice.messageId },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          httpStatus = response.status;
          if (!response.ok) error = (await response.text()).slice(0, 2000) || response.statusText;
        } catch (cause) {
          error = cause instanceof Error ? cause.message : String(cause);
        }
        const retryable = httpStatus === undefined || httpStatus >= 500 || httpStatus === 408 || httpStatus === 429;
        const outcome = error === undefined ? 'delivered' : retryable ? 'failed' : 'refused';
        await pool.query(
          `INSERT INTO outbound_messages (destination, message_id, message_type, plant, subject, body, outcome, http_status, error, attempt, duration_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [webhook.destination, notice.messageId, notice.type, notice.plant, subject, storableJson(notice), outcome, httpStatus ?? null, error === undefined ? null : storableText(error), before.attempts + 1, Date.now() - started],
        );
        if (outcome === 'delivered') delivered.push(webhook.destination);
        else if (outcome === 'refused') refused.push({ destination: webhook.destination, messageId: notice.messageId, httpStatus: httpStatus!, message: error! });
        else failed.push(`${webhook.destination} (${webhook.url}): ${httpStatus ? `HTTP ${httpStatus}: ` : ''}${error}`);
      }
      if (failed.length > 0) throw new NoticeNotDelivered(`${notice.type} of ${topic === 'planning' ? 'order ' : ''}${subject} not delivered to ${failed.join('; ')}`);
      return { delivered, refused };
    },
  };
}
