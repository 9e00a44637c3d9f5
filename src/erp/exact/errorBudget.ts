/**
 * Exact Online blocks an app key that causes more than 10 client errors (400, 401, 403, 404) on one
 * endpoint within an hour. The bridge checks every body against Exact's contract first, so
 * its own bad requests are rare; this budget makes sure that, whatever slips through, an
 * endpoint pauses before Exact blocks the key. Kept in PostgreSQL, it is one budget for all
 * workers of a division; in memory (without a database), one per process.
 */
import type { Pool } from 'pg';
import { ErpError } from '../adapter';

import type { ClientErrorBudget } from '../http/transport';

export type { ClientErrorBudget };

const HOUR_MS = 3_600_000;

function spent(endpoint: string, count: number, oldest: number): ErpError {
  return new ErpError(`${count} client errors on ${endpoint} in the last hour; pausing it so that Exact Online does not block the key`, 'retryable', 'ErrorBudgetSpent', {
    retryAfterMs: Math.max(1000, oldest + HOUR_MS - Date.now()),
  });
}

/** One process's budget: for a single worker, or where no database is at hand. */
export function inMemoryErrorBudget(perHour: number): ClientErrorBudget {
  const errors = new Map<string, number[]>();
  const recent = (endpoint: string) => (errors.get(endpoint) ?? []).filter((at) => at > Date.now() - HOUR_MS);
  return {
    async check(endpoint) {
      const within = recent(endpoint);
      if (within.length >= perHour) throw spent(endpoint, within.length, within[0]!);
    },
    async record(endpoint) {
      errors.set(endpoint, [...recent(endpoint), Date.now()]);
    },
  };
}

/** The division's budget, shared by every worker that posts to it. */
export function postgresErrorBudget(pool: Pool, division: number, perHour: number): ClientErrorBudget {
  return {
    async check(endpoint) {
      const { rows } = await pool.query<{ count: string; oldest: Date | null }>(
        `SELECT count(*) AS count, min(at) AS oldest FROM exact_client_errors WHERE division = $1 AND endpoint = $2 AND at > now() - interval '1 hour'`,
        [division, endpoint],
      );
      const count = Number(rows[0]?.count ?? 0);
      if (count >= perHour) throw spent(endpoint, count, rows[0]!.oldest!.getTime());
    },
    async record(endpoint) {
      await pool.query('INSERT INTO exact_client_errors (division, endpoint) VALUES ($1, $2)', [division, endpoint]);
      await pool.query(`DELETE FROM exact_client_errors WHERE division = $1 AND at < now() - interval '1 day'`, [division]);
    },
  };
}
