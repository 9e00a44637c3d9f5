/**
 * The loopback ERP as a module: a connection is its address and token. `npm start` can run
 * its simulator for a connection that names no address.
 */
import { z } from 'zod';
import type { PostingRequest } from '../adapter';
import { bearerAuthentication, createHttpTransport, exchangeLog } from '../http/transport';
import { type ContractFixture, type ErpModule, type OpenedConnection, issueReversalOf } from '../module';
import { LOOPBACK_POSTING_RULES, createLoopbackAdapter } from './adapter';
import { createLoopbackSimulator } from './simulator';

export const LoopbackSettings = z.strictObject({
  baseUrl: z.url().optional(),
  token: z.string().min(8, 'must be at least 8 characters (a secret)'),
  timeoutMs: z.number().int().positive().default(10_000),
  maxPostingsPerSecond: z.number().positive().max(1000).default(50),
});
export type LoopbackSettings = z.infer<typeof LoopbackSettings>;

function openLoopback(settings: LoopbackSettings & { baseUrl: string }): OpenedConnection {
  const http = createHttpTransport({
    erp: 'the loopback ERP',
    timeoutMs: settings.timeoutMs,
    middleware: [bearerAuthentication({ accessToken: async () => settings.token }), exchangeLog],
    // Its error body: {"error": {"code", "message", "field"}}.
    classify: () => undefined,
  });
  return {
    adapter: createLoopbackAdapter(http, settings.baseUrl),
    description: `the loopback ERP at ${settings.baseUrl}`,
    maxPostingsPerSecond: settings.maxPostingsPerSecond,
    async check() {
      const checkedAt = new Date().toISOString();
      try {
        await http({ method: 'GET', url: `${settings.baseUrl}/api/health`, headers: { Accept: 'application/json' } });
        return { ok: true, detail: `the loopback ERP at ${settings.baseUrl} answers`, checkedAt };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error), checkedAt };
      }
    },
    state: async () => ({ state: 'Connected', authentication: 'static-token' }),
  };
}

export const loopbackModule: ErpModule<LoopbackSettings> = {
  erp: 'loopback',
  title: 'Loopback ERP',
  settings: LoopbackSettings,
  postingRules: () => LOOPBACK_POSTING_RULES,
  async open(settings, context) {
    if (!settings.baseUrl) throw new Error(`ERP connection ${context.id}: baseUrl is required`);
    return openLoopback({ ...settings, baseUrl: settings.baseUrl });
  },
  simulator: {
    wanted: (settings) => settings.baseUrl === undefined,
    async start(settings, options) {
      const simulator = createLoopbackSimulator({ token: settings.token });
      const url = await simulator.listen(options.port ?? 0, options.host);
      return { url, settings: { ...settings, baseUrl: url }, handle: simulator, stop: () => simulator.close() };
    },
  },
  async contract(): Promise<ContractFixture> {
    const token = 'loopback-contract-token';
    const simulator = createLoopbackSimulator({ token });
    const url = await simulator.listen(0);
    const settings = LoopbackSettings.parse({ baseUrl: url, token, timeoutMs: 2000 });
    const simulatorCall = async (path: string, body: unknown) => {
      const answer = await fetch(`${url}/_simulator/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (!answer.ok) throw new Error(`the loopback simulator refused ${path}: ${await answer.text()}`);
    };
    const issue = (key: string, quantity: string): PostingRequest => ({
      idempotencyKey: key,
      content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: 'LB-1', erpOrderReference: 'LB-1', transactionDate: '2026-12-01', material: 'STEEL', erpMaterial: 'STEEL', quantity, unit: 'kg' },
    });
    return {
      connection: openLoopback({ ...settings, baseUrl: url }),
      settings,
      badCredentials: async () => openLoopback({ ...settings, baseUrl: url, token: 'not-the-token' }),
      unreachable: async () => openLoopback({ ...settings, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 }),
      validPosting: async (key, variant = 0) => issue(key, String(12 + variant)),
      invalidPosting: async (key) => issue(key, '1.23456'),
      reversalOf: issueReversalOf,
      loseNextAnswer: () => simulatorCall('faults', { loseAnswer: true }),
      failNext: (status, retryAfterSeconds) => simulatorCall('faults', { status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }),
      bookByHand: async (request) => {
        const c = request.content as Extract<PostingRequest['content'], { kind: 'MaterialIssue' }>;
        await simulatorCall('documents', { kind: c.kind, order: c.erpOrderReference, material: c.erpMaterial, quantity: c.quantity, unit: c.unit });
      },
      documents: async () =>
        simulator.documents
          .filter((d) => d.kind !== 'Reversal')
          .map((d) => ({ id: d.id, quantity: String(Number(d.quantity) - simulator.documents.filter((r) => r.reverses === d.id).reduce((sum, r) => sum + Number(r.quantity), 0)) })),
      stop: () => simulator.close(),
    };
  },
};
