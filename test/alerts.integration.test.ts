/**
 * Alerts: a posting Exact refuses for good reaches people on Slack and by mail, once per
 * refusal, with what to do; a channel that is down gets it when it is back, and the one
 * that already had it does not get it twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrder, productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type MailSink, type SlackSink, startMailSink, startSlackSink } from './alertSinks';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('alerts', () => {
  let bridge: Bridge;
  let slack: SlackSink;
  let mail: MailSink;
  beforeAll(async () => {
    // Slack is down for the first alert's first attempt.
    [slack, mail] = await Promise.all([startSlackSink({ refuseFirst: 1 }), startMailSink()]);
    bridge = await startBridge({
      ALERT_SLACK_WEBHOOK_URL: slack.url,
      ALERT_SMTP_URL: mail.url,
      ALERT_MAIL_FROM: 'bridge@factory.example',
      ALERT_MAIL_TO: 'production@factory.example, erp-team@factory.example',
      ALERT_WEB_UI_URL: 'http://temporal.factory.example:8233',
      // Every event is planned at once: a turn of the order follows each.
      POSTING_BATCH_WINDOW: '0',
    });
  });
  afterAll(async () => {
    await bridge?.teardown();
    await Promise.all([slack?.close(), mail?.close()]);
  });

  it('tells Slack and mail once when Exact refuses a posting for good, and again only when it refuses again', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5106'); // Exact knows no shop order 5106
    for (const event of [events.released('5'), events.quantity('q1', '5'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5106'));
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');

    // Mail went at once; Slack refused, and got it on the activity's retry (5 s later), mail not again.
    await eventually(async () => slack.delivered.length, (n) => n === 1, 20_000);
    expect(slack.refused).toBe(1);
    expect(mail.mails).toHaveLength(1);
    const [message] = slack.delivered;
    expect(message!.text).toBe(`Order ${plant}/5106: Exact Online refused posting 1 (UnknownShopOrder)`);
    const text = JSON.stringify(message!.blocks);
    expect(text).toContain(`npm run cli -- retry ${plant} 5106 1`);
    expect(text).toContain(`http://temporal.factory.example:8233/namespaces/default/workflows/${encodeURIComponent(`production-order/${plant}/5106`)}`);
    const [letter] = mail.mails;
    expect(letter!.to).toEqual(['production@factory.example', 'erp-team@factory.example']);
    expect(letter!.headers.subject).toBe(`[shopfloor-bridge] Order ${plant}/5106: Exact Online refused posting 1 (UnknownShopOrder)`);
    expect(letter!.headers['x-shopfloor-alert']).toMatch(new RegExp(`^production-order/${plant}/5106#1/\\d+$`));

    // An operator retries without fixing the cause: Exact refuses again, and that is a new alert.
    expect((await bridge.post(`/v1/orders/${plant}/5106/postings/1/retry`)).status).toBe(200);
    await eventually(async () => mail.mails.length, (n) => n === 2);
    await eventually(async () => slack.delivered.length, (n) => n === 2);
    const keys = mail.mails.map((m) => m.headers['x-shopfloor-alert']);
    expect(new Set(keys).size).toBe(2);

    // Fixed, it posts; nothing more is sent.
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5106, itemCode: 'BRACKET', plannedQuantity: 5, unit: 'pc' });
    expect((await bridge.post(`/v1/orders/${plant}/5106/postings/1/retry`)).status).toBe(200);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync');
    expect(mail.mails).toHaveLength(2);
    expect(slack.delivered).toHaveLength(2);
  });

  it('tells people of a workflow whose workflow task fails, naming it', async () => {
    const plant = newPlant();
    const workflowId = productionOrderWorkflowId(plant, '5110');
    // A client bug: the order is started without its timing, which its code cannot take.
    await bridge.env.client.workflow.start(productionOrder, {
      workflowId,
      taskQueue: bridge.workerEnv.TEMPORAL_TASK_QUEUE!,
      args: [{ plant, productionOrder: '5110', erpSystem: 'exact', timing: null } as never],
    });
    const stuck = () => mail.mails.filter((m) => m.headers.subject === `[shopfloor-bridge] Workflow ${workflowId} is stuck: its workflow task fails`);
    await eventually(async () => stuck().length, (n) => n > 0, 20_000);
    expect(stuck()).toHaveLength(1);
    expect(stuck()[0]!.raw).toContain('TypeError');
    await bridge.env.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it("tells people once an hour that a sender's input is refused, and records every refusal", async () => {
    const refused = () => mail.mails.filter((m) => m.headers.subject?.includes('refuses http input'));
    const before = (await bridge.rejectedInputs.recent(100)).length;
    for (const quantity of ['lots', 'many']) {
      const answer = await bridge.postEvent({ ...floorEvents(newPlant(), '5107').quantity(`bad-${quantity}`, '1'), good: quantity });
      expect(answer.status).toBe(400);
    }
    await eventually(async () => refused().length, (n) => n === 1);
    expect(refused()[0]!.headers.subject).toBe('[shopfloor-bridge] The bridge refuses http input from POST /v1/events');
    expect(refused()[0]!.raw).toContain('good');
    // Both refusals are recorded; the second raised nothing more.
    expect((await bridge.rejectedInputs.recent(100)).length).toBe(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(refused()).toHaveLength(1);
    expect(slack.delivered.filter((m) => m.text.includes('refuses http input'))).toHaveLength(1);
  });

  it('tells people of an event the order could not apply and of a line it cannot plan, once each', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5108');
    const about = (order: string) => mail.mails.filter((m) => m.headers.subject?.includes(`${plant}/${order}`));
    expect((await bridge.put('/v1/master-data/materials', { plant, material: 'STEEL', baseUnit: 'kg' })).status).toBe(200);
    const e = (id: string, fields: object) => ({ eventId: `5108-${id}`, source: 'test-mes', plant, productionOrder: '5108', occurredAt: '2026-11-25T09:00:00+01:00', ...fields });
    for (const event of [
      events.released('10'),
      e('steel', { type: 'MaterialConsumed', material: 'STEEL', quantity: '3', unit: 'lb' }), // kg has no conversion from lb
      { ...events.released('10'), eventId: '5108-rel2', material: 'GATE' }, // a release cannot change the order's material
    ]) expect((await bridge.postEvent(event)).status).toBe(202);
    await eventually(async () => about('5108').length, (n) => n === 2);
    expect(about('5108').map((m) => m.headers.subject).sort()).toEqual([
      `[shopfloor-bridge] Order ${plant}/5108: a line cannot be planned`,
      `[shopfloor-bridge] Order ${plant}/5108: event 5108-rel2 (OrderReleased) was not applied`,
    ]);
    // More events, more turns of the order: the same problems are not told again.
    expect((await bridge.postEvent(events.quantity('q1', '4'))).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5108'));
    await eventually(() => handle.query(statusQuery), (v) => v.good === '4');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(about('5108')).toHaveLength(2);
  });
});

describe('alerts beside posting', () => {
  let bridge: Bridge;
  let slack: SlackSink;
  beforeAll(async () => {
    // A revoked Slack webhook: every delivery is refused, for as long as the test runs.
    slack = await startSlackSink({ refuseFirst: 1_000_000 });
    bridge = await startBridge({ ALERT_SLACK_WEBHOOK_URL: slack.url, POSTING_BATCH_WINDOW: '0', ORDER_CLOSE_AFTER: '1s' });
  });
  afterAll(async () => {
    await bridge?.teardown();
    await slack?.close();
  });

  it('closes an order while its alert still cannot reach Slack, and keeps trying to deliver it', async () => {
    const plant = newPlant();
    const events = floorEvents(plant, '5109'); // Exact knows no shop order 5109
    for (const event of [events.released('5'), events.quantity('q1', '5'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '5109'));
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'NeedsAttention');
    expect((await bridge.post(`/v1/orders/${plant}/5109/postings/1/skip`, { reason: 'booked by hand in Exact' })).status).toBe(200);
    const closed = await eventually(async () => (await handle.describe()).status.name, (s) => s === 'COMPLETED', 20_000);
    expect(closed).toBe('COMPLETED');
    // The alert lives on in a workflow of its own, still retrying Slack.
    await eventually(async () => slack.refused, (n) => n >= 2, 20_000);
    const running = async () => {
      const ids: string[] = [];
      for await (const w of bridge.env.client.workflow.list({ query: `WorkflowType = 'deliverAlert' AND ExecutionStatus = 'Running'` })) if (w.workflowId.includes(`${plant}/5109`)) ids.push(w.workflowId);
      return ids;
    };
    // Visibility (the list) follows a started workflow by a moment.
    expect(await eventually(running, (ids) => ids.length > 0)).toHaveLength(1);
  });
});
