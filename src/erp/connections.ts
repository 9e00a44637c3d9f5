/**
 * The ERP connections of a deployment: which ERP, which company or client in it, and which
 * plants post there. Read once from the ERP_CONNECTIONS file (YAML or JSON; every error
 * names the line and the field; secrets as ${ENV}), or, without one, from each module's
 * environment (each module's own variables describe one connection). Opened once per
 * process: workers post through the adapters; the starter API shows each connection's
 * state and check, and lets an operator authorize it again.
 */
import { z } from 'zod';
import { parseConfigFile } from '../configFile';
import { ErpConnectionId } from '../domain/erpSystem';
import { fieldProblems } from '../domain/fieldProblems';
import type { PostingRules } from '../domain/postingRules';
import type { CloseSchedule, ConnectionCheck, ConnectionConfig, ConnectionContext, ConnectionState, OpenedConnection, RunningSimulator } from './module';
import { erpModule, erpModules } from './registry';

const CloseScheduleSchema = z.strictObject({
  dayOfMonth: z.number().int().min(1).max(28, 'must be 1 to 28: every month has the day'),
  hour: z.number().int().min(0).max(23),
  timeZone: z.string().min(1).optional(),
});

const Plants = z.array(z.string().min(1).max(40)).min(1, 'name the plants this connection serves ("*" for every plant no other connection names)');

/** The ERP_CONNECTIONS file: `version: 1` and its connections, each with its ERP's own settings beside id, erp and plants. */
function connectionsFileSchema() {
  const entries = erpModules.map((m) => {
    const settings = m.settings as unknown as z.ZodObject;
    return settings.extend({ id: ErpConnectionId, erp: z.literal(m.erp), plants: Plants, simulatorPort: z.number().int().min(0).max(65535).optional(), closeSchedule: CloseScheduleSchema.optional(), shadow: z.boolean().optional() });
  });
  return z.strictObject({
    version: z.literal(1),
    connections: z.array(z.discriminatedUnion('erp', entries as unknown as [z.ZodObject, ...z.ZodObject[]])).min(1, 'list at least one connection'),
  });
}

/** First the ERP each entry names, so that a mistyped one is told as such rather than as every ERP's missing fields. */
function erpNamesSchema() {
  const known = erpModules.map((m) => m.erp) as [string, ...string[]];
  return z.looseObject({ connections: z.array(z.looseObject({ erp: z.enum(known, { error: `must be one of: ${known.join(', ')}` }) })).optional() });
}

export function parseErpConnections(text: string, fileName: string, env: Record<string, string | undefined>): ConnectionConfig[] {
  parseConfigFile(text, fileName, erpNamesSchema(), env);
  const parsed = parseConfigFile(text, fileName, connectionsFileSchema(), env) as unknown as { connections: (Record<string, unknown> & Omit<ConnectionConfig, 'settings'>)[] };
  const configs = parsed.connections.map(({ id, erp, plants, simulatorPort, closeSchedule, shadow, ...settings }) => ({
    id, erp, plants, settings, ...(simulatorPort !== undefined ? { simulatorPort } : {}), ...(closeSchedule ? { closeSchedule } : {}), ...(shadow ? { shadow } : {}),
  }));
  return checked(configs, fileName);
}

