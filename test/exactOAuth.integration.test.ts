/**
 * Exact Online's OAuth2 against the simulator's authority (single-use rotating refresh
 * tokens, no refresh before 570 s of a 600 s token, a reused refresh token kills the
 * chain), on a scale of seconds: tokens live 3 s and may be refreshed after 2 s.
 */
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExactOAuth } from '../src/erp/exact/oauth';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type SlackSink, startSlackSink } from './alertSinks';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

const seconds = { accessTokenLifetimeMs: 3000, refreshAllowedAfterMs: 2000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Exact Online OAuth2', () => {
  let bridge: Bridge;
  let pool: Pool;
  let slack: SlackSink;
  beforeAll(async () => {
    slack = await startSlackSink();
    bridge = await startBridge({ EXACT_CLIENT_ID: 'bridge-test', EXACT_CLIENT_SECRET: 'secret', EXACT_REAUTHORIZATION_CHECK_MS: '1000', ALERT_SLACK_WEBHOOK_URL: slack.url }, { oauth: seconds });
    pool = new Pool({ connectionString: bridge.workerEnv.DATABASE_URL, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await bridge?.teardown();
    await slack?.close();
  });

  /** Another worker of the same division: its own token client over the same PostgreSQL. */
  const worker = () =>
    createExactOAuth({ pool, baseUrl: bridge.simulatorUrl, division: 123456, clientId: 'bridge-test', clientSecret: 'secret', timeoutMs: 5000, refreshMarginMs: 1000, deadChainRetryMs: 1000 });
  const authority = () => bridge.simulator.oauth!;

  it('reuses the access token until it is about to expire, then refreshes once, and the chain lives on', async () => {
    const before = authority().state();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => worker().accessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(authority().state().token).toBe(before.token); // no refresh while the token is young
    await sleep(2200);
    const refreshed = await worker().accessToken();
    expect(refreshed).not.toBe(tokens[0]);
    expect(authority().state()).toMatchObject({ alive: true, refreshed: before.refreshed + 1, refused: before.refused });
  });

  it('lets two workers refresh at the same moment without breaking the token chain', async () => {
    await sleep(2200);
    const before = authority().state();
    const [a, b] = [worker(), worker()];
    const tokens = await Promise.all([a.accessToken(), b.accessToken(), a.accessToken(), b.accessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(authority().state()).toMatchObject({ alive: true, refreshed: before.refreshed + 1, refused: before.refused });
    // What the row lock prevents: spending the same refresh token twice kills the chain.
    const stored = (await pool.query<{ refresh_token: string }>('SELECT refresh_token FROM exact_oauth_tokens')).rows[0]!.refresh_token;
    const rogue = authority().refresh({ grant_type: 'refresh_token', refresh_token: stored, client_id: 'bridge-test', client_secret: 'secret' });
    expect(rogue.status).toBe(400); // too early: the simulator refuses a refresh before the token has aged
    expect(authority().state().alive).toBe(true);
  });

  it('turns a dead chain into one alert that postings wait on, and resumes when an operator authorizes again', async () => {
    const plant = newPlant();
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7101, itemCode: 'PIN', plannedQuantity: 5, unit: 'pc' });
    // Someone spends the stored refresh token elsewhere (a second bridge on the same credentials): Exact rotates it,
    // and the bridge's next refresh uses the old one.
    await sleep(2200);
    const stored = (await pool.query<{ refresh_token: string }>('SELECT refresh_token FROM exact_oauth_tokens')).rows[0]!.refresh_token;
    expect(authority().refresh({ grant_type: 'refresh_token', refresh_token: stored, client_id: 'bridge-test', client_secret: 'secret' }).status).toBe(200);
    await pool.query('UPDATE exact_oauth_tokens SET access_expires_at = now()');

    const events = floorEvents(plant, '7101');
    for (const event of [events.released('5'), events.quantity('q', '5'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const connections = async () => ((await (await fetch(`${bridge.starterUrl}/v1/erp/connections`)).json()) as { connections: any[] }).connections;
    expect(await eventually(connections, (c) => c[0]?.state === 'NeedsAttention')).toEqual([
      expect.objectContaining({ id: 'exact-123456', erp: 'exact', state: 'NeedsAttention', authentication: 'oauth2', reason: 'Old refresh token used.', check: expect.objectContaining({ ok: false, detail: expect.stringContaining('Old refresh token used.') }) }),
    ]);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '7101'));
    await sleep(2500);
    // The posting waits (Pending, not a person's problem per order), and the token endpoint is not hammered.
    expect((await handle.query(statusQuery)).erpSyncStatus).toBe('Pending');
    const refusedWhileDead = authority().state().refused;
    await sleep(2000);
    expect(authority().state().refused).toBe(refusedWhileDead);
    const waiting = await bridge.audit.attemptsFor(plant, '7101');
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    expect(waiting.every((a) => a.errorType === 'ReauthorizationRequired' && a.outcome === 'retryable-error')).toBe(true);
    expect(waiting.flatMap((a) => a.exchanges).filter((x) => x.path.startsWith('/api/v1/'))).toEqual([]); // nothing was sent to Exact's API
    // People were told once, on Slack, what to do; the order itself raised nothing (its posting only waits).
    expect(slack.delivered.map((m) => m.text)).toEqual(['Exact Online division 123456 needs authorizing again']);
    expect(JSON.stringify(slack.delivered[0]!.blocks)).toContain('Old refresh token used.');

    // A user consents again in Exact; the operator hands the bridge the code from Exact's redirect.
    const refused = await bridge.put('/v1/erp/connections/exact-123456/authorization', {});
    expect(refused.status).toBe(400);
    const badCode = await bridge.put('/v1/erp/connections/exact-123456/authorization', { code: 'made-up', redirectUri: 'https://bridge.example/callback' });
    expect(badCode).toMatchObject({ status: 422, body: { detail: expect.stringContaining('authorization code is invalid') } });
    const code = authority().authorizationCode();
    const authorized = await fetch(`${bridge.starterUrl}/v1/erp/connections/exact-123456/authorization`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code, redirectUri: 'https://bridge.example/callback' }) });
    expect(authorized.status).toBe(204);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync', 20_000);
    expect((await bridge.ledger()).filter((e) => e.record.ShopOrderNumber === 7101).map((e) => [e.entity, e.record.Quantity])).toEqual([['manufacturing/ShopOrderReceipts', 5]]);
    expect((await connections())[0]).toMatchObject({ state: 'Connected' });
    // The audit trail never holds a token or the client secret.
    const audit = JSON.stringify(await bridge.audit.attemptsFor(plant, '7101'));
    const { refresh_token: stored2 } = (await pool.query<{ refresh_token: string }>('SELECT refresh_token FROM exact_oauth_tokens')).rows[0]!;
    expect(audit).not.toContain(stored2);
    expect(audit).not.toContain('secret');
  });

  it('suspends the connection on a 403 instead of collecting 403s until Exact blocks the key', async () => {
    const plant = newPlant();
    bridge.simulator.seedShopOrder({ shopOrderNumber: 7201, itemCode: 'PIN', plannedQuantity: 2, unit: 'pc' });
    bridge.simulator.injectFault({ kind: 'status', status: 403, method: 'GET', path: 'manufacturing/ShopOrders', times: 50 });
    const events = floorEvents(plant, '7201');
    for (const event of [events.released('2'), events.quantity('q', '2'), events.completed()]) expect((await bridge.postEvent(event)).status).toBe(202);
    const connections = async () => ((await (await fetch(`${bridge.starterUrl}/v1/erp/connections`)).json()) as { connections: any[] }).connections;
    expect((await eventually(connections, (c) => c[0]?.state === 'NeedsAttention'))[0].reason).toMatch(/^Exact Online forbids GET .*ShopOrders \(Forbidden\): check the app's rights/);
    await sleep(3000);
    expect(50 - (bridge.simulator.pendingFaults()[0]?.times ?? 0), '403s Exact sent').toBeLessThanOrEqual(2);
    // The rights are fixed in Exact, and an operator authorizes again.
    bridge.simulator.clearFaults();
    const code = authority().authorizationCode();
    expect((await bridge.put('/v1/erp/connections/exact-123456/authorization', { code, redirectUri: 'https://bridge.example/callback' })).status).toBe(204);
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, '7201'));
    expect((await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync', 20_000)).erpSyncStatus).toBe('InSync');
    expect(slack.delivered.map((m) => m.text)).toEqual(['Exact Online division 123456 needs authorizing again', 'Exact Online division 123456 needs authorizing again']);
  });
});

