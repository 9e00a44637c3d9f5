/**
 * The Exact Online simulator's OAuth2 authority, as Exact behaves:
 * - access tokens live 10 minutes; a refresh sooner than 570 s into one is refused with
 *   400 {"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired"};
 * - refresh tokens are single-use and rotate; using an old one answers 401
 *   {"error":"unauthorized_client","error_description":"Old refresh token used."} and
 *   kills the chain (the user must consent again);
 * - a refresh token unused for 30 days expires.
 * Durations are options, so tests can run the same logic in seconds.
 */
import { randomBytes } from 'node:crypto';

export interface OAuthAuthorityOptions {
  clientId: string;
  clientSecret: string;
  accessTokenLifetimeMs?: number;
  /** A refresh is refused until the current access token is this old (Exact: 570 s of 600). */
  refreshAllowedAfterMs?: number;
  refreshTokenIdleMs?: number;
  now?: () => number;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, string>;
}

interface Chain {
  refreshToken: string;
  refreshIssuedAt: number;
  accessIssuedAt: number;
  used: Set<string>;
  dead?: string;
}

export function createOAuthAuthority(options: OAuthAuthorityOptions) {
  const lifetime = options.accessTokenLifetimeMs ?? 600_000;
  const refreshAllowedAfter = options.refreshAllowedAfterMs ?? lifetime - 30_000;
  const idle = options.refreshTokenIdleMs ?? 30 * 86_400_000;
  const now = options.now ?? Date.now;
  const accessTokens = new Map<string, number>();
  const codes = new Set<string>();
  let chain: Chain | undefined;
  const calls = { token: 0, refreshed: 0, refused: 0 };

  const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

  function issue(c: Chain): Record<string, string> {
    const access = token('gAAAA');
    accessTokens.set(access, now() + lifetime);
    c.accessIssuedAt = now();
    return { access_token: access, token_type: 'bearer', expires_in: String(Math.round(lifetime / 1000)), refresh_token: c.refreshToken };
  }

  const refused = (status: number, error: string, description: string): TokenAnswer => {
    calls.refused += 1;
    return { status, body: { error, error_description: description } };
  };

  return {
    /** A user consents (the authorization-code step): a new chain, replacing any other. Returns its first tokens. */
    consent(): Record<string, string> {
      accessTokens.clear();
      chain = { refreshToken: token('rt-'), refreshIssuedAt: now(), accessIssuedAt: now(), used: new Set() };
      return issue(chain);
    },

    /** A user consents in the browser; Exact redirects back with this one-time code. */
    authorizationCode(): string {
      const code = token('code-');
      codes.add(code);
      return code;
    },

    /** POST /api/oauth2/token: grant_type=authorization_code (a new chain) or refresh_token (rotation). */
    refresh(form: Record<string, string | undefined>): TokenAnswer {
      calls.token += 1;
      if (form.client_id !== options.clientId) return refused(400, 'invalid_client', `Client with identifier '${form.client_id ?? ''}' not found.`);
      if (form.client_secret !== options.clientSecret) return refused(400, 'invalid_client', 'The client secret is invalid.');
      if (form.grant_type === 'authorization_code') {
        if (!form.code || !codes.delete(form.code)) return refused(400, 'invalid_grant', 'The authorization code is invalid or was already used.');
        if (!form.redirect_uri) return refused(400, 'invalid_request', 'redirect_uri is required.');
        accessTokens.clear();
        chain = { refreshToken: token('rt-'), refreshIssuedAt: now(), accessIssuedAt: now(), used: new Set() };
        return { status: 200, body: issue(chain) };
      }
      if (form.grant_type !== 'refresh_token' || !form.refresh_token) return refused(400, 'invalid_request', 'grant_type refresh_token and a refresh_token are required.');
      if (!chain) return refused(400, 'invalid_grant', 'The refresh token is invalid.');
      if (chain.dead) return refused(401, 'unauthorized_client', chain.dead);
      if (chain.used.has(form.refresh_token)) {
        chain.dead = 'Old refresh token used.';
        accessTokens.clear();
        return refused(401, 'unauthorized_client', chain.dead);
      }
      if (form.refresh_token !== chain.refreshToken) return refused(400, 'invalid_grant', 'The refresh token is invalid.');
      if (now() - chain.refreshIssuedAt > idle) {
        chain.dead = `The refresh token expired at ${new Date(chain.refreshIssuedAt + idle).toISOString()} and it is now ${new Date(now()).toISOString()}.`;
        return refused(400, 'invalid_request', chain.dead);
      }
      if (now() - chain.accessIssuedAt < refreshAllowedAfter) return refused(400, 'access_denied', 'Rate limit exceeded: access_token not expired');
      chain.used.add(chain.refreshToken);
      chain.refreshToken = token('rt-');
      chain.refreshIssuedAt = now();
      calls.refreshed += 1;
      return { status: 200, body: issue(chain) };
    },

    isValidAccessToken(accessToken: string): boolean {
      const expiresAt = accessTokens.get(accessToken);
      return expiresAt !== undefined && expiresAt > now() && !chain?.dead;
    },

    /** Whether the chain lives, and how often the token endpoint was called. */
    state: () => ({ alive: Boolean(chain && !chain.dead), dead: chain?.dead, ...calls }),
  };
}

export type OAuthAuthority = ReturnType<typeof createOAuthAuthority>;
