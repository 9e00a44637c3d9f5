/**
 * What an ERP connection holds of a posting, as the posting plan must know it: the
 * precision of its quantities and hours, and which documents it takes back in part. Each
 * ERP module declares them (its adapter's capabilities); an order carries its
 * connection's rules, so the plan never asks which ERP it posts to.
 */
import { z } from 'zod';
import type { PostingKind } from './postings';

export const PostingRules = z.strictObject({
  /** The most fraction digits the ERP keeps in a stock quantity (a material's own precision may be fewer). */
  quantityDecimals: z.number().int().min(0).max(12),
  /** The most fraction digits the ERP keeps in hours. */
  hoursDecimals: z.number().int().min(0).max(12),
  /** The document kinds the ERP reverses in part; every other kind is reversed whole and posted again. */
  reversedInPart: z.array(z.string()).readonly(),
});
export type PostingRules = Omit<z.infer<typeof PostingRules>, 'reversedInPart'> & { reversedInPart: readonly PostingKind[] };

/**
 * The rules orders were planned with before their connection carried them: every order
 * then posted to the one ERP the bridge had (six digits, issues, transfers and overhead
 * reversed in part). Orders started since carry their connection's own.
 */
export const RULES_BEFORE_CONNECTIONS: PostingRules = {
  quantityDecimals: 6,
  hoursDecimals: 6,
  reversedInPart: ['MaterialIssue', 'StockTransfer', 'OverheadAllocation'],
};

export function reversesInPart(rules: PostingRules, kind: PostingKind): boolean {
  return rules.reversedInPart.includes(kind);
}
