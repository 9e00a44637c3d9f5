/** Configuration is parsed once at start-up; a bad value stops the process naming the variable and the reason. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';

describe('configuration', () => {
  it('sends alerts nowhere but the log unless a channel is set, and links them to the Web UI', () => {
    expect(loadConfig({}).alerts).toEqual({ slackWebhookUrl: undefined, mail: undefined, webUiUrl: 'http://127.0.0.1:8233', namespace: 'default' });
    const alerts = loadConfig({ ALERT_SMTP_URL: 'smtps://bridge:pw@mail.example.com:465', ALERT_MAIL_TO: 'a@example.com, b@example.com' }).alerts;
    expect(alerts.mail).toEqual({ smtpUrl: 'smtps://bridge:pw@mail.example.com:465', from: 'shopfloor-bridge@localhost', to: ['a@example.com', 'b@example.com'] });
  });

  it('names the alert variable that is wrong, and why', () => {
    expect(() => loadConfig({ ALERT_SLACK_WEBHOOK_URL: 'hooks.slack.com/x' })).toThrow(/ALERT_SLACK_WEBHOOK_URL: must be the http\(s\) URL of a Slack incoming webhook/);
    expect(() => loadConfig({ ALERT_SMTP_URL: 'http://mail.example.com' })).toThrow(/ALERT_SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => loadConfig({ ALERT_SMTP_URL: 'smtp://mail.example.com' })).toThrow(/ALERT_MAIL_TO: is required with ALERT_SMTP_URL/);
    expect(() => loadConfig({ ALERT_SMTP_URL: 'smtp://mail.example.com', ALERT_MAIL_TO: 'production' })).toThrow(/ALERT_MAIL_TO\.0: each must be an e-mail address/);
  });
});
