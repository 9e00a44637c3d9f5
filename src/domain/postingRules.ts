/**
 * What an ERP connection holds of a posting, as the posting plan must know it: the
 * precision of its quantities and hours, and which documents it takes back in part. Each
 * ERP module declares them (its adapter's capabilities); an order carries its
 * connection's rules, so the plan never asks which ERP it posts to.
 */
import type { PostingKind } from './postings';

export interface PostingRules {
  /** The most fraction digits the ERP keeps in a stock quantity (a material's own precision may be fewer). */
  quantityDecimals: number;
  /** The most fraction digits the ERP keeps in hours. */
  hoursDecimals: number;
  /** The document kinds the ERP reverses in part; every other kind is reversed whole and posted again. */
  reversedInPart: readonly PostingKind[];
  /** The document kinds the ERP keeps; absent: every kind but those kept only where named (inspection results). A line of another kind is a planning problem, not a posting. */
  kinds?: readonly PostingKind[];
  /** Kinds the ERP books itself or has no place for (overhead an ERP absorbs on its own): their lines are not posted, and that is no problem. */
  leftToErp?: readonly PostingKind[];
  /**
   * The ERP books what an order consumed with its output, in one document (a
   * production): the issue lines are carried by the receipt, each component at its own
   * total, and nothing is issued before the order completes.
   */
  consumptionInReceipt?: boolean;
}

/**
 * The rules orders were planned with before their connection carried them: every order
 * then posted to the one ERP the bridge had (six digits, issues, transfers and overhead
 * reversed in part). Orders started since carry their connection's own.
 */
export const RULES_BEFORE_CONNECTIONS: PostingRules = {
  quantityDecimals: 6,
  hoursDecimals: 6,
  reversedInPart: ['MaterialIssue', 'StockTransfer', 'QualityHold', 'OverheadAllocation'],
};

/** Kinds an ERP keeps only where its rules name them: an ERP without quality management records no inspection results, one that closes its own periods takes no close entries. */
const KEPT_WHERE_NAMED: readonly PostingKind[] = ['InspectionResult', 'PeriodCloseEntry'];

export function keepsKind(rules: PostingRules, kind: PostingKind): boolean {
  return rules.kinds === undefined ? !KEPT_WHERE_NAMED.includes(kind) : rules.kinds.includes(kind);
}

export function leavesToErp(rules: PostingRules, kind: PostingKind): boolean {
  return rules.leftToErp?.includes(kind) ?? false;
}

export function carriesConsumptionInReceipt(rules: PostingRules): boolean {
  return rules.consumptionInReceipt === true;
}

export function reversesInPart(rules: PostingRules, kind: PostingKind): boolean {
  return rules.reversedInPart.includes(kind);
}
