/**
 * Unified Namespace topics as the sources file maps them: `acme/{plant}/press/{machine}/counters`
 * subscribes to `acme/+/press/+/counters` and captures plant and machine from each topic.
 * Pure: a message in, an event (or a machine reading) or the reason it is refused out.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeProblems } from '../../domain/fieldProblems';
import { DEFAULT_TIME_WINDOW, FloorEvent, type TimeWindow, implausibleTime } from '../../domain/events';
import type { UnsMapping } from '../config';

export function subscriptionFilter(pattern: string): string {
  return pattern
    .split('/')
    .map((level) => (/^\{\w+\}$/.test(level) ? '+' : level))
    .join('/');
}

/** The placeholders' values if the topic matches the pattern, else undefined. */
export function matchTopic(pattern: string, topic: string): Record<string, string> | undefined {
  const levels = pattern.split('/');
  const actual = topic.split('/');
  if (levels.length !== actual.length) return undefined;
  const captured: Record<string, string> = {};
  for (const [i, level] of levels.entries()) {
    const name = /^\{(\w+)\}$/.exec(level)?.[1];
    if (name) captured[name] = actual[i]!;
    else if (level !== actual[i]) return undefined;
  }
  return captured;
}

const ReadingPayload = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional(),
  good: z.union([z.number(), z.string()]).optional(),
  scrap: z.union([z.number(), z.string()]).optional(),
  state: z.string().optional(),
  runningOrder: z.string().optional(),
});

export type UnsMessage =
  | { kind: 'events'; events: FloorEvent[] }
  | { kind: 'reading'; plant: string; machine: string; reading: Record<string, unknown> }
  | { kind: 'refused'; reason: string };

/**
 * What a message on a mapped topic says. The topic and the mapping say who the message is
 * from and what it is about: what the topic captures (plant, productionOrder, ...) and the
 * mapping's source fill the event, and a payload that names another is refused, naming the
 * field (a publisher cannot send for a plant or as a source its topic does not give it). An
 * event without an eventId gets one derived from topic and payload, so that a redelivered
 * message is recognised as the same event.
 */
export function readUnsMessage(mapping: Pick<UnsMapping, 'topic' | 'payload' | 'source'>, topic: string, payload: Buffer, receivedAt: string, window: TimeWindow = DEFAULT_TIME_WINDOW): UnsMessage {
  const captured = matchTopic(mapping.topic, topic);
  if (!captured) return { kind: 'refused', reason: `topic ${topic} does not match ${mapping.topic}` };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'refused', reason: 'the payload is not JSON' };
  }
  if (mapping.payload === 'machineReadings') {
    const reading = ReadingPayload.safeParse(body);
    if (!reading.success) return { kind: 'refused', reason: describeProblems(reading.error, '(payload)') };
    if (!captured.plant || !captured.machine) return { kind: 'refused', reason: `the mapping ${mapping.topic} must capture {plant} and {machine}` };
    return { kind: 'reading', plant: captured.plant, machine: captured.machine, reading: { at: receivedAt, source: `mqtt:${topic}`, ...reading.data } };
  }
  const items = Array.isArray(body) ? body : [body];
  const events: FloorEvent[] = [];
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'object' || item === null) return { kind: 'refused', reason: `${Array.isArray(body) ? `${index}: ` : ''}an event must be a JSON object` };
    const derivedId = `mqtt:${createHash('sha256').update(topic).update('\n').update(JSON.stringify(item)).digest('hex').slice(0, 32)}`;
    const given = { ...captured, source: mapping.source };
    const disagrees = Object.entries(given).find(([field, value]) => field in item && (item as Record<string, unknown>)[field] !== value);
    if (disagrees) {
      const [field, value] = disagrees;
      return { kind: 'refused', reason: `${Array.isArray(body) ? `${index}.` : ''}${field}: the ${field === 'source' ? 'mapping' : 'topic'} says "${value}", the payload "${String((item as Record<string, unknown>)[field])}"` };
    }
    const event = FloorEvent.safeParse({ eventId: derivedId, ...item, ...given });
    if (!event.success) return { kind: 'refused', reason: `${Array.isArray(body) ? `${index}.` : ''}${describeProblems(event.error, '(payload)')}` };
    const late = implausibleTime(event.data.occurredAt, Date.parse(receivedAt), window);
    if (late) return { kind: 'refused', reason: `${Array.isArray(body) ? `${index}.` : ''}occurredAt: ${late}` };
    events.push(event.data);
  }
  return { kind: 'events', events };
}

