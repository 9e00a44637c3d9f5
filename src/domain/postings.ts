/**
 * What the bridge asks an ERP to book. A posting is derived from the order's state,
 * numbered in sequence per order, and carries an idempotency key that stays the same
 * however often the post is retried.
 */
import type { Decimal } from './quantity';

/** Finished goods booked into stock against the shop order (the conforming quantity). */
export interface FinishedGoodsReceipt {
  kind: 'FinishedGoodsReceipt';
  plant: string;
  productionOrder: string;
  /** The order's reference in the ERP; the MES reference unless an operator mapped it. */
  erpOrderReference: string;
  material: string;
  quantity: Decimal;
  unit: string;
  /** The floor's date of the transaction, YYYY-MM-DD. */
  transactionDate: string;
}

/** Material issued to the shop order: what the floor actually consumed. */
export interface MaterialIssue {
  kind: 'MaterialIssue';
  plant: string;
  productionOrder: string;
  erpOrderReference: string;
  /** The floor's material code, and the ERP's item code for it (the same unless an operator mapped it). */
  material: string;
  erpMaterial: string;
  quantity: Decimal;
  unit: string;
  batch?: string;
  storageLocation?: string;
  transactionDate: string;
}

export type PostingContent = FinishedGoodsReceipt | MaterialIssue;
export type PostingKind = PostingContent['kind'];

/** Skipped: an operator decided the ERP shall not get this posting, and said why. */
export type PostingStatus = 'Pending' | 'Posted' | 'NeedsAttention' | 'Skipped';

export interface PostingError {
  /** The classification an operator acts on, e.g. UnknownShopOrder, ValidationRejected. */
  type: string;
  message: string;
}

export interface Posting {
  sequence: number;
  idempotencyKey: string;
  content: PostingContent;
  status: PostingStatus;
  /** The ERP's own id of the document, once posted. */
  erpDocumentId?: string;
  error?: PostingError;
  skipReason?: string;
}

/** Stable across retries, replays and continue-as-new: the order's workflow id and the posting's sequence. */
export function postingIdempotencyKey(workflowId: string, sequence: number): string {
  return `${workflowId}#${sequence}`;
}
