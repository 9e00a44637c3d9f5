/**
 * Quantities are decimals carried as strings ("12.5"), never binary floats.
 * Arithmetic goes through big.js: without error for addition, subtraction and multiplication;
 * division keeps 20 decimal places and is only ever followed by rounding to an ERP's
 * precision. Plain JSON, so quantities survive Temporal payloads and HTTP unchanged.
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

/** A decimal greater than zero (conversion factors, yields). */
export const PositiveDecimal = Decimal.refine((v) => !DECIMAL_PATTERN.test(v) || new Big(v).gt(0), 'must be greater than zero');

export const ZERO: Decimal = '0';

// toFixed(), not toString(): big.js writes numbers below 1e-7 in exponent notation otherwise.

export function add(a: Decimal, b: Decimal): Decimal {
  return new Big(a).plus(b).toFixed();
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  return new Big(a).minus(b).toFixed();
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return new Big(a).times(b).toFixed();
}

/** a ÷ b to 20 decimal places; round the result to a precision before it reaches an ERP. */
export function divide(a: Decimal, b: Decimal): Decimal {
  return new Big(a).div(b).toFixed();
}

export function negate(a: Decimal): Decimal {
  return new Big(a).times(-1).toFixed();
}

/** Rounds half away from zero to `decimals` fraction digits. */
export function round(a: Decimal, decimals: number): Decimal {
  return new Big(a).round(decimals, Big.roundHalfUp).toFixed();
}

export function sum(values: readonly Decimal[]): Decimal {
  return values.reduce<Decimal>(add, ZERO);
}

export function isZero(a: Decimal): boolean {
  return new Big(a).eq(0);
}

export function isPositive(a: Decimal): boolean {
  return new Big(a).gt(0);
}

export function isNegative(a: Decimal): boolean {
  return new Big(a).lt(0);
}

export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  return new Big(a).cmp(b);
}

export function equals(a: Decimal, b: Decimal): boolean {
  return compare(a, b) === 0;
}

export function min(a: Decimal, b: Decimal): Decimal {
  return compare(a, b) <= 0 ? a : b;
}
