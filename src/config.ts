/**
 * Configuration, parsed once at start-up from the environment. This is the only
 * module that reads process.env; everything else receives a typed Config.
 */
import { readFileSync } from 'node:fs';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { ErpSystem } from './domain/erpSystem';
import type { TimeWindow } from './domain/events';
import { keyed } from './domain/keyed';
import { noSources, parseSourcesConfig } from './sources/config';

const port = z.coerce.number().int().min(0).max(65535);
const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, 'must be a duration such as "30s" or "1 hour"');

const plantErp = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const map = keyed<ErpSystem>([]);
    for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [plant, system] = pair.split('=');
      const parsed = ErpSystem.safeParse(system);
      if (!plant || !parsed.success) {
        ctx.addIssue({ code: 'custom', message: `"${pair}" must be PLANT=exact|afas|sap` });
        return z.NEVER;
      }
      map[plant] = parsed.data;
    }
    return map;
  });

const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('shopfloor-bridge'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  STARTER_HOST: z.string().default('127.0.0.1'),
  STARTER_PORT: port.default(8080),
  DEFAULT_ERP_SYSTEM: ErpSystem.default('exact'),
  PLANT_ERP: plantErp,
  ORDER_CLOSE_AFTER: duration.default('1 hour'),
  POSTING_RETRY_INITIAL_INTERVAL: duration.default('1s'),
  POSTING_ATTEMPT_TIMEOUT: duration.default('1 minute'),
  POSTING_BATCH_WINDOW: z.union([z.literal('0'), duration]).default('2s'),
  POSTING_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  ORDER_CONTINUE_AS_NEW_AFTER_EVENTS: z.coerce.number().int().min(10).default(2000),
  MACHINE_HAND_OVER_EVERY: duration.default('10s'),
  ORDER_STATE_WARNING_BYTES: z.coerce.number().int().min(1024).max(2 * 1024 * 1024).default(1024 * 1024),
  FLOOR_TIME_PAST: duration.default('400 days'),
  FLOOR_TIME_AHEAD: duration.default('10 minutes'),
  PLANNING_SYNC_EVERY: duration.default('5 minutes'),
  EXACT_BASE_URL: z.url().optional(),
  EXACT_DIVISION: z.coerce.number().int().positive().default(123456),
  EXACT_ACCESS_TOKEN: z.string().min(1).default('simulator-access-token'),
  EXACT_CLIENT_ID: z.string().min(1).optional(),
  EXACT_CLIENT_SECRET: z.string().min(1).optional(),
  EXACT_REFRESH_TOKEN: z.string().min(1).optional(),
  EXACT_REAUTHORIZATION_CHECK_MS: z.coerce.number().int().positive().default(300_000),
  EXACT_MAX_POSTINGS_PER_SECOND: z.coerce.number().positive().max(100).default(0.75),
  EXACT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  EXACT_DEFAULT_EMPLOYEE_ID: z.uuid('must be the ID (a GUID) of an Exact Online employee').optional(),
  EXACT_PLANNING_PLANT: z.string().min(1).max(40).optional(),
  EXACT_MASTER_DATA_READ_EVERY_MS: z.coerce.number().int().min(0).default(3_600_000),
  EXACT_PLANNING_FULL_READ_EVERY_MS: z.coerce.number().int().positive().default(86_400_000),
  EXACT_SIMULATOR_HOST: z.string().default('127.0.0.1'),
  EXACT_SIMULATOR_PORT: port.default(8090),
  DEMO_ORDERS: z.coerce.number().int().min(0).max(100).default(3),
  SOURCES_FILE: z.string().min(1).optional(),
  STARTER_URL: z.url().optional(),
  SHOPFLOOR_TOKEN: z.string().min(1).optional(),
  ALERT_SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of a Slack incoming webhook' }).optional(),
  ALERT_SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587' }).optional(),
  ALERT_MAIL_FROM: z.email('must be an e-mail address').default('shopfloor-bridge@localhost'),
  ALERT_MAIL_TO: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.email('each must be an e-mail address'))),
  ALERT_WEB_UI_URL: z.url('must be the URL of the Temporal Web UI').optional(),
});

export type Config = ReturnType<typeof loadConfig>;

