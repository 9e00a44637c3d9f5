/**
 * State keyed by floor and ERP codes (materials, operations, units, employees). A code may
 * be named like a member of Object.prototype (`constructor`, `toString`, `__proto__`), and
 * the state crosses JSON at every continue-as-new, which gives plain objects back. So
 * keyed records are read through their own entries only (entryOf, hasEntry), and built
 * with object literals, spreads or `keyed` (a null prototype), which make every key an own
 * entry: a code is an ordinary key, whatever its name.
 */
export type Keyed<T> = Record<string, T>;

/** The entry a record holds of its own under `key`; never an inherited member. */
export function entryOf<T>(record: Readonly<Keyed<T>> | undefined | null, key: string): T | undefined {
  return record != null && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function hasEntry(record: Readonly<Keyed<unknown>> | undefined | null, key: string): boolean {
  return record != null && Object.hasOwn(record, key);
}

/** A null-prototype record of the entries given. */
export function keyed<T>(entries: Iterable<readonly [string, T]>): Keyed<T> {
  const record = Object.create(null) as Keyed<T>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}
