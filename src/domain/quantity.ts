/**
 * Quantities are decimals carried as strings ("12.5"), never binary floats.
 * Arithmetic goes through big.js, which is exact for addition and subtraction.
 * Plain JSON, so quantities survive Temporal payloads and HTTP unchanged.
 */
import Big from 'big.js';
import { z } from 'zod';

export const DECIMAL_PATTERN = /^-?\d{1,15}(\.\d{1,9})?$/;

/** A decimal quantity as text: up to 15 integer and 9 fraction digits. */
export const Decimal = z
  .string()
  .regex(DECIMAL_PATTERN, 'must be a decimal number written as a string, e.g. "12.5"');
export type Decimal = z.infer<typeof Decimal>;

/** A decimal that may not be negative. */
export const NonNegativeDecimal = Decimal.refine(
  // zod runs refinements after a failed pattern too; a malformed value is already reported.
  (v) => !DECIMAL_PATTERN.test(v) || new Big(v).gte(0),
  'must not be negative',
);

export const ZERO: Decimal = '0';

export function add(a: Decimal, b: Decimal): Decimal {
  return new Big(a).plus(b).toString();
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  return new Big(a).minus(b).toString();
}

export function sum(values: readonly Decimal[]): Decimal {
  return values.reduce<Decimal>(add, ZERO);
}

export function isZero(a: Decimal): boolean {
  return new Big(a).eq(0);
}

export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  return new Big(a).cmp(b);
}

export function equals(a: Decimal, b: Decimal): boolean {
  return compare(a, b) === 0;
}