describe('Exact Online tokens at rest', () => {
  let bridge: Bridge;
  let pool: Pool;
  beforeAll(async () => {
    bridge = await startBridge({ EXACT_CLIENT_ID: 'bridge-test', EXACT_CLIENT_SECRET: 'secret', PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` }, { oauth: seconds });
    pool = new Pool({ connectionString: bridge.workerEnv.DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await bridge?.teardown();
  });

  it('keeps the refresh and access tokens sealed in PostgreSQL, and posts with them', async () => {
    const { rows } = await pool.query<{ refresh_token: string; access_token: string }>('SELECT refresh_token, access_token FROM exact_oauth_tokens');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.refresh_token).toMatch(/^sealed:v1:k1:/);
    expect(rows[0]!.access_token).toMatch(/^sealed:v1:k1:/);
    // The simulator's refresh tokens begin rt-: none is readable in the row.
    expect(rows[0]!.refresh_token).not.toContain('rt-');
    const plant = newPlant();
    bridge.simulator.seedShopOrder({ shopOrderNumber: 5301, itemCode: 'BRACKET', plannedQuantity: 5, unit: 'pc' });
    const events = floorEvents(plant, '5301');
    for (const e of [events.released('5'), events.quantity('q', '5'), events.completed()]) expect((await bridge.postEvent(e)).status).toBe(202);
    const handle = bridge.client.workflow.getHandle(productionOrderWorkflowId(plant, '5301'));
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync', 30_000);
  });
});
