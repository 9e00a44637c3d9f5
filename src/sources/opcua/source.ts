/**
 * An OPC UA machine as a source: subscribes to its good and scrap counters, its state and
 * its running order, and forwards the latest values to the machine's workflow at most once a
 * `forwardEveryMs`. The counters are absolute, so only the latest value matters: a reading
 * that could not be delivered (Temporal away) is simply sent again, newer, and nothing is
 * lost or counted twice. The client reconnects with back-off for ever, re-creates its
 * subscription after a reconnection (or when a watchdog finds it silent: no data and no
 * keep-alive for `watchdogSeconds`), reads the values back every `watchdogSeconds`, starts
 * over with a new client when no read-back has come through for three of those, and signs
 * and encrypts where configured.
 */
import path from 'node:path';
import {
  AttributeIds,
  type ClientMonitoredItem,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
} from 'node-opcua';
import type { RejectedInputs } from '../../audit/rejectedInputs';
import type { OrderDelivery } from '../../delivery/orderDelivery';
import type { OpcUaMachine } from '../config';
import { refusedPlcCertificates, shareTrustList } from './trust';
import { createReadingCoalescer } from '../readingCoalescer';

export interface OpcUaSourceOptions {
  machine: OpcUaMachine;
  delivery: Pick<OrderDelivery, 'deliverReading'>;
  rejected: RejectedInputs;
  /** Where the client keeps its certificates (one folder per process: node-opcua races on a shared one). */
  pkiFolder: string;
  /** The trust list of PLC certificates (default: `trusted` beside the client's folder). A signing session opens only to a PLC in it. */
  trustFolder?: string;
  forwardEveryMs?: number;
  log?: (line: string) => void;
}

type Field = keyof OpcUaMachine['nodes'];

export interface OpcUaSource {
  /** What the source last read, and whether the machine's workflow has it. */
  status(): { connected: boolean; latest: Partial<Record<Field, string>>; delivered: boolean; subscriptionsCreated: number };
  stop(): Promise<void>;
}

