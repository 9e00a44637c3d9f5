/**
 * The MQTT source: Unified Namespace topics (JSON events and machine readings) and
 * Sparkplug B edge nodes, from one broker connection with a persistent session (a stable
 * client id, clean start off, a session expiry) and QoS 1 subscriptions. A message is
 * acknowledged (PUBACK) only once Temporal holds what it says: a bridge that dies before
 * leaves it unacknowledged, and the broker delivers it again when the bridge is back. The
 * order de-duplicates what it already had. A message that cannot be read is recorded with
 * the reason and acknowledged, so that it does not come back for ever.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { TimeWindow } from '../../domain/events';
import type { RejectedInputs } from '../../audit/rejectedInputs';
import { DeliveryRefused, type OrderDelivery } from '../../delivery/orderDelivery';
import type { SourcesConfig } from '../config';
import { type MachineReadingLike, createReadingCoalescer } from '../readingCoalescer';
import { createSparkplugTracker } from './sparkplug';
import { matchTopic, readUnsMessage, subscriptionFilter } from './unifiedNamespace';

export interface MqttSourceOptions {
  config: NonNullable<SourcesConfig['mqtt']>;
  delivery: OrderDelivery;
  rejected: RejectedInputs;
  /** Events dated outside it are refused (default: 400 days back, 10 minutes ahead). */
  floorTimeWindow?: TimeWindow;
  log?: (line: string) => void;
}

export interface MqttSource {
  status(): { connected: boolean; handled: number; refused: number; rebirthsRequested: number; readings: { offered: number; sent: number } };
  stop(): Promise<void>;
}

export async function startMqttSource(options: MqttSourceOptions): Promise<MqttSource> {
  const { config } = options;
  const log = options.log ?? (() => undefined);
  const sparkplug = createSparkplugTracker(config.sparkplug);
  const counts = { handled: 0, refused: 0, rebirthsRequested: 0 };
  let stopped = false;
  const readings = createReadingCoalescer((plant, machine, reading) => options.delivery.deliverReading(plant, machine, reading));

  const client: MqttClient = mqtt.connect(config.url, {
    clientId: config.clientId,
    clean: false,
    protocolVersion: 5,
    properties: { sessionExpiryInterval: config.sessionExpirySeconds },
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(config.username ? { username: config.username, password: config.password } : {}),
    // Subscriptions belong to the session; re-subscribing only when the broker has none keeps redelivery intact.
    resubscribe: false,
  });

  /** Records what cannot be read; the message is acknowledged only once the record is kept. */
  const refuse = async (channel: 'mqtt' | 'sparkplug', topic: string, reason: string, payload: Buffer) => {
    log(`${channel} ${topic}: refused: ${reason}`);
    await untilTaken(() => options.rejected.record({ channel, reference: topic, reason, payload: channel === 'mqtt' ? payload.toString('utf8') : new Uint8Array(payload) }), topic);
    counts.refused += 1;
  };

  /** Hands what a message says to Temporal; retried (the message unacknowledged meanwhile) until Temporal takes it. */
  async function handle(packet: IPublishPacket): Promise<void> {
    const { topic } = packet;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (topic.startsWith('spBv1.0/')) {
      const outcome = sparkplug.onMessage(topic, payload);
      if (outcome.refused) return refuse('sparkplug', topic, outcome.refused, payload);
      if (outcome.rebirth) {
        counts.rebirthsRequested += 1;
        log(`sparkplug ${topic}: ${outcome.rebirth.reason}; asking for a rebirth`);
        client.publish(outcome.rebirth.topic, Buffer.from(outcome.rebirth.payload), { qos: 0 });
      }
      for (const r of outcome.readings) {
        const device = config.sparkplug.find((d) => d.plant === r.plant && d.machine === r.machine);
        await untilTaken(() => readings.offer(r.plant, r.machine, r.reading as MachineReadingLike, (device?.minReadingIntervalSeconds ?? 0) * 1000), topic);
      }
      return;
    }
    const mapping = config.unifiedNamespace.find((m) => matchTopic(m.topic, topic) !== undefined);
    if (!mapping) return refuse('mqtt', topic, 'no mapping in the sources file takes this topic', payload);
    const message = readUnsMessage(mapping, topic, payload, new Date().toISOString(), options.floorTimeWindow);
    if (message.kind === 'refused') return refuse('mqtt', topic, message.reason, payload);
    if (message.kind === 'reading') return void (await untilTaken(() => readings.offer(message.plant, message.machine, message.reading as MachineReadingLike, mapping.minReadingIntervalSeconds * 1000), topic));
    for (const event of message.events) {
      const workflowId = await untilTaken(() => options.delivery.deliver(event), topic).catch((error: unknown) => {
        if (error instanceof DeliveryRefused) return refuse('mqtt', topic, `event ${event.eventId}: ${error.message}`, payload).then(() => null);
        throw error;
      });
      if (workflowId === null) continue;
      if (workflowId === undefined) await refuse('mqtt', topic, `production order ${event.plant}/${event.productionOrder} was terminated or failed; event ${event.eventId} was not applied`, payload);
    }
  }

  async function untilTaken<T>(work: () => Promise<T>, topic: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        // Refused by the configuration: no retry takes it; the caller records it.
        if (stopped || error instanceof DeliveryRefused) throw error;
        log(`mqtt ${topic}: not taken (${String(error)}); trying again, the message stays unacknowledged`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 250 * 2 ** attempt)));
      }
    }
  }

  // mqtt.js sends the PUBACK of a QoS 1 message once this calls back: only after Temporal took it.
  client.handleMessage = (packet, done) => {
    counts.handled += 1;
    handle(packet).then(
      () => done(),
      (error: unknown) => {
        log(`mqtt ${packet.topic}: ${String(error)}`);
        done(error as Error);
      },
    );
  };

  const filters = [...config.unifiedNamespace.map((m) => subscriptionFilter(m.topic)), ...sparkplug.filters];
  client.on('connect', (connack) => {
    log(`MQTT connected to ${redactedUrl(config.url)} as ${config.clientId}${connack.sessionPresent ? ' (session resumed)' : ''}`);
    if (!connack.sessionPresent && filters.length > 0) {
      client.subscribe(filters, { qos: 1 }, (error) => error && log(`MQTT subscribe failed: ${error.message}`));
    }
  });
  client.on('error', (error) => log(`MQTT: ${error.message}`));
  client.on('offline', () => log('MQTT offline; reconnecting'));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));

  return {
    status: () => ({ connected: client.connected, ...counts, readings: readings.counts() }),
    async stop() {
      stopped = true;
      await readings.stop();
      await client.endAsync();
    },
  };
}

/** A URL as the log may show it: credentials in it are replaced. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = parsed.username ? '***' : '';
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
