/**
 * The sources configuration: one YAML (or JSON) file listing who may send events over
 * HTTP, the MQTT broker with its topic mappings and Sparkplug B edge nodes, and the OPC UA
 * machines with their node ids. Parsed once at start-up; every error names the line and the
 * field. Secrets are written as ${ENV_VAR} and taken from the environment.
 */
import { z } from 'zod';
import { MASTER_DATA_TOPICS } from '../domain/masterDataNotices';
import { parseConfigFile } from '../configFile';
import { FloorEvent, Reference } from '../domain/events';

/** The shortest token or shared secret taken: a guessable one is refused at start. */
export const SECRET_MIN_LENGTH = 16;
const secret = z.string().min(SECRET_MIN_LENGTH, `must be at least ${SECRET_MIN_LENGTH} characters (a secret)`);

/** Plants (or machines) by name; "*" for every one. */
const Names = (what: string) => z.array(z.union([z.literal('*'), Reference])).min(1, `name the ${what} ("*" for every one)`);

const eventTypes = FloorEvent.options.map((o) => o.shape.type.value) as [string, ...string[]];
const EventType = z.enum(['*', ...eventTypes], { error: `must be an event type (${eventTypes.join(', ')}) or "*"` });

export const HttpSource = z
  .strictObject({
    /** The source's id; events it sends must carry it as `source`. */
    id: z.string().min(1).max(100),
    bearerToken: secret.optional(),
    /** Shared secret of a webhook: the body is signed with HMAC-SHA256 (see README). */
    hmacSecret: secret.optional(),
    timestampToleranceSeconds: z.number().int().positive().max(3600).default(300),
    /** The plants whose events it may send and whose orders and planning it may read. */
    plants: Names('plants it sends for'),
    /** The event types it may send. */
    eventTypes: z.array(EventType).min(1, 'name the event types it sends ("*" for every one)'),
    /** The machines it may name (an operation started on a machine takes that machine's counts): absent, none. */
    machines: Names('machines it may name').optional(),
    /**
     * Where the bridge tells this MES of the ERP's planning for its plants (orders released,
     * changed, cancelled) and of the master data it subscribes to (materials, bills of
     * materials, work centres, as the ERP changes them): a webhook, signed with hmacSecret as
     * the MES signs its own.
     */
    notify: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        /** Orders released, changed and cancelled in the ERP (default true). */
        planning: z.boolean().default(true),
        masterData: z.array(z.enum(MASTER_DATA_TOPICS, { error: `must be one of: ${MASTER_DATA_TOPICS.join(', ')}` })).default([]),
      })
      .optional(),
  })
  .refine((s) => s.bearerToken !== undefined || s.hmacSecret !== undefined, 'give bearerToken or hmacSecret')
  .refine((s) => s.notify === undefined || s.hmacSecret !== undefined, { message: 'give hmacSecret: the bridge signs what it sends to notify.url with it', path: ['notify'] });
export type HttpSource = z.infer<typeof HttpSource>;

/**
 * What an operator may do: post events as a source would, act on orders (retry, skip, map,
 * acknowledge, reload), keep master data, act on ERP connections (authorize, close periods,
 * read planning now), read. Every action reads too.
 */
export const OperatorAction = z.enum(['postEvents', 'orders', 'masterData', 'connections', 'read']);
export type OperatorAction = z.infer<typeof OperatorAction>;

const Operator = z.strictObject({
  name: z.string().min(1),
  bearerToken: secret,
  /** The plants whose orders, master data and planning it may see and act on. */
  plants: Names('plants it acts on'),
  actions: z.array(OperatorAction).min(1, `name what it may do (${OperatorAction.options.join(', ')})`),
});
export type Operator = z.infer<typeof Operator>;

