/** Configuration is parsed once at start-up; a bad value stops the process naming the variable and the reason. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { orderRoutes, postingTaskQueueOf } from '../src/erp/connections';

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

  it("reads today's EXACT_* variables as one connection serving every plant, on the posting queue orders started before connections post on", () => {
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: 'bridge', EXACT_BASE_URL: 'https://start.exactonline.nl', EXACT_DIVISION: '42', EXACT_MAX_POSTINGS_PER_SECOND: '0.5' });
    expect(config.erp.connections).toEqual([
      expect.objectContaining({ id: 'exact-42', erp: 'exact', plants: ['*'], settings: expect.objectContaining({ baseUrl: 'https://start.exactonline.nl', division: 42, maxPostingsPerSecond: 0.5 }) }),
    ]);
    expect(postingTaskQueueOf('bridge', 'exact-42')).toBe('bridge-exact-42');
    expect(orderRoutes(config.erp.connections, 'bridge')('ANY-PLANT')).toMatchObject({ erpSystem: 'exact', erpConnection: 'exact-42', erpTitle: 'Exact Online', postingTaskQueue: 'bridge-exact-42' });
    expect(() => loadConfig({ EXACT_DIVISION: 'minus one' })).toThrow(/EXACT_DIVISION: /);
    expect(() => loadConfig({ EXACT_CLIENT_ID: 'app' })).toThrow(/EXACT_CLIENT_SECRET: is required with EXACT_CLIENT_ID/);
  });
});
