/** A connection to one Exact Online division: its settings, and what the bridge does over it (post, read planning, check, authorize again). */
import { z } from 'zod';
import type { OpenedConnection } from '../module';
import { createExactAdapter } from './adapter';
import type { ExactOAuth } from './oauth';
import { Quarantine } from './postings/qualityHold';
import type { ExactTransport } from './transport';

export const ExactSettings = z.strictObject({
  /** e.g. https://start.exactonline.nl; absent: `npm start` runs the simulator and points here. */
  baseUrl: z.url().optional(),
  division: z.number().int().positive(),
  /** A fixed bearer token; used when no OAuth client is configured. */
  accessToken: z.string().min(1).default('simulator-access-token'),
  /** OAuth2 with rotating refresh tokens, kept in PostgreSQL; the refresh token seeds a division that has none yet. */
  oauth: z
    .strictObject({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      refreshToken: z.string().min(1).optional(),
      /** How often postings waiting on a dead token chain look whether an operator authorized again. */
      reauthorizationCheckMs: z.number().int().positive().default(300_000),
    })
    .optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Postings per second to the division, for all workers together (Exact allows 60 calls a minute). */
  maxPostingsPerSecond: z.number().positive().max(100).default(0.75),
  /** Books machine time, setup time and confirmations (labour time names its own employee). */
  defaultEmployeeId: z.uuid('must be the ID (a GUID) of an Exact Online employee').optional(),
  /** The plant whose planning the division holds; absent: no planning is read from it. */
  planningPlant: z.string().min(1).max(40).optional(),
  /** Per plant, where stock a quality decision blocks is kept (Exact has no quality management): a warehouse and/or storage location. */
  quarantine: z.record(z.string(), Quarantine).optional(),
  /** How often the planning sync also reads the items, work centres and bills of materials changed. */
  masterDataReadEveryMs: z.number().int().min(0).default(3_600_000),
  /** How often the planning sync reads everything again to see what Exact deleted. */
  planningFullReadEveryMs: z.number().int().positive().default(86_400_000),
});
export type ExactSettings = z.infer<typeof ExactSettings>;

/** A connection over its transport; `tokenStore` when it signs in with OAuth2 (an operator can authorize it again). */
export function exactConnection(settings: ExactSettings, transport: ExactTransport, tokenStore?: ExactOAuth): OpenedConnection {
  const { division } = settings;
  const description = `Exact Online division ${division}`;
  const adapter = createExactAdapter(transport, {
    ...(settings.defaultEmployeeId ? { defaultEmployeeId: settings.defaultEmployeeId } : {}),
    ...(settings.quarantine ? { quarantine: settings.quarantine } : {}),
    masterDataReadEveryMs: settings.masterDataReadEveryMs,
    fullReadEveryMs: settings.planningFullReadEveryMs,
  });
  return {
    adapter,
    description,
    ...(settings.planningPlant && adapter.planning ? { planning: { plant: settings.planningPlant, reader: adapter.planning } } : {}),
    ...(tokenStore
      ? {
          authorization: {
            body: z.union([
              z.strictObject({ code: z.string().min(1, "must be the code from Exact's redirect"), redirectUri: z.url('must be the redirect URI registered with Exact') }),
              z.strictObject({ refreshToken: z.string().min(1, 'must be the refresh token Exact issued'), accessToken: z.string().min(1).optional(), expiresIn: z.number().int().positive().optional() }),
            ]),
            async authorize(body) {
              const grant = body as { code: string; redirectUri: string } | { refreshToken: string; accessToken?: string; expiresIn?: number };
              if ('code' in grant) await tokenStore.exchangeCode(grant.code, grant.redirectUri);
              else await tokenStore.authorize({ refreshToken: grant.refreshToken, ...(grant.accessToken ? { accessToken: grant.accessToken, expiresInSeconds: grant.expiresIn ?? 600 } : {}) });
            },
          },
        }
      : {}),
    maxPostingsPerSecond: settings.maxPostingsPerSecond,
    async check() {
      const checkedAt = new Date().toISOString();
      try {
        const page = await transport.firstPage<{ Code: string }>('inventory/Warehouses', { select: ['ID', 'Code'] });
        return { ok: true, detail: `${description} answers (${page.rows.length}${page.more ? '+' : ''} warehouse(s))`, checkedAt };
      } catch (error) {
        return { ok: false, detail: `${description}: ${error instanceof Error ? error.message : String(error)}`, checkedAt };
      }
    },
    async state() {
      if (!tokenStore) return { state: 'Connected', authentication: 'fixed-token', division };
      return { ...(await tokenStore.state()), authentication: 'oauth2' };
    },
  };
}

