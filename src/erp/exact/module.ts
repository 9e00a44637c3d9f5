/**
 * Exact Online as a module of the bridge: a connection is one division, authenticated by
 * OAuth2 with rotating refresh tokens (kept in PostgreSQL) or by a fixed token. Without an
 * ERP_CONNECTIONS file, the EXACT_* environment describes one connection, "exact-<division>".
 */
import path from 'node:path';
import { z } from 'zod';
import { connectionNeedsAuthorizationAlert } from '../../domain/alerts';
import { fieldProblems } from '../../domain/fieldProblems';
import type { ContractFixture, ErpModule, OpenedConnection } from '../module';
import { EXACT_POSTING_RULES } from './adapter';
import { ExactSettings, exactConnection } from './connection';
import { correctFirstOrder, runDemoFactory, runMachineOrder } from './demoFactory';
import { postgresErrorBudget } from './errorBudget';
import { createExactOAuth, fixedExactToken } from './oauth';
import { SIMULATOR_EMPLOYEE_ID, createExactSimulator } from './simulator';
import { createExactTransport } from './transport';

const port = z.coerce.number().int().min(0).max(65535);
/** Today's environment variables, read as one connection. */
const ExactEnvironment = z.object({
  EXACT_BASE_URL: z.url().optional(),
  EXACT_DIVISION: z.coerce.number().int().positive().default(123456),
  EXACT_ACCESS_TOKEN: z.string().min(1).optional(),
  EXACT_CLIENT_ID: z.string().min(1).optional(),
  EXACT_CLIENT_SECRET: z.string().min(1).optional(),
  EXACT_REFRESH_TOKEN: z.string().min(1).optional(),
  EXACT_REAUTHORIZATION_CHECK_MS: z.coerce.number().int().positive().optional(),
  EXACT_MAX_POSTINGS_PER_SECOND: z.coerce.number().positive().max(100).optional(),
  EXACT_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  EXACT_DEFAULT_EMPLOYEE_ID: z.string().optional(),
  EXACT_PLANNING_PLANT: z.string().optional(),
  EXACT_MASTER_DATA_READ_EVERY_MS: z.coerce.number().int().min(0).optional(),
  EXACT_PLANNING_FULL_READ_EVERY_MS: z.coerce.number().int().positive().optional(),
  EXACT_SIMULATOR_PORT: port.optional(),
});

