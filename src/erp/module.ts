/**
 * What one ERP brings to the bridge, in its own folder (src/erp/<erp>/module.ts): the
 * settings of a connection to it, how a connection is opened (adapter, planning reader,
 * authorization, check, pacing), its simulator and the contract fixture the shared
 * contract suite runs it through. The registry (registry.ts) lists the modules; nothing
 * outside an ERP's folder names that ERP.
 */
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { Alert } from '../domain/alerts';
import type { FloorEvent } from '../domain/events';
import type { PlanningChanges } from '../domain/planning';
import type { SealedText } from '../database/sealedText';
import type { PostingRules } from '../domain/postingRules';
import Big from 'big.js';
import type { MaterialIssue } from '../domain/postings';
import { type ErpAdapter, ErpError, type ErpPlanningReader, type PostingRequest } from './adapter';

export interface ErpModule<Settings = unknown> {
  /** Its name in configuration, workflow ids and the ErpSystem search attribute (its folder's name). */
  readonly erp: string;
  /** Its name for people, as its maker calls it. */
  readonly title: string;
  /** A connection's own settings, as the ERP_CONNECTIONS file gives them beside id, erp and plants. */
  readonly settings: z.ZodType<Settings>;
  /** How the ERP holds postings under these settings (no I/O: starters read it without opening the connection). */
  postingRules(settings: Settings): PostingRules;
  /** The one connection the environment describes without an ERP_CONNECTIONS file (older deployments), if any. */
  fromEnvironment?(env: Record<string, string | undefined>): ConnectionConfig | undefined;
  open(settings: Settings, context: ConnectionContext): Promise<OpenedConnection>;
  /** A stand-in for the ERP that `npm start` runs for connections that name no ERP address. */
  simulator?: ErpSimulatorFactory<Settings>;
  /** `npm start`'s demo factory on this ERP's simulator: it plans orders there and runs them through the starter API. */
  demo?: (simulator: RunningSimulator<Settings>, options: DemoOptions) => ErpDemo;
  /** The folder of its own SQL migrations (numbered among the bridge's: NNN_<erp>_<what>.sql). */
  readonly migrations?: string;
  /** What the contract suite (test/erpContract.ts) needs to run this ERP's adapter against its simulator. */
  contract?: () => Promise<ContractFixture>;
}

export interface DemoOptions {
  starterUrl: string;
  plant: string;
  orders: number;
  /** The demo MES's and operator's bearer tokens (undefined where the API is open). */
  sourceToken?: string | undefined;
  operatorToken?: string | undefined;
  log: (line: string) => void;
}

export interface ErpDemo {
  /** Plans the orders in the ERP and runs them on the floor; their workflow ids. */
  runOrders(): Promise<string[]>;
  /** Corrects a count of the order after the fact, as a floor does. */
  correctOrder(workflowId: string): Promise<void>;
  /** An order on a machine whose counts come from its PLC; its workflow id. */
  runMachineOrder(machine: string, seconds: number): Promise<string>;
}

/** One entry of the ERP_CONNECTIONS file (settings not yet read by the module). */
export interface ConnectionConfig {
  id: string;
  erp: string;
  /** The plants whose orders post here; "*" serves every plant no other connection names. */
  plants: readonly string[];
  settings: unknown;
  /** Where `npm start` runs the ERP's simulator for it, when the settings name no ERP address. */
  simulatorPort?: number;
  /** When the period-end close books the month that ended, by itself (a Temporal schedule; the ERP must take close entries). */
  closeSchedule?: CloseSchedule;
  /** Shadow mode for go-live: postings are planned and recorded, none is sent; reconciliation compares them with what people book by hand. */
  shadow?: boolean;
}

/** A day of the month and an hour (in the time zone, default UTC) the close of the month before runs. */
export interface CloseSchedule {
  dayOfMonth: number;
  hour: number;
  timeZone?: string | undefined;
}

export interface ConnectionContext {
  id: string;
  pool: Pool;
  /** Tells people when the connection needs them (its authorization gone); without it, the log does. */
  raiseAlert?: (alert: Alert) => Promise<void>;
  /** Seals what the connection keeps in the database (tokens); without it, they are kept as they are. */
  secrets?: SealedText;
}

export interface OpenedConnection {
  adapter: ErpAdapter;
  /** What the connection is in the ERP's words (its company, division or client). */
  description: string;
  /** Where the ERP's planning is read for the floor: the plant it plans for, and the reader. */
  planning?: { plant: string; reader: ErpPlanningReader };
  /** How an operator authorizes the connection again (OAuth2 consent, a new token). */
  authorization?: AuthorizationHandler;
  /** Postings per second for all workers together; Temporal holds the connection's posting queue to it. */
  maxPostingsPerSecond: number;
  /** Whether the connection works now, by a cheap call to the ERP. */
  check(): Promise<ConnectionCheck>;
  /** What the connection knows of its authorization, for GET /v1/erp/connections. */
  state(): Promise<ConnectionState>;
  /** Where the ERP sends the bridge messages of its own (a port of its messaging): POST /v1/<erp>/<connection>/<channel>. */
  inbound?: Readonly<Record<string, InboundChannel>>;
}

