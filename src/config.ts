/**
 * Configuration, parsed once at start-up from the environment. This is the only
 * module that reads process.env; everything else receives a typed Config.
 */
import { readFileSync } from 'node:fs';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { parsePayloadKeys } from './temporal/payloadCodec';
import type { TimeWindow } from './domain/events';
import { fieldProblems } from './domain/fieldProblems';
import { connectionsFromEnvironment, inShadow, parseErpConnections } from './erp/connections';
import { noSources, parseSourcesConfig } from './sources/config';

const port = z.coerce.number().int().min(0).max(65535);
const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, 'must be a duration such as "30s" or "1 hour"');

const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('shopfloor-bridge'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  /** Where `npm start` serves its embedded PostgreSQL (PGlite) when DATABASE_URL is unset. */
  EMBEDDED_DATABASE_PORT: port.default(55432),
  STARTER_HOST: z.string().default('127.0.0.1'),
  STARTER_PORT: port.default(8080),
  /** json: one JSON object per line (pino) with the order and posting; text: lines for a person (npm start's default). */
  LOG_FORMAT: z.enum(['json', 'text'], { error: 'must be json or text' }).default('json'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error'], { error: 'must be trace, debug, info, warn or error' }).default('info'),
  /** A process without the starter API (a worker) serves /metrics on this port; unset: none. */
  METRICS_PORT: port.optional(),
  /** Where the Temporal SDK's own Prometheus exporter listens (host:port); unset: it does not run. */
  TEMPORAL_SDK_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port').optional(),
  /** The ERP connections (YAML or JSON); unset: the one connection of the EXACT_* variables. */
  ERP_CONNECTIONS: z.string().min(1).optional(),
  /** Where `npm start` runs the ERP simulators of connections that name no ERP address. */
  ERP_SIMULATOR_HOST: z.string().default('127.0.0.1'),
  ORDER_CLOSE_AFTER: duration.default('1 hour'),
  POSTING_RETRY_INITIAL_INTERVAL: duration.default('1s'),
  POSTING_ATTEMPT_TIMEOUT: duration.default('1 minute'),
  POSTING_BATCH_WINDOW: z.union([z.literal('0'), duration]).default('2s'),
  POSTING_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  /** Workflows kept in a worker's memory between their tasks (a task of one not kept replays its history); the default fits a 2 GB container. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(400),
  /**
   * The V8 heap of a worker's workflow thread (MB). V8 collects lazily while memory is plenty:
   * without a limit a worker grows well past what its cache holds. Unset: 256 MB and 2 MB per cached workflow.
   */
  WORKER_WORKFLOW_HEAP_MB: z.coerce.number().int().min(128).optional(),
  /** Workflow tasks a worker runs at once. */
  WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).default(40),
  /** Activities (ERP calls, look-ups) a worker runs at once, per task queue. */
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).default(50),
  /** How long a workflow's next task waits for the worker that holds it in memory before any worker takes it. */
  WORKER_STICKY_QUEUE_TIMEOUT: duration.default('10s'),
  /** Upper bound of a batch window widened because the ERP's call budget runs short. */
  POSTING_BATCH_WINDOW_MAX: duration.default('7 days'),
  ORDER_CONTINUE_AS_NEW_AFTER_EVENTS: z.coerce.number().int().min(10).default(2000),
  MACHINE_HAND_OVER_EVERY: duration.default('10s'),
  ORDER_STATE_WARNING_BYTES: z.coerce.number().int().min(1024).max(2 * 1024 * 1024).default(1024 * 1024),
  FLOOR_TIME_PAST: duration.default('400 days'),
  FLOOR_TIME_AHEAD: duration.default('10 minutes'),
  PLANNING_SYNC_EVERY: duration.default('5 minutes'),
  /** How often each connection is reconciled (what the ERP holds against what the bridge posted). */
  RECONCILE_EVERY: duration.default('1 day'),
  /** Shadow mode for every connection: postings are planned and recorded, none is sent (a connection's own `shadow` sets it one by one). */
  ERP_SHADOW: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  /** Orders with postings this many days back are reconciled. */
  RECONCILE_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(400).default(7),
  /** Whether an order the ERP releases starts its order workflow (its changes and cancellation reach it); `false` where the MES numbers orders its own way. */
  PLANNING_STARTS_ORDERS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  DEMO_ORDERS: z.coerce.number().int().min(0).max(100).default(3),
  /** The ERP `npm start`'s demo factory runs on (deploy/demo-connections.<erp>.yaml); absent: deploy/demo-connections.yaml. */
  DEMO_ERP: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must name an ERP module (a folder of src/erp)').optional(),
  SOURCES_FILE: z.string().min(1).optional(),
  /** Keys that seal Temporal payloads (src/temporal/payloadCodec.ts): `<id>:<base64 of 32 bytes>`, comma separated, the sealing key first. */
  PAYLOAD_KEYS: z.string().min(1).optional(),
  /** The Temporal Web UI's origin, which may call the starter API's codec endpoint (CORS). */
  CODEC_CORS_ORIGIN: z.url().optional(),
  /** TLS to Temporal: a client certificate and key (mTLS), the server's CA, the name the server's certificate carries. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** An API key (Temporal Cloud): sent with TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Requests a caller (a token, a webhook source, else an address) may make per minute before the starter API answers 429. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** How long refused inputs are kept (days); the retention schedule removes older ones. */
  RETENTION_REJECTED_INPUTS_DAYS: z.coerce.number().int().min(1).default(90),
  /** How long the audit trail of ERP attempts is kept (days; default seven years: they are bookkeeping evidence). */
  RETENTION_AUDIT_DAYS: z.coerce.number().int().min(30).default(2557),
  /** open: without a sources file, everyone may call the starter API (a first look; nothing real). closed: nobody may. */
  AUTH: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('closed'),
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
    const lines = fieldProblems(parsed.error, '(environment)').map((p) => `  ${p.field}: ${p.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.ALERT_SMTP_URL && e.ALERT_MAIL_TO.length === 0) throw new Error('Invalid configuration:\n  ALERT_MAIL_TO: is required with ALERT_SMTP_URL (who gets the alerts)');
  const floorTimeWindow: TimeWindow = { pastMs: msToNumber(e.FLOOR_TIME_PAST), aheadMs: msToNumber(e.FLOOR_TIME_AHEAD) };
  return {
    temporal: {
      /** Unset: the embedded dev server is started. */
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServer: { port: e.TEMPORAL_DEV_PORT, uiPort: e.TEMPORAL_UI_PORT },
      tls: e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_KEY || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME ? { certFile: e.TEMPORAL_TLS_CERT, keyFile: e.TEMPORAL_TLS_KEY, caFile: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME } : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      payloadKeys: e.PAYLOAD_KEYS ? parsePayloadKeys(e.PAYLOAD_KEYS) : [],
      /** The Web UI's origin, allowed to call the codec endpoint. */
      codecCorsOrigin: e.CODEC_CORS_ORIGIN ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
    },
    /** Unset: `npm start` runs an embedded PGlite; workers on their own require it. */
    databaseUrl: e.DATABASE_URL,
    /** The embedded PostgreSQL's port (npm start without DATABASE_URL). */
    embeddedDatabasePort: e.EMBEDDED_DATABASE_PORT,
    starter: { host: e.STARTER_HOST, port: e.STARTER_PORT },
    metrics: { port: e.METRICS_PORT, temporalSdkAddress: e.TEMPORAL_SDK_METRICS_ADDRESS },
    log: { format: e.LOG_FORMAT, level: e.LOG_LEVEL },
    /** Requests one caller may make a minute (RATE_LIMIT_PER_MINUTE). */
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    orders: {
      timing: {
        closeAfter: e.ORDER_CLOSE_AFTER,
        postingRetryInitialInterval: e.POSTING_RETRY_INITIAL_INTERVAL,
        postingAttemptTimeout: e.POSTING_ATTEMPT_TIMEOUT,
        batchWindow: e.POSTING_BATCH_WINDOW === '0' ? undefined : e.POSTING_BATCH_WINDOW,
        batchSize: e.POSTING_BATCH_SIZE,
        batchWindowMax: e.POSTING_BATCH_WINDOW_MAX,
        continueAsNewAfterEvents: e.ORDER_CONTINUE_AS_NEW_AFTER_EVENTS,
        floorTimeWindow,
        stateWarningBytes: e.ORDER_STATE_WARNING_BYTES,
      },
    },
    /** How much a worker holds and runs at once: its memory stays flat however many orders are open. */
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workflowHeapMb: e.WORKER_WORKFLOW_HEAP_MB ?? 256 + 2 * e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_WORKFLOW_TASK_SLOTS,
      maxConcurrentActivityTaskExecutions: e.WORKER_ACTIVITY_SLOTS,
      stickyQueueScheduleToStartTimeout: e.WORKER_STICKY_QUEUE_TIMEOUT,
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
    erp: {
      /**
       * The ERP connections, each serving its plants (see src/erp/connections.ts). Each
       * connection's postings run on a task queue of their own, which Temporal rate-limits
       * across all workers (the connection's call budget is the ERP's, not a worker's).
       */
      connections: ((listed) => (e.ERP_SHADOW === 'true' ? inShadow(listed) : listed))(
        e.ERP_CONNECTIONS ? parseErpConnections(readFileSync(e.ERP_CONNECTIONS, 'utf8'), e.ERP_CONNECTIONS, { ...defaults, ...env }) : connectionsFromEnvironment({ ...defaults, ...env }),
      ),
      simulatorHost: e.ERP_SIMULATOR_HOST,
    },
    planning: {
      /** How often the ERP's planning changes are read (each read costs three calls per connection). */
      every: e.PLANNING_SYNC_EVERY,
      /** A released order starts its workflow, which hears of its changes and cancellation. */
      startsOrders: e.PLANNING_STARTS_ORDERS === 'true',
    },
    /** Where alerts go (a posting that waits for a person, an ERP connection to authorize again); none set: nowhere but the logs. */
    alerts: {
      slackWebhookUrl: e.ALERT_SLACK_WEBHOOK_URL,
      mail: e.ALERT_SMTP_URL ? { smtpUrl: e.ALERT_SMTP_URL, from: e.ALERT_MAIL_FROM, to: e.ALERT_MAIL_TO } : undefined,
      /** Links in alerts open the workflow here. */
      webUiUrl: e.ALERT_WEB_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
    },
    demo: { orders: e.DEMO_ORDERS, erp: e.DEMO_ERP },
    /** The CLI: which starter API it talks to, with whose token. */
    cli: { starterUrl: e.STARTER_URL ?? `http://${e.STARTER_HOST}:${e.STARTER_PORT}`, token: e.SHOPFLOOR_TOKEN },
    /** Who may send events over HTTP, the MQTT broker and topics, the OPC UA machines (SOURCES_FILE). */
    sources: e.SOURCES_FILE ? parseSourcesConfig(readFileSync(e.SOURCES_FILE, 'utf8'), e.SOURCES_FILE, { ...defaults, ...env }) : noSources,
    /** Each connection's reconciliation schedule. */
    reconciliation: { every: e.RECONCILE_EVERY, lookbackDays: e.RECONCILE_LOOKBACK_DAYS },
    /** What the retention schedule removes, by age in days. */
    retention: { rejectedInputsDays: e.RETENTION_REJECTED_INPUTS_DAYS, auditDays: e.RETENTION_AUDIT_DAYS },
    /** AUTH=open lets everyone in where no source or operator is configured; otherwise the starter API wants a token. */
    authOpen: e.AUTH === 'open',
  };
}
