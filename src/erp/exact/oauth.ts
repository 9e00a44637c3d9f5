/**
 * Exact Online's OAuth2 done right, shared by every worker of a division through
 * PostgreSQL (table exact_oauth_tokens):
 * - the access token is reused until it is about to expire; Exact refuses a refresh
 *   sooner than 570 s into a 600 s token, so none is attempted before that;
 * - refresh tokens are single-use and rotate: each new one is stored durably before it is
 *   used, and a refresh happens only under a row lock, so two workers refreshing at once
 *   cannot spend the same refresh token (which would kill the chain);
 * - a dead chain (old refresh token used, expired after 30 idle days), or Exact forbidding
 *   what the app does (403), marks the connection once. Postings then wait without calling Exact, each with a long retry delay, until an
 *   operator authorizes again (PUT /v1/erp/exact/authorization): one alert, no storm.
 */
import type { Pool } from 'pg';
import type { SealedText } from '../../database/sealedText';
import { ErpError } from '../adapter';
import { type ExactTokenSource, requestExactToken } from './transport';

/** A fixed bearer token, for setups without OAuth (and the simulator's fixed-token mode). */
export function fixedExactToken(token: string): ExactTokenSource {
  return { accessToken: async () => token, expired: async () => undefined, renewable: false };
}

export interface ExactConnectionState {
  division: number;
  state: 'Connected' | 'NeedsAttention' | 'NotAuthorized';
  reason?: string;
  accessTokenExpiresAt?: string;
  refreshedAt?: string;
}

export interface ExactOAuthOptions {
  pool: Pool;
  /** Seals the tokens in exact_oauth_tokens (PAYLOAD_KEYS); tokens stored before read as they are. */
  secrets?: SealedText;
  baseUrl: string;
  division: number;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Refresh when the access token has less than this left (default 30 s: Exact allows a refresh from 570 s on). */
  refreshMarginMs?: number;
  /** How long a posting waits before it looks again at a connection that needs authorizing. */
  deadChainRetryMs?: number;
  /** Told once, by the worker that finds the chain dead. */
  onChainDead?: (reason: string) => void;
}

interface TokenRow {
  access_token: string | null;
  access_expires_at: Date | null;
  refresh_token: string;
  refreshed_at: Date | null;
  chain_state: 'alive' | 'dead';
  dead_reason: string | null;
}