/** Without a file: the connection each module reads from today's environment variables. */
export function connectionsFromEnvironment(env: Record<string, string | undefined>): ConnectionConfig[] {
  const configs = erpModules.flatMap((m) => {
    const config = m.fromEnvironment?.(env);
    if (!config) return [];
    const settings = m.settings.safeParse(config.settings);
    if (!settings.success) throw new Error(`Invalid configuration:\n${fieldProblems(settings.error, m.erp, [m.erp]).map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    return [{ ...config, settings: settings.data }];
  });
  return checked(configs, 'the environment');
}

/** Every connection in shadow mode (ERP_SHADOW=true: a go-live's trial run), whatever its own setting. */
export function inShadow(configs: readonly ConnectionConfig[]): ConnectionConfig[] {
  return configs.map((c) => ({ ...c, shadow: true }));
}

/** One id per connection, one connection per plant, one for "every other plant". */
function checked(configs: ConnectionConfig[], where: string): ConnectionConfig[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const plants = new Map<string, string>();
  for (const c of configs) {
    if (ids.has(c.id)) problems.push(`connection ${c.id} is listed twice`);
    ids.add(c.id);
    for (const plant of c.plants) {
      const other = plants.get(plant);
      if (other) problems.push(plant === '*' ? `connections ${other} and ${c.id} both serve every other plant ("*")` : `plant ${plant} is served by both ${other} and ${c.id}`);
      plants.set(plant, c.id);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid ERP connections in ${where}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return configs;
}

/** Each connection's postings run on a task queue of their own, which Temporal rate-limits across all workers. */
export function postingTaskQueueOf(taskQueue: string, connectionId: string): string {
  return `${taskQueue}-${connectionId}`;
}

/** Where a plant's orders post: known from configuration alone (a starter opens no connection). */
export interface OrderRoute {
  erpSystem: string;
  erpConnection: string;
  /** The ERP's name for people. */
  erpTitle: string;
  postingRules: PostingRules;
  postingTaskQueue: string;
}

export class UnservedPlantError extends Error {
  override readonly name = 'UnservedPlantError';
}

export function orderRoutes(configs: readonly ConnectionConfig[], taskQueue: string): (plant: string) => OrderRoute {
  const routes = new Map(
    configs.map((c) => {
      const module = erpModule(c.erp)!;
      return [c.id, { erpSystem: c.erp, erpConnection: c.id, erpTitle: module.title, postingRules: module.postingRules(c.settings), postingTaskQueue: postingTaskQueueOf(taskQueue, c.id) }] as const;
    }),
  );
  return (plant) => {
    const config = configs.find((c) => c.plants.includes(plant)) ?? configs.find((c) => c.plants.includes('*'));
    if (!config) throw new UnservedPlantError(`no ERP connection serves plant ${plant} (ERP_CONNECTIONS names ${configs.flatMap((c) => c.plants).join(', ') || 'none'})`);
    return routes.get(config.id)!;
  };
}

export interface ErpConnection extends OpenedConnection {
  id: string;
  erp: string;
  title: string;
  plants: readonly string[];
  postingRules: PostingRules;
  closeSchedule?: CloseSchedule;
  /** Shadow mode: every posting is planned and recorded, none is sent (the go-live comparison). */
  shadow: boolean;
}

export interface ConnectionDescription extends ConnectionState {
  id: string;
  erp: string;
  description: string;
  plants: readonly string[];
  shadow: boolean;
  check?: ConnectionCheck;
}

export interface ErpConnections {
  readonly list: readonly ErpConnection[];
  byId(id: string): ErpConnection | undefined;
  /** The connection of an order started before orders named theirs: the first of its ERP. */
  forErp(erp: string): ErpConnection | undefined;
  /**
   * Each connection's state; `check: true` also asks each ERP (a check is reused for a
   * minute, so probes cost the ERP little); `'last'` answers the last check at once and asks
   * again behind it when that is older (a readiness probe must not wait for an ERP's timeout).
   */
  describe(options?: { check?: boolean | 'last' }): Promise<ConnectionDescription[]>;
}

const CHECK_REUSED_MS = 60_000;

export async function openErpConnections(configs: readonly ConnectionConfig[], context: Pick<ConnectionContext, 'pool' | 'raiseAlert' | 'secrets'>): Promise<ErpConnections> {
  const list: ErpConnection[] = [];
  for (const config of configs) {
    const module = erpModule(config.erp);
    if (!module) throw new Error(`ERP connection ${config.id}: no ERP module "${config.erp}" (known: ${erpModules.map((m) => m.erp).join(', ')})`);
    const opened = await module.open(config.settings, { ...context, id: config.id });
    list.push({ ...opened, id: config.id, erp: config.erp, title: module.title, plants: config.plants, postingRules: module.postingRules(config.settings), ...(config.closeSchedule ? { closeSchedule: config.closeSchedule } : {}), shadow: config.shadow === true });
  }
  const checks = new Map<string, ConnectionCheck>();
  const asking = new Map<string, Promise<ConnectionCheck>>();
  const ask = (c: ErpConnection) => {
    const running =
      asking.get(c.id) ??
      c
        .check()
        .then((fresh) => {
          checks.set(c.id, fresh);
          return fresh;
        })
        .finally(() => asking.delete(c.id));
    asking.set(c.id, running);
    return running;
  };
  const checkOf = async (c: ErpConnection, last: boolean): Promise<ConnectionCheck> => {
    const known = checks.get(c.id);
    if (known && Date.now() - Date.parse(known.checkedAt) < CHECK_REUSED_MS) return known;
    if (!last) return ask(c);
    void ask(c).catch(() => undefined);
    return known ?? { ok: false, detail: `${c.description}: not checked yet`, checkedAt: new Date().toISOString() };
  };
  return {
    list,
    byId: (id) => list.find((c) => c.id === id),
    forErp: (erp) => list.find((c) => c.erp === erp),
    describe: (options = {}) =>
      Promise.all(
        list.map(async (c) => {
          const state = await c.state();
          // A connection that waits for a person does not work, whatever its last call said.
          const check = !options.check ? undefined : state.state === 'Connected' ? await checkOf(c, options.check === 'last') : { ok: false, detail: `${c.description}: ${state.reason ?? state.state}`, checkedAt: new Date().toISOString() };
          return { id: c.id, erp: c.erp, description: c.description, plants: c.plants, shadow: c.shadow, ...state, ...(check ? { check } : {}) };
        }),
      ),
  };
}

/** Whether every connection leaves its ERP's address open (nothing real is named: npm start runs its demo). */
export function allSimulated(configs: readonly ConnectionConfig[]): boolean {
  return configs.every((c) => erpModule(c.erp)?.simulator?.wanted(c.settings) === true);
}

/** Starts the ERP simulators the connections want (npm start, tests): each connection then opens against its own. */
export async function startSimulators(
  configs: readonly ConnectionConfig[],
  options: { host?: string; tuning?: Record<string, unknown> } = {},
): Promise<{ configs: ConnectionConfig[]; simulators: Map<string, RunningSimulator<unknown>> }> {
  const simulators = new Map<string, RunningSimulator<unknown>>();
  const started: ConnectionConfig[] = [];
  try {
    for (const config of configs) {
      const factory = erpModule(config.erp)?.simulator;
      if (!factory?.wanted(config.settings)) {
        started.push(config);
        continue;
      }
      const simulator = await factory.start(config.settings, { ...(config.simulatorPort !== undefined ? { port: config.simulatorPort } : {}), ...options });
      simulators.set(config.id, simulator);
      started.push({ ...config, settings: simulator.settings });
    }
  } catch (error) {
    for (const s of simulators.values()) await s.stop().catch(() => undefined);
    throw error;
  }
  return { configs: started, simulators };
}
