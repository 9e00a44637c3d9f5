/** Exact's Edm.Double quantities read as the decimals people typed, not their binary noise. */
import { describe, expect, it } from 'vitest';
import { fromEdmDouble, toEdmDouble } from '../src/erp/exact/mapping';

describe('Exact Edm.Double', () => {
  it('reads a computed double as the decimal it stands for', () => {
    expect(fromEdmDouble(0.7 * 2)).toBe('1.4');
    expect(fromEdmDouble(0.1 + 0.2)).toBe('0.3');
    expect(fromEdmDouble(1234.5678)).toBe('1234.5678');
    expect(fromEdmDouble(0)).toBe('0');
    expect(fromEdmDouble(1e-7)).toBe('0.0000001');
    expect(fromEdmDouble(-2.5)).toBe('-2.5');
  });

  it('round-trips what it sends', () => {
    for (const q of ['1.4', '3.2346', '0.0001', '999999.999']) expect(fromEdmDouble(toEdmDouble(q))).toBe(q);
  });
});