/** `defaults` lets an entry point (npm start) choose its own defaults; the environment still wins. */
export function loadConfig(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}) {
  const parsed = Env.safeParse({ ...defaults, ...env });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.EXACT_CLIENT_ID && !e.EXACT_CLIENT_SECRET) throw new Error('Invalid configuration:\n  EXACT_CLIENT_SECRET: is required with EXACT_CLIENT_ID');
  if (e.ALERT_SMTP_URL && e.ALERT_MAIL_TO.length === 0) throw new Error('Invalid configuration:\n  ALERT_MAIL_TO: is required with ALERT_SMTP_URL (who gets the alerts)');
  const floorTimeWindow: TimeWindow = { pastMs: msToNumber(e.FLOOR_TIME_PAST), aheadMs: msToNumber(e.FLOOR_TIME_AHEAD) };
  return {
    temporal: {
      /** Unset: the embedded dev server is started. */
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServer: { port: e.TEMPORAL_DEV_PORT, uiPort: e.TEMPORAL_UI_PORT },
    },
    /** Unset: `npm start` runs an embedded PGlite; workers on their own require it. */
    databaseUrl: e.DATABASE_URL,
    starter: { host: e.STARTER_HOST, port: e.STARTER_PORT },
    orders: {
      defaultErpSystem: e.DEFAULT_ERP_SYSTEM,
      erpSystemByPlant: e.PLANT_ERP,
      /**
       * Each ERP connection's postings run on a task queue of their own, which Temporal
       * rate-limits across all workers (the connection's call budget is the ERP's, not a worker's).
       */
      postingTaskQueues: { exact: `${e.TEMPORAL_TASK_QUEUE}-exact-${e.EXACT_DIVISION}` } as Partial<Record<ErpSystem, string>>,
      timing: {
        closeAfter: e.ORDER_CLOSE_AFTER,
        postingRetryInitialInterval: e.POSTING_RETRY_INITIAL_INTERVAL,
        postingAttemptTimeout: e.POSTING_ATTEMPT_TIMEOUT,
        batchWindow: e.POSTING_BATCH_WINDOW === '0' ? undefined : e.POSTING_BATCH_WINDOW,
        batchSize: e.POSTING_BATCH_SIZE,
        continueAsNewAfterEvents: e.ORDER_CONTINUE_AS_NEW_AFTER_EVENTS,
        floorTimeWindow,
        stateWarningBytes: e.ORDER_STATE_WARNING_BYTES,
      },
    },
    /** Floor times (occurredAt, readings) outside this window around the bridge's clock are refused, on every source. */
    floorTimeWindow,
    machines: {
      timing: {
        /** How often what a machine produced and ran goes to the order running on it. */
        handOverEvery: e.MACHINE_HAND_OVER_EVERY,
        continueAsNewAfterEvents: e.ORDER_CONTINUE_AS_NEW_AFTER_EVENTS,
        floorTimeWindow,
      },
    },
    exact: {
      /** Unset: `npm start` runs the Exact simulator and points here. */
      baseUrl: e.EXACT_BASE_URL,
      division: e.EXACT_DIVISION,
      /** A fixed bearer token; used when no OAuth client is configured. */
      accessToken: e.EXACT_ACCESS_TOKEN,
      /** OAuth2 with rotating refresh tokens, kept in PostgreSQL; the refresh token seeds a division that has none yet. */
      oauth: e.EXACT_CLIENT_ID
        ? {
            clientId: e.EXACT_CLIENT_ID,
            clientSecret: e.EXACT_CLIENT_SECRET!,
            initialRefreshToken: e.EXACT_REFRESH_TOKEN,
            /** How often postings waiting on a dead token chain look whether an operator authorized again. */
            reauthorizationCheckMs: e.EXACT_REAUTHORIZATION_CHECK_MS,
          }
        : undefined,
      timeoutMs: e.EXACT_TIMEOUT_MS,
      /** Books machine time, setup time and confirmations (labour time names its own employee). */
      defaultEmployeeId: e.EXACT_DEFAULT_EMPLOYEE_ID,
      /** Postings per second to the division, for all workers together (Exact allows 60 calls a minute). */
      maxPostingsPerSecond: e.EXACT_MAX_POSTINGS_PER_SECOND,
      /** The plant whose planning the division holds; unset: the bridge reads no planning from Exact. */
      planningPlant: e.EXACT_PLANNING_PLANT,
      /** How often the planning sync also reads the items, work centres and bills of materials changed (four calls a read). */
      masterDataReadEveryMs: e.EXACT_MASTER_DATA_READ_EVERY_MS,
      /** How often the planning sync reads everything again to see what Exact deleted (a call per 1000 rows, and per 60 work centres). */
      planningFullReadEveryMs: e.EXACT_PLANNING_FULL_READ_EVERY_MS,
      simulator: { host: e.EXACT_SIMULATOR_HOST, port: e.EXACT_SIMULATOR_PORT },
    },
    planning: {
      /** How often the ERP's planning changes are read (each read costs three calls per connection). */
      every: e.PLANNING_SYNC_EVERY,
    },
    /** Where alerts go (a posting that waits for a person, an ERP connection to authorize again); none set: nowhere but the logs. */
    alerts: {
      slackWebhookUrl: e.ALERT_SLACK_WEBHOOK_URL,
      mail: e.ALERT_SMTP_URL ? { smtpUrl: e.ALERT_SMTP_URL, from: e.ALERT_MAIL_FROM, to: e.ALERT_MAIL_TO } : undefined,
      /** Links in alerts open the workflow here. */
      webUiUrl: e.ALERT_WEB_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
    },
    demo: { orders: e.DEMO_ORDERS },
    /** The CLI: which starter API it talks to, with whose token. */
    cli: { starterUrl: e.STARTER_URL ?? `http://${e.STARTER_HOST}:${e.STARTER_PORT}`, token: e.SHOPFLOOR_TOKEN },
    /** Who may send events over HTTP, the MQTT broker and topics, the OPC UA machines (SOURCES_FILE). */
    sources: e.SOURCES_FILE ? parseSourcesConfig(readFileSync(e.SOURCES_FILE, 'utf8'), e.SOURCES_FILE, { ...defaults, ...env }) : noSources,
  };
}
