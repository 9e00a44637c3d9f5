/**
 * Sparkplug B edge nodes as machine sources. Data messages are QoS 0 by specification, so
 * messages may be lost: the tracker follows each edge node's `seq` (0..255, every message of
 * the node and its devices), and on a gap, or data before any birth, asks the node to be
 * born again (NCMD "Node Control/Rebirth"). The counters it reads are absolute, so the
 * rebirth's values make good whatever was lost. Metric names come from the births' aliases.
 * A node's death (NDEATH, its last will) counts only when its `bdSeq` is the one of the
 * node's current birth: the broker may deliver an old session's will after the node was
 * born again, and that death is over.
 */
import { createRequire } from 'node:module';
import type { SparkplugDevice } from '../config';

interface SparkplugMetric {
  name?: string;
  alias?: { toString(): string } | number;
  value: unknown;
  timestamp?: { toNumber(): number } | number;
}
interface SparkplugPayload {
  timestamp?: { toNumber(): number } | number;
  seq?: { toNumber(): number } | number;
  metrics?: SparkplugMetric[];
}
interface SparkplugCodec {
  decodePayload(bytes: Uint8Array): SparkplugPayload;
  encodePayload(payload: object): Uint8Array;
}

// sparkplug-payload (Eclipse Tahu) ships no types and loads its schema at require time.
const codec = (createRequire(__filename)('sparkplug-payload') as { get(version: string): SparkplugCodec }).get('spBv1.0');

export const encodeSparkplug = (payload: object): Uint8Array => codec.encodePayload(payload);

export interface SparkplugOutcome {
  readings: { plant: string; machine: string; reading: Record<string, unknown> }[];
  /** A rebirth request to publish. */
  rebirth?: { topic: string; payload: Uint8Array; reason: string };
  refused?: string;
}

const asNumber = (v: { toNumber(): number } | number | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber());

export function createSparkplugTracker(devices: readonly Omit<SparkplugDevice, 'minReadingIntervalSeconds'>[], now: () => number = Date.now) {
  const nodes = new Map<string, { lastSeq?: number; bdSeq?: number; aliases: Map<string, string>; lastRebirthAt?: number }>();
  const node = (key: string) => {
    let entry = nodes.get(key);
    if (!entry) nodes.set(key, (entry = { aliases: new Map() }));
    return entry;
  };

  return {
    /** The MQTT filters to subscribe to: every message of the configured groups. */
    filters: [...new Set(devices.map((d) => `spBv1.0/${d.group}/#`))],

    onMessage(topic: string, bytes: Uint8Array): SparkplugOutcome {
      const [namespace, group, type, edgeNode, device] = topic.split('/');
      if (namespace !== 'spBv1.0' || !group || !type || !edgeNode) return { readings: [], refused: `not a Sparkplug B topic: ${topic}` };
      if (type === 'STATE' || type === 'NCMD' || type === 'DCMD') return { readings: [] };
      let payload: SparkplugPayload;
      try {
        payload = codec.decodePayload(bytes);
      } catch (error) {
        return { readings: [], refused: `not a Sparkplug B payload: ${error instanceof Error ? error.message : String(error)}` };
      }
      const key = `${group}/${edgeNode}`;
      const state = node(key);
      const aliasKey = (alias: SparkplugMetric['alias']) => `${device ?? ''}#${String(alias)}`;
      const metrics = payload.metrics ?? [];
      const bdSeq = asNumber(metrics.find((m) => m.name === 'bdSeq')?.value as { toNumber(): number } | number | undefined);
      if (type === 'NDEATH') {
        // Dead: data until the next birth asks for one. A will from before the current birth changes nothing.
        if (state.bdSeq === undefined || bdSeq === undefined || bdSeq === state.bdSeq) state.lastSeq = undefined;
        return { readings: [] };
      }
      let gap: string | undefined;
      const seq = asNumber(payload.seq);
      if (type === 'NBIRTH') {
        state.aliases.clear();
        state.lastSeq = seq ?? 0;
        state.bdSeq = bdSeq;
      } else if (seq === undefined) {
        gap = `${type} without seq`;
      } else if (state.lastSeq === undefined) {
        gap = `${type} before the node's birth`;
        state.lastSeq = seq;
      } else if (seq !== (state.lastSeq + 1) % 256) {
        gap = `seq ${seq} after ${state.lastSeq}: messages were lost`;
        state.lastSeq = seq;
      } else {
        state.lastSeq = seq;
      }
      if (type === 'NBIRTH' || type === 'DBIRTH') {
        for (const m of metrics) if (m.name && m.alias !== undefined) state.aliases.set(aliasKey(m.alias), m.name);
      }
      const named = metrics.map((m) => ({ ...m, name: m.name ?? (m.alias !== undefined ? state.aliases.get(aliasKey(m.alias)) : undefined) }));
      if (named.some((m) => m.name === undefined)) gap ??= `${type} names a metric by an alias its birth did not give`;

      const readings = devices
        .filter((d) => d.group === group && d.edgeNode === edgeNode && (d.device ?? undefined) === (device ?? undefined))
        .flatMap((d) => {
          const value = (name: string | undefined) => (name ? named.find((m) => m.name === name) : undefined);
          const good = value(d.metrics.good);
          const scrap = value(d.metrics.scrap);
          const machineState = value(d.metrics.state);
          if (!good && !scrap && !machineState) return [];
          const stamps = [good, scrap, machineState].map((m) => asNumber(m?.timestamp)).filter((t): t is number => t !== undefined);
          const at = new Date(stamps.length > 0 ? Math.max(...stamps) : (asNumber(payload.timestamp) ?? now())).toISOString();
          const reading = {
            at,
            source: `sparkplug:${topic}`,
            ...(good ? { good: String(good.value) } : {}),
            ...(scrap ? { scrap: String(scrap.value) } : {}),
            ...(machineState ? { state: String(machineState.value) } : {}),
          };
          return [{ plant: d.plant, machine: d.machine, reading }];
        });

      // One rebirth request per node at a time: the birth takes a moment to come.
      if (gap && (state.lastRebirthAt === undefined || now() - state.lastRebirthAt > 5000)) {
        state.lastRebirthAt = now();
        const request = codec.encodePayload({ timestamp: now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
        return { readings, rebirth: { topic: `spBv1.0/${group}/NCMD/${edgeNode}`, payload: request, reason: gap } };
      }
      return { readings };
    },
  };
}