export function createExactOAuth(options: ExactOAuthOptions) {
  const margin = options.refreshMarginMs ?? 30_000;
  const deadChainRetryMs = options.deadChainRetryMs ?? 300_000;
  const secrets = options.secrets ?? { seal: (t: string) => t, open: (t: string) => t };
  const fresh = (row: TokenRow) => row.access_token !== null && row.access_expires_at !== null && row.access_expires_at.getTime() - Date.now() > margin;

  const dead = (reason: string) =>
    new ErpError(
      `Exact Online needs authorizing again for division ${options.division}: ${reason} Postings wait until an operator authorizes (PUT /v1/erp/exact/authorization).`,
      'retryable',
      'ReauthorizationRequired',
      { retryAfterMs: deadChainRetryMs },
    );

  /** The row with its tokens opened. */
  const opened = (row: TokenRow | undefined): TokenRow | undefined => row && { ...row, refresh_token: secrets.open(row.refresh_token), access_token: row.access_token === null ? null : secrets.open(row.access_token) };

  async function read(): Promise<TokenRow | undefined> {
    const { rows } = await options.pool.query<TokenRow>('SELECT * FROM exact_oauth_tokens WHERE division = $1', [options.division]);
    return opened(rows[0]);
  }

  /** Refreshes under the row's lock; a worker that waited for the lock finds the fresh token instead. */
  async function refresh(): Promise<string> {
    const client = await options.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<TokenRow>('SELECT * FROM exact_oauth_tokens WHERE division = $1 FOR UPDATE', [options.division]);
      const row = opened(rows[0]);
      if (!row) throw new ErpError(`Exact Online division ${options.division} has not been authorized yet (PUT /v1/erp/exact/authorization)`, 'retryable', 'ReauthorizationRequired', { retryAfterMs: deadChainRetryMs });
      if (row.chain_state === 'dead') throw dead(row.dead_reason ?? '');
      if (fresh(row)) {
        await client.query('COMMIT');
        return row.access_token!;
      }
      const answer = await requestExactToken(options.baseUrl, { grant_type: 'refresh_token', refresh_token: row.refresh_token, client_id: options.clientId, client_secret: options.clientSecret }, options.timeoutMs);
      if (answer.ok) {
        await client.query(
          `UPDATE exact_oauth_tokens SET access_token = $2, access_expires_at = now() + make_interval(secs => $3), refresh_token = $4, refreshed_at = now(), updated_at = now() WHERE division = $1`,
          [options.division, secrets.seal(answer.accessToken), answer.expiresInSeconds, secrets.seal(answer.refreshToken)],
        );
        await client.query('COMMIT');
        return answer.accessToken;
      }
      if (answer.error === 'access_denied') {
        // Exact says the current access token has not expired (our clock runs ahead, or a consent issued
        // one we never saw): keep using ours if we have one, else wait out Exact's 30 s window.
        await client.query('COMMIT');
        if (row.access_token) return row.access_token;
        throw new ErpError('Exact Online refuses a refresh this early; trying again once its access token has aged', 'retryable', 'TokenRefreshTooEarly', { retryAfterMs: 30_000 });
      }
      if (answer.chainDead) {
        await client.query(`UPDATE exact_oauth_tokens SET chain_state = 'dead', dead_reason = $2, updated_at = now() WHERE division = $1`, [options.division, answer.description]);
        await client.query('COMMIT');
        options.onChainDead?.(answer.description);
        throw dead(answer.description);
      }
      await client.query('ROLLBACK');
      throw new ErpError(`Exact Online refused the token refresh: ${answer.description}`, answer.status >= 500 ? 'retryable' : 'needsPerson', 'TokenRefreshRefused', { status: answer.status });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    renewable: true,

    async accessToken(): Promise<string> {
      const row = await read();
      if (row?.chain_state === 'dead') throw dead(row.dead_reason ?? '');
      return row && fresh(row) ? row.access_token! : refresh();
    },

    async suspend(reason: string): Promise<ErpError> {
      const { rowCount } = await options.pool.query(`UPDATE exact_oauth_tokens SET chain_state = 'dead', dead_reason = $2, updated_at = now() WHERE division = $1 AND chain_state = 'alive'`, [options.division, reason]);
      if (rowCount) options.onChainDead?.(reason);
      return dead(reason);
    },

    async expired(token: string): Promise<void> {
      // Sealed tokens differ however alike: the one stored is opened to tell whether it is this one.
      const row = await read();
      if (row?.access_token !== token) return;
      await options.pool.query('UPDATE exact_oauth_tokens SET access_expires_at = now(), updated_at = now() WHERE division = $1', [options.division]);
    },

    /**
     * A refresh token from a new consent (or the first one): starts a new chain. The access
     * token is optional; without one the first call refreshes.
     */
    async authorize(grant: { refreshToken: string; accessToken?: string; expiresInSeconds?: number }): Promise<void> {
      await options.pool.query(
        `INSERT INTO exact_oauth_tokens (division, access_token, access_expires_at, refresh_token, refreshed_at, chain_state, dead_reason, updated_at)
         VALUES ($1, $2, CASE WHEN $2::text IS NULL THEN NULL ELSE now() + make_interval(secs => $3) END, $4, now(), 'alive', NULL, now())
         ON CONFLICT (division) DO UPDATE SET access_token = EXCLUDED.access_token, access_expires_at = EXCLUDED.access_expires_at,
           refresh_token = EXCLUDED.refresh_token, refreshed_at = now(), chain_state = 'alive', dead_reason = NULL, updated_at = now()`,
        [options.division, grant.accessToken === undefined ? null : secrets.seal(grant.accessToken), grant.expiresInSeconds ?? 0, secrets.seal(grant.refreshToken)],
      );
    },

    /** The code Exact's consent redirect carries, exchanged for a new token chain. */
    async exchangeCode(code: string, redirectUri: string): Promise<void> {
      const answer = await requestExactToken(options.baseUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: options.clientId, client_secret: options.clientSecret }, options.timeoutMs);
      if (!answer.ok) throw new ErpError(`Exact Online refused the authorization code: ${answer.description}`, 'needsPerson', 'AuthorizationRefused', { status: answer.status });
      await this.authorize({ refreshToken: answer.refreshToken, accessToken: answer.accessToken, expiresInSeconds: answer.expiresInSeconds });
    },

    /** Stores a first refresh token for a division that has none yet (configuration), leaving a live chain alone. */
    async seed(refreshToken: string): Promise<void> {
      await options.pool.query(`INSERT INTO exact_oauth_tokens (division, refresh_token) VALUES ($1, $2) ON CONFLICT (division) DO NOTHING`, [options.division, secrets.seal(refreshToken)]);
    },

    async state(): Promise<ExactConnectionState> {
      const row = await read();
      if (!row) return { division: options.division, state: 'NotAuthorized', reason: 'no refresh token stored yet' };
      return {
        division: options.division,
        state: row.chain_state === 'dead' ? 'NeedsAttention' : 'Connected',
        ...(row.dead_reason ? { reason: row.dead_reason } : {}),
        ...(row.access_expires_at ? { accessTokenExpiresAt: row.access_expires_at.toISOString() } : {}),
        ...(row.refreshed_at ? { refreshedAt: row.refreshed_at.toISOString() } : {}),
      };
    },
  };
}

export type ExactOAuth = ReturnType<typeof createExactOAuth>;