/** A Unified Namespace topic: `{name}` placeholders capture a level and fill the event's field of that name. */
const TopicPattern = z
  .string()
  .min(1)
  .refine((t) => !/[#+]/.test(t), 'use {placeholders}, not MQTT wildcards: the bridge derives the subscription from them')
  .refine((t) => t.split('/').every((level) => !level.includes('{') || /^\{\w+\}$/.test(level)), 'a placeholder must be a whole topic level, e.g. acme/{plant}/press');

export const UnsMapping = z.strictObject({
  topic: TopicPattern,
  /**
   * events: the payload is a floor event (JSON), the topic fills plant, productionOrder, ... where the payload leaves them out;
   * machineReadings: the payload holds absolute counters {good, scrap, state, at}; the topic names {plant} and {machine}.
   */
  payload: z.enum(['events', 'machineReadings']),
  /** The source recorded on events from this topic. */
  source: z.string().min(1).default('uns'),
  /** machineReadings: a machine's readings go on at most this often (the latest of them); a changed state goes at once. */
  minReadingIntervalSeconds: z.number().min(0).max(3600).default(5),
});
export type UnsMapping = z.infer<typeof UnsMapping>;

const SparkplugDevice = z.strictObject({
  group: z.string().min(1),
  edgeNode: z.string().min(1),
  /** Absent: the edge node's own (NDATA) metrics. */
  device: z.string().min(1).optional(),
  plant: Reference,
  machine: Reference,
  /** Metric names of the absolute counters and the machine state. */
  metrics: z.strictObject({ good: z.string().min(1), scrap: z.string().min(1).optional(), state: z.string().min(1).optional() }),
  /** Its readings go on at most this often (the latest of them); a changed state goes at once. */
  minReadingIntervalSeconds: z.number().min(0).max(3600).default(5),
});
export type SparkplugDevice = z.infer<typeof SparkplugDevice>;

const MqttSources = z.strictObject({
  url: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// or mqtts:// URL'),
  /** Stable across restarts: the broker keeps the session (and unacknowledged messages) under it. */
  clientId: z.string().min(1).max(128),
  username: z.string().optional(),
  password: z.string().optional(),
  /** How long the broker keeps the session while the bridge is away. */
  sessionExpirySeconds: z.number().int().positive().default(86_400),
  unifiedNamespace: z.array(UnsMapping).default([]),
  sparkplug: z.array(SparkplugDevice).default([]),
});

export const OpcUaMachine = z.strictObject({
  plant: Reference,
  machine: Reference,
  endpoint: z.string().regex(/^opc\.tcp:\/\//, 'must be an opc.tcp:// URL'),
  security: z
    .strictObject({
      mode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
      policy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
      username: z.string().optional(),
      password: z.string().optional(),
    })
    .refine((s) => (s.mode === 'None') === (s.policy === 'None'), 'mode None goes with policy None, and a signing mode needs a policy')
    .default({ mode: 'None', policy: 'None' }),
  /** Node ids of the machine's values; the counters are absolute (cumulative). */
  nodes: z.strictObject({
    good: z.string().min(1),
    scrap: z.string().min(1).optional(),
    state: z.string().min(1).optional(),
    alarm: z.string().min(1).optional(),
    runningOrder: z.string().min(1).optional(),
  }),
  /** The counters' largest value before they wrap to 0 (UInt32 by default). */
  counterMax: z.number().int().positive().default(4_294_967_295),
  /** A subscription silent for this long (no data, no keep-alive) is re-created. */
  watchdogSeconds: z.number().int().positive().default(30),
  /** Its readings go on at most this often (the latest of them); a changed state goes at once. */
  minReadingIntervalSeconds: z.number().min(0).max(3600).default(5),
});
export type OpcUaMachine = z.infer<typeof OpcUaMachine>;

export const SourcesConfig = z.strictObject({
  version: z.literal(1),
  http: z.strictObject({ sources: z.array(HttpSource).default([]), operators: z.array(Operator).default([]) }).default({ sources: [], operators: [] }),
  mqtt: MqttSources.optional(),
  opcua: z.strictObject({ machines: z.array(OpcUaMachine).default([]) }).optional(),
});
export type SourcesConfig = z.infer<typeof SourcesConfig>;

/** No file: no source and no operator; the starter API then refuses everyone (unless AUTH=open). */
export const noSources: SourcesConfig = { version: 1, http: { sources: [], operators: [] } };

/**
 * Parses a sources file. Errors name the file, line and field, e.g.
 * `sources.yaml:12: opcua.machines.0.endpoint: must be an opc.tcp:// URL`.
 */
export function parseSourcesConfig(text: string, fileName: string, env: Record<string, string | undefined>): SourcesConfig {
  return parseConfigFile(text, fileName, SourcesConfig, env);
}
