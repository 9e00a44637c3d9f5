/**
 * Delivers an alert to every configured channel. A channel that fails makes the activity
 * retry; the channels already reached are kept in the activity's heartbeat details, so a
 * retry does not send them the alert again.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { AlertChannel } from '../alerts/channels';
import type { Alert } from '../domain/alerts';

export function createAlertActivities(channels: readonly AlertChannel[]) {
  return {
    async sendAlert(alert: Alert): Promise<{ delivered: string[] }> {
      const context = Context.current();
      const reached = new Set<string>((context.info.heartbeatDetails as { reached?: string[] } | undefined)?.reached ?? []);
      if (channels.length === 0) log.warn(`alert (no channel configured): ${alert.title}`, { key: alert.key });
      const failures: string[] = [];
      for (const channel of channels.filter((c) => !reached.has(c.name))) {
        try {
          await channel.send(alert);
          reached.add(channel.name);
          context.heartbeat({ reached: [...reached] });
        } catch (error) {
          failures.push(`${channel.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failures.length > 0) throw ApplicationFailure.retryable(`alert ${alert.key} not delivered by ${failures.join('; ')}`, 'AlertNotDelivered');
      return { delivered: [...reached] };
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