export async function startOpcUaSource(options: OpcUaSourceOptions): Promise<OpcUaSource> {
  const { machine } = options;
  const log = options.log ?? (() => undefined);
  const name = `${machine.plant}/${machine.machine}`;
  const latest: Partial<Record<Field, string>> = {};
  let latestAt: string | undefined;
  let delivered = true;
  /** At most one reading per the machine's minimum interval goes on (a changed state at once). */
  const readings = createReadingCoalescer((plant, name, reading) => options.delivery.deliverReading(plant, name, reading));
  /** Counts the values heard: a reading is delivered only if no value came in while it was on its way (two may share a timestamp). */
  let heard = 0;
  let connected = false;
  let stopped = false;
  let lastHeard = Date.now();
  let session: ClientSession | undefined;
  let subscription: ClientSubscription | undefined;
  let subscriptionsCreated = 0;
  const refused = new Set<string>();

  /** A client of its own for each start over: events of one given up on are not heard. */
  const newClient = (): OPCUAClient => {
    const fresh = OPCUAClient.create({
      applicationName: 'shopfloor-bridge',
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      securityMode: MessageSecurityMode[machine.security.mode],
      securityPolicy: SecurityPolicy[machine.security.policy],
      connectionStrategy: { initialDelay: 500, maxDelay: 10_000, maxRetry: -1, randomisationFactor: 0.1 },
      // Signed or encrypted, the PLC must be in the trust list: a spoofed one is refused, and recorded.
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: options.pkiFolder, automaticallyAcceptUnknownCertificate: machine.security.mode === 'None' }),
    });
    fresh.on('connection_lost', () => {
      if (fresh !== client) return;
      connected = false;
      log(`OPC UA ${name}: connection lost; reconnecting`);
    });
    fresh.on('after_reconnection', () => {
      if (fresh !== client) return;
      connected = true;
      log(`OPC UA ${name}: reconnected`);
      void resubscribe('after reconnection');
    });
    return fresh;
  };
  let client = newClient();

  const onValue = (field: Field) => (value: DataValue) => {
    lastHeard = Date.now();
    if (!value.statusCode.isGood()) {
      if (!refused.has(field)) {
        refused.add(field);
        void options.rejected
          .record({ channel: 'opcua', source: name, reference: machine.nodes[field]!, reason: `${field} reads ${value.statusCode.name}`, payload: String(value.value?.value ?? '') })
          .catch(() => undefined);
      }
      return;
    }
    refused.delete(field);
    latest[field] = String(value.value.value);
    const at = (value.sourceTimestamp ?? value.serverTimestamp ?? new Date()).toISOString();
    if (!latestAt || at > latestAt) latestAt = at;
    heard += 1;
    delivered = false;
  };

  async function subscribe(): Promise<void> {
    if (!session) return;
    subscription = await session.createSubscription2({ requestedPublishingInterval: 500, requestedLifetimeCount: 600, requestedMaxKeepAliveCount: 10, maxNotificationsPerPublish: 1000, publishingEnabled: true, priority: 10 });
    subscriptionsCreated += 1;
    subscription.on('keepalive', () => (lastHeard = Date.now()));
    const monitored: ClientMonitoredItem[] = [];
    for (const [field, nodeId] of Object.entries(machine.nodes) as [Field, string | undefined][]) {
      if (!nodeId) continue;
      const item = await subscription.monitor({ nodeId, attributeId: AttributeIds.Value }, { samplingInterval: 250, queueSize: field === 'state' ? 20 : 1, discardOldest: true }, TimestampsToReturn.Both);
      item.on('changed', onValue(field));
      monitored.push(item);
    }
    lastHeard = Date.now();
  }

  async function resubscribe(why: string): Promise<void> {
    if (stopped) return;
    log(`OPC UA ${name}: creating its subscription again (${why})`);
    await subscription?.terminate().catch(() => undefined);
    await subscribe().catch((error: unknown) => log(`OPC UA ${name}: subscribing failed: ${String(error)}`));
  }

  async function forward(): Promise<void> {
    if (delivered || !latestAt) return;
    const sent = heard;
    const reading = {
      at: latestAt,
      source: 'opcua',
      ...(latest.good !== undefined ? { good: latest.good } : {}),
      ...(latest.scrap !== undefined ? { scrap: latest.scrap } : {}),
      ...(latest.state !== undefined ? { state: latest.state } : {}),
      ...(latest.runningOrder ? { runningOrder: latest.runningOrder } : {}),
    };
    try {
      await readings.offer(machine.plant, machine.machine, reading, (machine.minReadingIntervalSeconds ?? 0) * 1000);
      // Only if nothing came in meanwhile: else the newer reading goes next time.
      if (heard === sent) delivered = true;
    } catch (error) {
      log(`OPC UA ${name}: the machine workflow did not take a reading (${String(error)}); it goes again, newer`);
    }
  }

  const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      work.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
      );
    });
  const identity = machine.security.username ? { type: UserTokenType.UserName as const, userName: machine.security.username, password: machine.security.password ?? '' } : undefined;
  /**
   * Connects, opens a session and subscribes, in the background: a PLC that is off at start
   * is not an error. A refused session (a wrong password, a certificate not trusted) is
   * recorded once and tried again with growing pauses, up to a minute.
   */
  /** The first connect is under way: it opens the session itself. */
  let connecting = true;
  /** A refused PLC certificate is recorded once, with its thumbprint. */
  let recordedUntrusted = false;
  const watchdogMs = machine.watchdogSeconds * 1000;
  const trustFolder = options.trustFolder ?? path.join(path.dirname(options.pkiFolder), 'trusted');
  const connect = async () => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        // A certificate a person trusted since the last attempt is taken now, by a client that reads the trust list afresh.
        if (machine.security.mode !== 'None' && shareTrustList(trustFolder, options.pkiFolder) > 0 && !connected) {
          const stale = client;
          client = newClient();
          await stale.disconnect().catch(() => undefined);
        }
        if (!connected) {
          await client.connect(machine.endpoint);
          connected = true;
        }
        session = await client.createSession(identity);
        await subscribe();
        log(`OPC UA ${name}: connected to ${machine.endpoint}`);
        lastReadOk = Date.now();
        connecting = false;
        return;
      } catch (error) {
        const untrusted = machine.security.mode === 'None' ? [] : refusedPlcCertificates(path.dirname(options.pkiFolder), trustFolder).filter((c) => c.file.startsWith(options.pkiFolder));
        const reason = untrusted.length > 0
          ? `the PLC's certificate ${untrusted[0]!.thumbprint} (${untrusted[0]!.subject}) is not trusted: check its thumbprint with the PLC's, then npm run cli -- trust-plc ${untrusted[0]!.thumbprint}`
          : error instanceof Error ? error.message.split('\n')[0]! : String(error);
        log(`OPC UA ${name}: ${reason}`);
        if (attempt === 1 || (untrusted.length > 0 && !recordedUntrusted)) {
          recordedUntrusted ||= untrusted.length > 0;
          await options.rejected.record({ channel: 'opcua', source: name, reference: machine.endpoint, reason: `no session: ${reason}`, payload: '' }).catch(() => undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(60_000, 1000 * 2 ** attempt)));
      }
    }
  };
  void connect();

  /**
   * Reads the values themselves now and then: a change notification lost around a
   * reconnection (the subscription lives on, keep-alives and all) would otherwise leave
   * the machine's count behind until the counter next moves.
   */
  let lastRead = Date.now();
  /** When a read-back last came through (or the client last connected): long silence starts the client over. */
  let lastReadOk = Date.now();
  let reading = false;
  let failedReads = 0;
  const openSession = () =>
    client
      .createSession(identity)
      .then(async (fresh) => {
        session = fresh;
        await subscribe();
      })
      .catch((failure: unknown) => log(`OPC UA ${name}: no new session yet (${String(failure)}); trying again`));
  async function readBack(): Promise<void> {
    if (reading || connecting || !connected || stopped) return;
    reading = true;
    try {
      if (!session) return void (await openSession());
      const fields = (Object.entries(machine.nodes) as [Field, string | undefined][]).filter((entry): entry is [Field, string] => entry[1] !== undefined);
      const values = await withTimeout(session.read(fields.map(([, nodeId]) => ({ nodeId, attributeId: AttributeIds.Value }))), watchdogMs, 'the read-back');
      failedReads = 0;
      lastReadOk = Date.now();
      fields.forEach(([field], i) => {
        const value = values[i];
        if (value && value.statusCode.isGood() && String(value.value.value) !== latest[field]) onValue(field)(value);
      });
    } catch (error) {
      // A session the server no longer knows (it lost it while the network was away) is not restored by reconnecting: open a new one.
      failedReads += 1;
      if (failedReads >= 2 && !stopped) {
        failedReads = 0;
        log(`OPC UA ${name}: reading failed twice (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); opening a new session`);
        const old = session;
        session = undefined;
        await old?.close().catch(() => undefined);
        await openSession();
      }
    } finally {
      reading = false;
    }
  }

  /**
   * No read-back for three watchdog periods although the network may be back: the client's
   * own reconnection has got stuck (it can, after a cut under load). Give that client up and
   * start over with a new one; the counters are absolute, so nothing is lost.
   */
  async function startOver(): Promise<void> {
    connecting = true;
    log(`OPC UA ${name}: no read-back for ${(3 * watchdogMs) / 1000} s; starting the client over`);
    const [oldClient, oldSession, oldSubscription] = [client, session, subscription];
    client = newClient();
    connected = false;
    session = undefined;
    subscription = undefined;
    failedReads = 0;
    await withTimeout(oldSubscription?.terminate() ?? Promise.resolve(), watchdogMs, 'terminating').catch(() => undefined);
    await withTimeout(oldSession?.close() ?? Promise.resolve(), watchdogMs, 'closing').catch(() => undefined);
    await withTimeout(oldClient.disconnect(), watchdogMs, 'disconnecting').catch(() => undefined);
    await connect();
  }

  const ticker = setInterval(() => {
    void forward();
    if (!connecting && !stopped && Date.now() - lastReadOk > 3 * watchdogMs) void startOver();
    if (connected && session && Date.now() - lastHeard > machine.watchdogSeconds * 1000) {
      lastHeard = Date.now();
      void resubscribe(`silent for ${machine.watchdogSeconds} s`);
    }
    if (Date.now() - lastRead > machine.watchdogSeconds * 1000) {
      lastRead = Date.now();
      void readBack();
    }
  }, options.forwardEveryMs ?? 1000);

  return {
    status: () => ({ connected, latest: { ...latest }, delivered, subscriptionsCreated }),
    async stop() {
      stopped = true;
      clearInterval(ticker);
      await forward();
      await readings.stop();
      await subscription?.terminate().catch(() => undefined);
      await session?.close().catch(() => undefined);
      await client.disconnect().catch(() => undefined);
    },
  };
}
