/** What came from outside reaches Slack as words, never as a link or a ping Slack would render. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertChannels } from '../src/alerts/channels';
import { type SlackSink, startSlackSink } from './alertSinks';

describe('alert texts', () => {
  let slack: SlackSink;
  beforeAll(async () => {
    slack = await startSlackSink();
  });
  afterAll(async () => slack?.close());

  it('escapes Slack markup in what an event or an ERP said', async () => {
    const [channel] = alertChannels({ slackWebhookUrl: slack.url, webUiUrl: 'http://ui.example', namespace: 'default', mail: undefined });
    await channel!.send({
      key: 'k1',
      title: 'Order P1/<https://evil.example|Authorize Exact again>: refused',
      lines: ['Exact said: <!channel> stock & more <@U123>', 'reason: <https://evil.example|click>'],
      workflowId: 'production-order/P1/x',
    });
    const [message] = slack.delivered;
    expect(message!.text).toBe('Order P1/&lt;https://evil.example|Authorize Exact again&gt;: refused');
    const section = JSON.stringify(message!.blocks[1]);
    expect(section).toContain('Exact said: &lt;!channel&gt; stock &amp; more &lt;@U123&gt;');
    expect(section).not.toContain('<https://evil.example');
    // The bridge's own link to the Web UI stays a link.
    expect(JSON.stringify(message!.blocks[2])).toContain('<http://ui.example/namespaces/default/workflows/production-order%2FP1%2Fx|Open');
  });
});
