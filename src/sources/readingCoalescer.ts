/**
 * Machines at plant scale: a PLC that reports every second need not become a signal every
 * second. Readings are absolute (cumulative counters, the current state), so the latest one
 * holds everything the earlier ones said: a machine's readings go to Temporal at most once
 * per its minimum interval, the latest of them (fields a reading leaves out kept from the
 * earlier ones), and a changed state goes at once. A reading that goes at once resolves
 * `offer` once Temporal holds it; a reading held back resolves it at once (an MQTT message
 * is acknowledged: the broker's next message must not wait for the interval) and goes when
 * the interval ends, retried until Temporal takes it. A bridge killed meanwhile loses what
 * was held, and no more: the machine's next reading carries the same absolute counters.
 */

export interface MachineReadingLike {
  at: string;
  state?: string;
  [field: string]: unknown;
}

export type SendReading = (plant: string, machine: string, reading: MachineReadingLike) => Promise<unknown>;

interface Waiting {
  reading: MachineReadingLike;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  timer?: ReturnType<typeof setTimeout>;
}

interface MachineTrack {
  lastSentAt: number;
  /** The state of the last reading sent (or on its way). */
  lastState?: string;
  waiting?: Waiting;
  /** A send in flight: the next waits for it, so a machine's readings reach Temporal in order. */
  sending: Promise<void>;
}

export interface ReadingCoalescer {
  /** Resolves once Temporal holds the reading (rejects if it did not take it: offer again), or at once when it is held back. */
  offer(plant: string, machine: string, reading: MachineReadingLike, minIntervalMs: number): Promise<void>;
  /** Readings offered and readings sent: what coalescing saved. */
  counts(): { offered: number; sent: number };
  /** Sends what waits now, and stops retrying. */
  stop(): Promise<void>;
}

export function createReadingCoalescer(send: SendReading, options: { now?: () => number; retryMs?: number } = {}): ReadingCoalescer {
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? 1000;
  const machines = new Map<string, MachineTrack>();
  let offered = 0;
  let sent = 0;
  let stopped = false;

  function dispatch(plant: string, machine: string, track: MachineTrack): Promise<void> {
    const waiting = track.waiting;
    if (!waiting) return track.sending;
    if (waiting.timer) clearTimeout(waiting.timer);
    track.waiting = undefined;
    track.lastSentAt = now();
    if (waiting.reading.state !== undefined) track.lastState = waiting.reading.state;
    const run = track.sending.then(async () => {
      try {
        await send(plant, machine, waiting.reading);
        sent += 1;
        for (const w of waiting.waiters) w.resolve();
      } catch (error) {
        if (waiting.waiters.length > 0) {
          // The source offers its reading again; the next one sent must not be held back.
          track.lastSentAt = 0;
          for (const w of waiting.waiters) w.reject(error);
          return;
        }
        // Held back and already acknowledged: it waits (merged with anything newer) and goes again.
        if (stopped) return;
        track.waiting = { reading: { ...waiting.reading, ...track.waiting?.reading }, waiters: track.waiting?.waiters ?? [] };
        track.waiting.timer = setTimeout(() => void dispatch(plant, machine, track), retryMs);
      }
    });
    track.sending = run;
    return run;
  }

  return {
    offer(plant, machine, reading, minIntervalMs) {
      offered += 1;
      const key = `${plant}\u0000${machine}`;
      let track = machines.get(key);
      if (!track) machines.set(key, (track = { lastSentAt: 0, sending: Promise.resolve() }));
      const t = track;
      return new Promise<void>((resolve, reject) => {
        const earlier = t.waiting;
        // The latest of each field: a reading that leaves a field out (report by exception) keeps the earlier value.
        const merged = earlier && earlier.reading.at > reading.at ? { ...reading, ...earlier.reading } : { ...earlier?.reading, ...reading };
        const changedState = reading.state !== undefined && reading.state !== t.lastState;
        const due = t.lastSentAt + minIntervalMs;
        const goesNow = minIntervalMs <= 0 || changedState || now() >= due;
        t.waiting = { reading: merged, waiters: [...(earlier?.waiters ?? []), ...(goesNow ? [{ resolve, reject }] : [])], ...(earlier?.timer ? { timer: earlier.timer } : {}) };
        if (goesNow) {
          void dispatch(plant, machine, t);
          return;
        }
        t.waiting.timer ??= setTimeout(() => void dispatch(plant, machine, t), due - now());
        resolve();
      });
    },
    counts: () => ({ offered, sent }),
    async stop() {
      stopped = true;
      await Promise.all([...machines].map(([key, track]) => {
        const [plant, machine] = key.split('\u0000') as [string, string];
        return dispatch(plant, machine, track);
      }));
    },
  };
}
