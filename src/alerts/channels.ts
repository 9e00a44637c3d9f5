/**
 * The channels alerts reach people by: a Slack incoming webhook and mail over SMTP. Each
 * formats the same Alert its own way, with a link to the workflow in the Temporal Web UI.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { Alert } from '../domain/alerts';

export interface AlertChannel {
  /** Names the channel in logs and in what an alert's delivery has reached. */
  name: string;
  send(alert: Alert): Promise<void>;
}

/** The channels configured; none when no alert destination is set. */
export function alertChannels(config: Config['alerts']): AlertChannel[] {
  const link = (alert: Alert) => (alert.workflowId ? `${config.webUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(alert.workflowId)}` : undefined);
  return [...(config.slackWebhookUrl ? [slackChannel(config.slackWebhookUrl, link)] : []), ...(config.mail ? [mailChannel(config.mail, link)] : [])];
}

/**
 * An alert's words as Slack shows them, never as markup: what came from outside (an event's
 * id, an ERP's message, a source's name) may hold `<url|label>`, mentions or `&`, which Slack
 * would render as a link or a ping. Slack's own escaping: &, < and >.
 */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackChannel(webhookUrl: string, link: (alert: Alert) => string | undefined): AlertChannel {
  return {
    name: 'slack',
    async send(alert) {
      const url = link(alert);
      const body = {
        text: slackText(alert.title),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: alert.title.slice(0, 150) } },
          { type: 'section', text: { type: 'mrkdwn', text: slackText(alert.lines.join('\n')) } },
          ...(url ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `<${url}|Open ${slackText(alert.workflowId ?? '')} in the Temporal Web UI>` }] }] : []),
        ],
      };
      const response = await fetch(webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
      // Slack answers "ok"; anything else (invalid_payload, no_service, 429 rate_limited, 5xx) is not delivered.
      if (!response.ok) throw new Error(`Slack answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    },
  };
}

function mailChannel(mail: NonNullable<Config['alerts']['mail']>, link: (alert: Alert) => string | undefined): AlertChannel {
  const transport = nodemailer.createTransport(mail.smtpUrl);
  return {
    name: 'mail',
    async send(alert) {
      const url = link(alert);
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: `[shopfloor-bridge] ${alert.title}`,
        text: [...alert.lines, ...(url ? ['', `Temporal Web UI: ${url}`] : [])].join('\n'),
        headers: { 'X-Shopfloor-Alert': alert.key },
      });
    },
  };
}
