/** The workflows' SHA-256 (their sandbox has no node:crypto) gives node's digests. */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { sha256Hex } from '../src/domain/digest';

it("gives node:crypto's SHA-256 for empty, padded, multi-block and non-ASCII text", () => {
  for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é€😀 Ω', 'a'.repeat(1000)]) {
    expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
  }
});
