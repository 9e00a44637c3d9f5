/**
 * Exact Online's manufacturing module behind the ERP adapter interface. Exact has no
 * idempotency key, so every post that may have reached Exact before is looked up first
 * (see findPosted), never sent blindly again. Each kind posts, is found and is reversed in
 * a file of its own (postings/); how each is recognised:
 *
 * | posting | recognised by |
 * |---|---|
 * | receipt, by-product receipt | its DraftStockTransactionID, derived from the posting key (receipts have no free text); sent on every receipt, reserved numbers or not |
 * | material issue | the posting key in Note, among the material plan's issues |
 * | confirmation, time | the posting key in Notes, among the shop order's time transactions |
 * | batch reservation | its DraftStockTransactionID, derived from the posting key (so a retry reserves nothing twice) |
 * | issue reversal | the posting key in Note, among the original's reversals (a partial one's batch or serial numbers: under the draft id derived from the key) |
 * | receipt or by-product reversal | the posting key in Note, among the original's reversals |
 * | overhead, and its counter-entry | the posting key in the lines' Notes, among that day's lines on the debit account |
 * | transfer, and its reversal (a transfer back) | the posting key in Remarks, among the transfers of that date between the same warehouses |
 * | confirmation or time reversal | the original time transaction no longer exists |
 */
import type { DocumentPosting, PostingContent } from '../../domain/postings';
import type { PostingRules } from '../../domain/postingRules';
import type { ErpAdapter } from '../adapter';
import { type PostingKindsIn, byKind } from '../postingKinds';
import { type ExactAdapterOptions, type ExactLookups, createExactLookups } from './lookups';
import { exactDocumentsOf } from './documents';
import { createExactPlanningReader } from './planning';
import { materialIssue } from './postings/materialIssue';
import { overheadAllocation } from './postings/overhead';
import { qualityHold } from './postings/qualityHold';
import { byProductReceipt, finishedGoodsReceipt } from './postings/receipts';
import { stockTransfer } from './postings/stockTransfer';
import { operationConfirmation, timePosting } from './postings/timeTransactions';
import type { ExactTransport } from './transport';

export { type ExactAdapterOptions, draftStockTransactionId } from './lookups';

/** Edm.Double quantities: six digits survive the double exactly at any quantity we post. Issues, transfers and journal entries reverse in part. */
export const EXACT_POSTING_RULES: PostingRules = {
  quantityDecimals: 6,
  hoursDecimals: 6,
  reversedInPart: ['MaterialIssue', 'StockTransfer', 'QualityHold', 'OverheadAllocation'],
};

/** The kinds Exact keeps, each in its own file (it has no quality management: no inspection results). */
type ExactKind = Exclude<DocumentPosting['kind'], 'InspectionResult' | 'PeriodCloseEntry'>;
const kinds: PostingKindsIn<ExactKind, ExactLookups> = {
  FinishedGoodsReceipt: finishedGoodsReceipt,
  ByProductReceipt: byProductReceipt,
  MaterialIssue: materialIssue,
  StockTransfer: stockTransfer,
  QualityHold: qualityHold,
  OperationConfirmation: operationConfirmation,
  TimePosting: timePosting,
  OverheadAllocation: overheadAllocation,
};

export function createExactAdapter(transport: ExactTransport, options: ExactAdapterOptions = {}): ErpAdapter {
  const exact: ExactLookups = createExactLookups(transport, options);
  return {
    system: 'exact',
    capabilities: () => ({
      postings: new Set<PostingContent['kind']>([...(Object.keys(kinds) as ExactKind[]), 'Reversal']),
      idempotency: 'lookup',
      rules: EXACT_POSTING_RULES,
    }),
    ...byKind('Exact', kinds, exact),
    callBudget: () => transport.callBudget(),
    documentsOf: (order) => exactDocumentsOf(order, exact),
    planning: createExactPlanningReader(transport, { masterDataReadEveryMs: options.masterDataReadEveryMs ?? 3_600_000, fullReadEveryMs: options.fullReadEveryMs ?? 86_400_000 }),
  };
}