export const exactModule: ErpModule<ExactSettings> = {
  erp: 'exact',
  title: 'Exact Online',
  settings: ExactSettings,
  postingRules: () => EXACT_POSTING_RULES,
  migrations: path.join(__dirname, 'migrations'),

  fromEnvironment(env) {
    const parsed = ExactEnvironment.safeParse(env);
    if (!parsed.success) throw new Error(`Invalid configuration:\n${fieldProblems(parsed.error, '(environment)').map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    const e = parsed.data;
    if (e.EXACT_CLIENT_ID && !e.EXACT_CLIENT_SECRET) throw new Error('Invalid configuration:\n  EXACT_CLIENT_SECRET: is required with EXACT_CLIENT_ID');
    const settings = {
      ...(e.EXACT_BASE_URL ? { baseUrl: e.EXACT_BASE_URL } : {}),
      division: e.EXACT_DIVISION,
      ...(e.EXACT_ACCESS_TOKEN ? { accessToken: e.EXACT_ACCESS_TOKEN } : {}),
      ...(e.EXACT_CLIENT_ID
        ? {
            oauth: {
              clientId: e.EXACT_CLIENT_ID,
              clientSecret: e.EXACT_CLIENT_SECRET,
              ...(e.EXACT_REFRESH_TOKEN ? { refreshToken: e.EXACT_REFRESH_TOKEN } : {}),
              ...(e.EXACT_REAUTHORIZATION_CHECK_MS ? { reauthorizationCheckMs: e.EXACT_REAUTHORIZATION_CHECK_MS } : {}),
            },
          }
        : {}),
      ...(e.EXACT_TIMEOUT_MS ? { timeoutMs: e.EXACT_TIMEOUT_MS } : {}),
      ...(e.EXACT_MAX_POSTINGS_PER_SECOND ? { maxPostingsPerSecond: e.EXACT_MAX_POSTINGS_PER_SECOND } : {}),
      ...(e.EXACT_DEFAULT_EMPLOYEE_ID ? { defaultEmployeeId: e.EXACT_DEFAULT_EMPLOYEE_ID } : {}),
      ...(e.EXACT_PLANNING_PLANT ? { planningPlant: e.EXACT_PLANNING_PLANT } : {}),
      ...(e.EXACT_MASTER_DATA_READ_EVERY_MS !== undefined ? { masterDataReadEveryMs: e.EXACT_MASTER_DATA_READ_EVERY_MS } : {}),
      ...(e.EXACT_PLANNING_FULL_READ_EVERY_MS ? { planningFullReadEveryMs: e.EXACT_PLANNING_FULL_READ_EVERY_MS } : {}),
    };
    // The id keeps the posting queue orders started before connections post on (<queue>-exact-<division>).
    return { id: `exact-${e.EXACT_DIVISION}`, erp: 'exact', plants: ['*'], settings, ...(e.EXACT_SIMULATOR_PORT !== undefined ? { simulatorPort: e.EXACT_SIMULATOR_PORT } : {}) };
  },

  async open(settings, context): Promise<OpenedConnection> {
    if (!settings.baseUrl) throw new Error(`ERP connection ${context.id}: baseUrl is required (the address of Exact Online, e.g. https://start.exactonline.nl)`);
    const { baseUrl, division, timeoutMs, oauth } = settings;
    const description = `Exact Online division ${division}`;
    const tokenStore = oauth
      ? createExactOAuth({
          pool: context.pool,
          ...(context.secrets ? { secrets: context.secrets } : {}),
          baseUrl,
          division,
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          timeoutMs,
          deadChainRetryMs: oauth.reauthorizationCheckMs,
          onChainDead: (reason) => {
            console.error(`ERP connection ${context.id} (${description}) needs authorizing again: ${reason} (PUT /v1/erp/connections/${context.id}/authorization)`);
            const alert = connectionNeedsAuthorizationAlert({ id: context.id, description, since: new Date().toISOString() }, reason);
            context.raiseAlert?.(alert).catch((error: unknown) => console.error(`the alert "${alert.title}" could not be raised: ${String(error)}`));
          },
        })
      : undefined;
    if (tokenStore && oauth?.refreshToken) await tokenStore.seed(oauth.refreshToken);
    // 8 of Exact's 10 an hour, for all workers of the division together: room for whatever else uses the key.
    const transport = createExactTransport({ baseUrl, division, tokens: tokenStore ?? fixedExactToken(settings.accessToken), timeoutMs, errorBudget: postgresErrorBudget(context.pool, division, 8) });
    return exactConnection(settings, transport, tokenStore);
  },

  simulator: {
    wanted: (settings) => settings.baseUrl === undefined,
    async start(settings, options) {
      const simulator = createExactSimulator({
        division: settings.division,
        ...(settings.oauth ? { oauth: { clientId: settings.oauth.clientId, clientSecret: settings.oauth.clientSecret } } : { accessTokens: [settings.accessToken] }),
        employees: [settings.defaultEmployeeId ?? SIMULATOR_EMPLOYEE_ID],
        ...options.tuning,
      });
      const url = await simulator.listen(options.port ?? 0, options.host);
      return {
        url,
        settings: { ...settings, baseUrl: url },
        handle: simulator,
        async afterOpen(connection) {
          if (!simulator.oauth || !connection.authorization) return undefined;
          // The simulator is new each start: consent again, as a user would in Exact's browser flow.
          const grant = simulator.oauth.consent();
          await connection.authorization.authorize({ refreshToken: grant.refresh_token!, accessToken: grant.access_token!, expiresIn: Number(grant.expires_in) });
          return 'authorized: OAuth2 with rotating refresh tokens, kept in PostgreSQL (table exact_oauth_tokens)';
        },
        stop: () => simulator.close(),
      };
    },
  },

  demo: (simulator, options) => {
    const demo = { ...options, exactSimulatorUrl: simulator.url, employeeId: simulator.settings.defaultEmployeeId ?? SIMULATOR_EMPLOYEE_ID };
    return {
      runOrders: () => runDemoFactory(demo),
      correctOrder: (workflowId) => correctFirstOrder(demo, workflowId),
      runMachineOrder: (machine, seconds) => runMachineOrder(demo, machine, seconds),
    };
  },

  contract: async (): Promise<ContractFixture> => (await import('./contractFixture')).exactContractFixture(),
};