/** A channel on which the ERP pushes messages to the bridge, e.g. the production orders it releases. */
export interface InboundChannel {
  /** What the ERP sends here, for people. */
  readonly description: string;
  /** Reads one message: the floor events it means and the planning it carries. Throws InboundRefused, naming the field. */
  read(body: string, context: { source: string }): InboundMessage;
}

export interface InboundMessage {
  /** The ERP's own reference of the message (its message number). */
  reference: string;
  /** Each is delivered as a floor event from `source`; its id is the ERP's, so a message sent again changes nothing. */
  events: FloorEvent[];
  /** The orders, components and routing the message carries, per floor plant, for the planning the MES reads. */
  planning: { plant: string; changes: PlanningChanges }[];
}

export class InboundRefused extends Error {
  override readonly name = 'InboundRefused';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export interface ConnectionCheck {
  ok: boolean;
  /** Why not, in the ERP's words, or what was reached. */
  detail: string;
  checkedAt: string;
}

export interface ConnectionState {
  state: 'Connected' | 'NeedsAttention' | 'NotAuthorized';
  authentication: string;
  reason?: string;
  [detail: string]: unknown;
}

export interface AuthorizationHandler {
  /** The body an operator sends to authorize again. */
  readonly body: z.ZodType;
  authorize(body: unknown): Promise<void>;
}

export interface ErpSimulatorFactory<Settings> {
  /** Starts a simulator for these settings; the connection then opens with `settings`, pointing at it. */
  start(settings: Settings, options: { port?: number; host?: string; /** The simulator's own options (a benchmark lifts its rate limit). */ tuning?: Record<string, unknown> }): Promise<RunningSimulator<Settings>>;
  /** Whether these settings leave the ERP's address open, for the simulator to fill. */
  wanted(settings: Settings): boolean;
}

export interface RunningSimulator<Settings> {
  url: string;
  settings: Settings;
  /** After the connection opened: what a person would do once in the ERP (consent to the app). */
  afterOpen?(connection: OpenedConnection): Promise<string | undefined>;
  stop(): Promise<void>;
  /** The simulator itself, for the demo factory and tests. */
  readonly handle: unknown;
}

/**
 * An ERP's side of the contract suite: its simulator, a connection to it, and the
 * simulator's knobs the contract turns. Every adapter must behave the same on them.
 */
export interface ContractFixture {
  connection: OpenedConnection;
  /** The settings the connection was opened with (its module's posting rules follow from them). */
  settings: unknown;
  /** A connection with credentials the ERP refuses, and one to an address where nothing answers. */
  badCredentials(): Promise<OpenedConnection>;
  unreachable(): Promise<OpenedConnection>;
  /** A posting the ERP accepts, keyed `key`; `variant` makes another of the same kind (another quantity). */
  validPosting(key: string, variant?: number): Promise<PostingRequest>;
  /** A posting the ERP refuses on validation (a person must fix it). */
  invalidPosting(key: string): Promise<PostingRequest>;
  /** The reversal of a posted document: in part (`part` of it) or whole, as the adapter declares for its kind. */
  reversalOf(posted: PostingRequest, documentId: string, key: string, part: 'part' | 'whole'): PostingRequest;
  /** The next write commits in the ERP and its answer is lost. */
  loseNextAnswer(): Promise<void>;
  /** The next call is answered with this status (and Retry-After seconds, if given). */
  failNext(status: number, retryAfterSeconds?: number): Promise<void>;
  /** Books in the ERP by hand what `request` would book, as another order or a person would: no key of ours. */
  bookByHand(request: PostingRequest): Promise<void>;
  /** The documents the ERP holds of this kind for this fixture, with their net quantity. */
  documents(): Promise<{ id: string; quantity: string }[]>;
  stop(): Promise<void>;
}

/** The contract's reversal of a material issue it posted: a quarter of it (in part) or all of it. */
/** A floor plant's place in the ERP as the connection's settings map it, or a posting stopped for a person naming the setting. */
export function mappedPlant<T>(plants: Readonly<Record<string, T>>, plant: string, what: string, setting: string): T {
  const mapped = Object.hasOwn(plants, plant) ? plants[plant] : undefined;
  if (mapped === undefined) throw new ErpError(`the floor plant ${plant} has no ${what} on this connection (settings.${setting})`, 'needsPerson', 'UnmappedPlant');
  return mapped;
}

export function issueReversalOf(posted: PostingRequest, documentId: string, key: string, part: 'part' | 'whole'): PostingRequest {
  const original = posted.content as MaterialIssue;
  const quantity = part === 'whole' ? original.quantity : new Big(original.quantity).div(4).toString();
  const { plant, productionOrder, erpOrderReference, transactionDate } = original;
  return { idempotencyKey: key, content: { kind: 'Reversal', plant, productionOrder, erpOrderReference, transactionDate, of: { ...original, quantity }, originalDocumentId: documentId } };
}

/** A demo factory's call of the starter API (or a simulator's seed endpoint), as the MES makes it. */
export async function demoCall(method: 'POST' | 'PUT', url: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, { method, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}
