/**
 * The ERP connections the configuration names, built once per process: each ERP's
 * adapter over its transport and credentials. Workers post through the adapters; the
 * starter API shows each connection's state and lets an operator authorize it again.
 */
import type { Pool } from 'pg';
import type { Config } from '../config';
import { type Alert, connectionNeedsAuthorizationAlert } from '../domain/alerts';
import type { ErpSystem } from '../domain/erpSystem';
import type { ErpAdapter } from './adapter';
import { createExactAdapter } from './exact/adapter';
import { type ExactConnectionState, type ExactOAuth, createExactOAuth, fixedExactToken } from './exact/oauth';
import { postgresErrorBudget } from './exact/errorBudget';
import { createExactTransport } from './exact/transport';

export interface ErpConnectionState extends Partial<ExactConnectionState> {
  system: ErpSystem;
  state: 'Connected' | 'NeedsAttention' | 'NotAuthorized';
  /** How the connection authenticates. */
  authentication: 'oauth2' | 'fixed-token';
}

export interface ErpConnections {
  adapters: Partial<Record<ErpSystem, ErpAdapter>>;
  /** Exact's OAuth2 token store, when OAuth is configured. */
  exactOAuth?: ExactOAuth;
  describe(): Promise<ErpConnectionState[]>;
}

/** `raiseAlert` tells people when a connection needs them (its authorization gone); without it, the log does. */
export async function openErpConnections(
  config: Config,
  pool: Pool,
  exactBaseUrl: string | undefined = config.exact.baseUrl,
  raiseAlert?: (alert: Alert) => Promise<void>,
): Promise<ErpConnections> {
  const adapters: Partial<Record<ErpSystem, ErpAdapter>> = {};
  let exactOAuth: ExactOAuth | undefined;
  if (exactBaseUrl) {
    const { division, timeoutMs, oauth } = config.exact;
    if (oauth) {
      exactOAuth = createExactOAuth({
        pool,
        baseUrl: exactBaseUrl,
        division,
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        timeoutMs,
        deadChainRetryMs: oauth.reauthorizationCheckMs,
        onChainDead: (reason) => {
          console.error(`Exact Online division ${division} needs authorizing again: ${reason} (PUT /v1/erp/exact/authorization)`);
          const alert = connectionNeedsAuthorizationAlert({ erpSystem: 'exact', division, since: new Date().toISOString() }, reason);
          raiseAlert?.(alert).catch((error: unknown) => console.error(`the alert "${alert.title}" could not be raised: ${String(error)}`));
        },
      });
      if (oauth.initialRefreshToken) await exactOAuth.seed(oauth.initialRefreshToken);
    }
    const tokens = exactOAuth ?? fixedExactToken(config.exact.accessToken);
    // 8 of Exact's 10 an hour, for all workers of the division together: room for whatever else uses the key.
    const errorBudget = postgresErrorBudget(pool, division, 8);
    adapters.exact = createExactAdapter(createExactTransport({ baseUrl: exactBaseUrl, division, tokens, timeoutMs, errorBudget }), {
      defaultEmployeeId: config.exact.defaultEmployeeId,
      masterDataReadEveryMs: config.exact.masterDataReadEveryMs,
      fullReadEveryMs: config.exact.planningFullReadEveryMs,
    });
  }
  return {
    adapters,
    ...(exactOAuth ? { exactOAuth } : {}),
    async describe() {
      if (!adapters.exact) return [];
      if (!exactOAuth) return [{ system: 'exact', division: config.exact.division, state: 'Connected', authentication: 'fixed-token' }];
      return [{ system: 'exact', ...(await exactOAuth.state()), authentication: 'oauth2' }];
    },
  };
}
