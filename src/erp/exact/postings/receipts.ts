/**
 * Receipts of finished goods and by-products: stock transactions with their reserved batch
 * or serial numbers, recognised by the DraftStockTransactionID derived from the posting key
 * (receipts have no free text); reversed whole, the reversal carrying the key in Note.
 */
import type { ByProductReceipt, FinishedGoodsReceipt } from '../../../domain/postings';
import type { PostingResult } from '../../adapter';
import { StockTransactionType } from '../contract';
import { type CreatedRow, type ExactLookups, type StockReceiptRow, created, draftStockTransactionId } from '../lookups';
import { byProductReceiptBody, shopOrderReceiptBody, wholeReversalBody } from '../mapping';
import type { ExactPostingKind } from './kind';

/**
 * Only the draft id recognises a receipt: one of the same quantity and date made by another
 * order, or booked by hand, is never taken for this posting's.
 */
async function findReceipt(receipt: FinishedGoodsReceipt | ByProductReceipt, key: string, exact: ExactLookups): Promise<PostingResult | undefined> {
  const path = receipt.kind === 'ByProductReceipt' ? 'manufacturing/ByProductReceipts' : 'manufacturing/ShopOrderReceipts';
  const [drafted] = await exact.transport.list<StockReceiptRow>(path, { filter: `DraftStockTransactionID eq guid'${draftStockTransactionId(key)}'`, select: ['StockTransactionId'] });
  return drafted ? { erpDocumentId: drafted.StockTransactionId, foundExisting: true } : undefined;
}

export const finishedGoodsReceipt: ExactPostingKind<FinishedGoodsReceipt> = {
  async post(receipt, key, exact) {
    const shopOrder = await exact.shopOrderFor(receipt.erpOrderReference);
    const stock = await exact.stockFields(receipt, shopOrder.Item, shopOrder, StockTransactionType.ShopOrderReceipt, key);
    return exact.postStock('manufacturing/ShopOrderReceipts', shopOrderReceiptBody(shopOrder.ID, receipt), stock);
  },
  find: findReceipt,
  async reverse(reversal, key, exact) {
    return created(await exact.transport.create<CreatedRow>('manufacturing/ShopOrderReversals', wholeReversalBody(reversal.originalDocumentId, reversal.transactionDate, key)));
  },
  findReversal: (reversal, key, exact) => exact.findByNote('manufacturing/ShopOrderReversals', `OriginalStockTransactionId eq guid'${reversal.originalDocumentId}'`, key),
};

export const byProductReceipt: ExactPostingKind<ByProductReceipt> = {
  async post(receipt, key, exact) {
    const plan = await exact.materialPlanFor(receipt);
    const stock = await exact.stockFields(receipt, plan.Item, await exact.shopOrderFor(receipt.erpOrderReference), StockTransactionType.ByProductReceipt, key);
    return exact.postStock('manufacturing/ByProductReceipts', byProductReceiptBody(plan.ID, receipt), stock);
  },
  find: findReceipt,
  async reverse(reversal, key, exact) {
    return created(await exact.transport.create<CreatedRow>('manufacturing/ByProductReversals', wholeReversalBody(reversal.originalDocumentId, reversal.transactionDate, key)));
  },
  findReversal: (reversal, key, exact) => exact.findByNote('manufacturing/ByProductReversals', `OriginalStockTransactionId eq guid'${reversal.originalDocumentId}'`, key),
};
