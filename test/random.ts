/**
 * Seeded randomness for the property tests, the fuzzers and the chaos suite, so a failing
 * run can be replayed from its seed. No test runner import: bench scripts use it too.
 */
import Big from 'big.js';

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole numbers, decimals with up to three fraction digits (as text) and shuffles, from one seed. */
export function seededStream(seed: number) {
  const next = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const decimal = (max: number) => new Big(int(1, max * 1000)).div(1000).toString();
  const shuffle = <T>(items: T[]) => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  return { next, int, decimal, shuffle };
}
