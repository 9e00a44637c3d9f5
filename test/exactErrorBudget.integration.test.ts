/**
 * Exact blocks an app key after 10 client errors an hour on one endpoint, counted across
 * every worker. Two workers' transports share one budget in PostgreSQL and stop sending
 * before Exact would block the key.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/database/database';
import type { ErpError } from '../src/erp/adapter';
import { postgresErrorBudget } from '../src/erp/exact/errorBudget';
import { fixedExactToken } from '../src/erp/exact/oauth';
import { type ExactSimulator, createExactSimulator } from '../src/erp/exact/simulator';
import { createExactTransport } from '../src/erp/exact/transport';
import { testDatabaseUrl } from './harness';

describe("Exact's error budget, shared by the workers of a division", () => {
  let simulator: ExactSimulator;
  let url: string;
  let database: Database;
  const schema = `budget_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Pool({ connectionString: testDatabaseUrl, max: 1 });
  beforeAll(async () => {
    simulator = createExactSimulator({ division: 9, accessTokens: ['t'] });
    url = await simulator.listen(0);
    await admin.query(`CREATE SCHEMA ${schema}`);
    database = await openDatabase(`${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('stops sending to an endpoint once the workers together caused its budget of client errors', async () => {
    const worker = () =>
      createExactTransport({ baseUrl: url, division: 9, tokens: fixedExactToken('t'), timeoutMs: 5000, errorBudget: postgresErrorBudget(database.pool, 9, 8) });
    const [first, second] = [worker(), worker()];
    simulator.injectFault({ kind: 'status', status: 400, method: 'GET', path: 'manufacturing/Workcenters', times: 100 });
    const read = (transport: ReturnType<typeof worker>) => transport.list('manufacturing/Workcenters', { filter: "Code eq 'SAW'", select: ['ID'] }).then(() => 'ok', (error: ErpError) => error.type);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await read(i % 2 === 0 ? first : second), await read(i % 2 === 0 ? second : first));
    expect(answers.filter((a) => a === 'ValidationRejected')).toHaveLength(8);
    expect(answers.slice(8)).toEqual(['ErrorBudgetSpent', 'ErrorBudgetSpent', 'ErrorBudgetSpent', 'ErrorBudgetSpent']);
    // Eight requests reached Exact; the rest never left the workers.
    expect(simulator.requestCounts().GET).toBe(8);
    // Another endpoint is not paused.
    expect(await first.list('manufacturing/ShopOrders', { filter: 'ShopOrderNumber eq 1', select: ['ID'] })).toEqual([]);
  });
});
