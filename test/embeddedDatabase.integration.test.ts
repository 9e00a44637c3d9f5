/**
 * The embedded PostgreSQL (`npm start` without DATABASE_URL) runs in a process of its own:
 * psql and the bridge's own pool use it at the same time, without errors, and a transaction
 * of one connection is never interleaved with another's statements.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/database/database';
import { freePort } from '../src/temporal/devServer';

const run = promisify(execFile);

describe('the embedded PostgreSQL', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase(undefined, await freePort(), path.join(mkdtempSync(path.join(tmpdir(), 'pglite-')), 'data'));
  }, 120_000);
  afterAll(async () => database?.close());

  it('answers psql 100 times in a row while the bridge keeps querying it', async () => {
    expect(database.embedded).toBe(true);
    let bridgeQueries = 0;
    let stop = false;
    const busy = (async () => {
      while (!stop) {
        await database.pool.query('SELECT count(*) FROM erp_transaction_attempts');
        bridgeQueries += 1;
      }
    })();
    const answers: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { stdout } = await run('psql', [database.url, '-tAc', `SELECT ${i} + 1`]);
      answers.push(stdout.trim());
    }
    stop = true;
    await busy;
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
    expect(bridgeQueries).toBeGreaterThan(100);
  }, 120_000);

  it("never binds one connection's parameters to another's statement", async () => {
    // node-postgres sends Parse, Bind, Execute and Sync: another connection's statement between them would take its place.
    const errors: string[] = [];
    let wrong = 0;
    const pool = new Pool({ connectionString: database.url, max: 16 });
    await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        for (let i = 0; i < 60; i++) {
          try {
            // Some run in transactions: a transaction's statements go first, and must not take another's place either.
            if (k % 4 === 1) {
              const client = await pool.connect();
              try {
                await client.query('BEGIN');
                const { rows } = await client.query<{ n: number }>('SELECT $1::int + $2::int AS n', [k * 1000, i]);
                if (rows[0]?.n !== k * 1000 + i) wrong += 1;
                await client.query('COMMIT');
              } finally {
                client.release();
              }
              continue;
            }
            const { rows } = k % 2 === 0 ? await pool.query<{ n: number }>('SELECT $1::int AS n', [k * 1000 + i]) : await pool.query<{ n: number }>('SELECT $1::int + $2::int AS n', [k * 1000, i]);
            if (rows[0]?.n !== k * 1000 + i) wrong += 1;
          } catch (error) {
            errors.push(String(error));
          }
        }
      }),
    );
    await pool.end();
    expect(errors.slice(0, 3)).toEqual([]);
    expect(wrong).toBe(0);
  }, 120_000);

  it("keeps a transaction's statements together while another connection writes", async () => {
    await database.pool.query('CREATE TABLE IF NOT EXISTS embedded_probe (n int)');
    const a = await database.pool.connect();
    try {
      await a.query('BEGIN');
      await a.query('INSERT INTO embedded_probe VALUES (1)');
      // Another connection's write waits for the transaction's turn, and is not part of it.
      const other = database.pool.query('INSERT INTO embedded_probe VALUES (2)');
      await a.query('ROLLBACK');
      await other;
    } finally {
      a.release();
    }
    const { rows } = await database.pool.query('SELECT n FROM embedded_probe ORDER BY n');
    expect(rows).toEqual([{ n: 2 }]);
  }, 60_000);
});
