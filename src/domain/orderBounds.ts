/**
 * What an order keeps, and how much: the bounds that keep its state far below Temporal's
 * 2 MB payload limit whatever its length, its ids and its open problems. De-duplication by
 * fixed-size digests, recent events within a byte budget, capped rejections and held
 * events, and the state's size as Temporal carries it. Pure.
 */
import { sha256Hex } from './digest';
import type { ProductionOrderState, RecentEvent, RejectedEvent } from './productionOrder';

/**
 * How many recent events an order remembers to recognise a resent one, across
 * continue-as-new too: by a 64-bit digest of the event id (16 hex digits, whatever the
 * id's length), so the memory is fixed in bytes (about 190 KB). A resend of an event older
 * than the last 10,000 events of the same order is not recognised; MES retries come within
 * minutes, far inside that.
 */
export const DEDUPLICATION_WINDOW = 10_000;
/**
 * How many recent events an order keeps whole, so that a correction can find what its
 * target added, and postings can name the events they carry: at most this many, and at
 * most CORRECTION_WINDOW_BYTES of them. An older event can no longer be corrected (the
 * correction is rejected with that reason).
 */
export const CORRECTION_WINDOW = 2_000;
export const CORRECTION_WINDOW_BYTES = 96 * 1024;
/** Rejected events kept in the state, and the length of a reason kept; older ones remain in the workflow's history. */
export const REJECTED_EVENTS_KEPT = 100;
export const REASON_KEPT = 500;
/**
 * Events an order holds while it waits for its release (or master data): at most this many
 * and this many bytes. Beyond that an event is rejected, with the reason, until the release comes.
 */
export const HELD_EVENTS_KEPT = 1_000;
export const HELD_EVENTS_BYTES = 128 * 1024;
/** Corrections waiting for the event they name. */
export const HELD_CORRECTIONS_KEPT = 200;

/** The recent events with `entry` added: at most CORRECTION_WINDOW of them, and at most CORRECTION_WINDOW_BYTES. */
export function keptRecent(before: readonly RecentEvent[], entry: RecentEvent): RecentEvent[] {
  const recent = [...before, { ...entry, bytes: jsonBytes(entry) }].slice(-CORRECTION_WINDOW);
  let bytes = recent.reduce((total, e) => total + (e.bytes ?? jsonBytes(e)), 0);
  while (bytes > CORRECTION_WINDOW_BYTES && recent.length > 1) bytes -= recent.shift()!.bytes ?? 0;
  return recent;
}

/** The rejections kept: the latest REJECTED_EVENTS_KEPT, each reason at most REASON_KEPT characters. */
export function keptRejections(before: readonly RejectedEvent[], rejected: RejectedEvent): RejectedEvent[] {
  const reason = rejected.reason.length > REASON_KEPT ? `${rejected.reason.slice(0, REASON_KEPT - 1)}…` : rejected.reason;
  return [...before, { ...rejected, reason }].slice(-REJECTED_EVENTS_KEPT);
}

/** The fixed-size digest an order remembers an event id by (64 bits: 16 hex digits). */
export function eventDigest(eventId: string): string {
  return sha256Hex(eventId).slice(0, 16);
}

export function hasSeen(state: ProductionOrderState, eventId: string): boolean {
  return (state.seenEvents?.includes(eventDigest(eventId)) ?? false) || (state.seenEventIds?.includes(eventId) ?? false);
}

/** The event id remembered; raw ids carried from older states age out with the window. */
export function rememberSeen(state: ProductionOrderState, eventId: string): Pick<ProductionOrderState, 'seenEvents' | 'seenEventIds'> {
  const seenEvents = [...(state.seenEvents ?? []), eventDigest(eventId)].slice(-DEDUPLICATION_WINDOW);
  const legacy = state.seenEventIds?.slice(-(DEDUPLICATION_WINDOW - seenEvents.length));
  return legacy && legacy.length > 0 ? { seenEvents, seenEventIds: legacy } : { seenEvents, seenEventIds: undefined };
}

/** Why the order can hold no more events until its release, or undefined while it can. */
export function heldEventsFull(state: ProductionOrderState): string | undefined {
  if (state.heldEvents.length < HELD_EVENTS_KEPT && jsonBytes(state.heldEvents) < HELD_EVENTS_BYTES) return undefined;
  const limit = `at most ${HELD_EVENTS_KEPT} or ${HELD_EVENTS_BYTES / 1024} KB wait`;
  return state.released
    ? `the order holds ${state.heldEvents.length} events waiting for master data (a unit conversion) they need (${limit}); fix the master data and reload it, then send this event again`
    : `the order is not released yet and holds ${state.heldEvents.length} events waiting for the release (${limit}); send the OrderReleased event first, then this event again`;
}

/** What a value takes as JSON in UTF-8: the size of a payload Temporal carries. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c >= 0x800 && (c < 0xd800 || c > 0xdfff)) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/** The size of the order's state as Temporal carries it (continue-as-new, close). */
export function stateBytes(state: ProductionOrderState): number {
  return jsonBytes(state);
}
