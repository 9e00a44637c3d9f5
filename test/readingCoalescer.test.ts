/** 200 machines reporting every second must not become 200 signals a second: readings go at most once per interval, a changed state at once. */
import { describe, expect, it } from 'vitest';
import { createReadingCoalescer } from '../src/sources/readingCoalescer';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, s)).toISOString();
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reading coalescer', () => {
  it('sends the first reading at once, then the latest of each interval, fields merged', async () => {
    const sent: Record<string, unknown>[] = [];
    const readings = createReadingCoalescer(async (_plant, _machine, reading) => void sent.push(reading));
    await readings.offer('P', 'PRESS', { at: at(0), good: '1', state: 'running' }, 200);
    for (let s = 1; s <= 5; s++) await readings.offer('P', 'PRESS', { at: at(s), good: String(1 + s) }, 200);
    await readings.offer('P', 'PRESS', { at: at(6), scrap: '2' }, 200);
    expect(sent).toEqual([{ at: at(0), good: '1', state: 'running' }]);
    await settle(300);
    expect(sent).toEqual([{ at: at(0), good: '1', state: 'running' }, { at: at(6), good: '6', scrap: '2' }]);
    expect(readings.counts()).toEqual({ offered: 7, sent: 2 });
  });

  it('sends a changed state at once, with the counters held back', async () => {
    const sent: Record<string, unknown>[] = [];
    const readings = createReadingCoalescer(async (_plant, _machine, reading) => void sent.push(reading));
    await readings.offer('P', 'SAW', { at: at(0), good: '0', state: 'running' }, 60_000);
    await readings.offer('P', 'SAW', { at: at(1), good: '4' }, 60_000);
    await readings.offer('P', 'SAW', { at: at(2), state: 'down' }, 60_000);
    expect(sent).toEqual([{ at: at(0), good: '0', state: 'running' }, { at: at(2), good: '4', state: 'down' }]);
    await readings.stop();
  });

  it('keeps machines apart, and retries a held reading Temporal did not take', async () => {
    const sent: string[] = [];
    let failures = 1;
    const readings = createReadingCoalescer(
      async (_plant, machine, reading) => {
        if (machine === 'B' && reading.good === '9' && failures-- > 0) throw new Error('Temporal unavailable');
        sent.push(`${machine}:${String(reading.good)}`);
      },
      { retryMs: 50 },
    );
    await readings.offer('P', 'A', { at: at(0), good: '1' }, 100);
    await readings.offer('P', 'B', { at: at(0), good: '1' }, 100);
    await readings.offer('P', 'B', { at: at(1), good: '9' }, 100);
    await settle(400);
    expect(sent).toEqual(['A:1', 'B:1', 'B:9']);
  });

  it('rejects a reading sent at once that Temporal did not take, so the source offers it again', async () => {
    const readings = createReadingCoalescer(async () => {
      throw new Error('Temporal unavailable');
    });
    await expect(readings.offer('P', 'A', { at: at(0), good: '1' }, 1000)).rejects.toThrow('Temporal unavailable');
  });
});
