/**
 * What Exact holds for a shop order, for reconciliation: its material issues, receipts and
 * by-product receipts and their reversals, by the ShopOrder each names (one list call each).
 */
import type { ComparedKind, HeldDocument, HeldDocuments, OrderInErp } from '../../domain/reconciliation';
import type { ExactLookups } from './lookups';
import { parseEdmDateTime } from './contract';
import { fromEdmDouble } from './mapping';

interface StockRow {
  StockTransactionId?: string;
  ReversalStockTransactionId?: string;
  OriginalStockTransactionId?: string;
  ItemCode: string;
  Quantity: number;
  Unit?: string;
  TransactionDate?: string;
}

const lists: { path: Parameters<ExactLookups['transport']['list']>[0]; kind: ComparedKind; reversal: boolean }[] = [
  { path: 'manufacturing/MaterialIssues', kind: 'MaterialIssue', reversal: false },
  { path: 'manufacturing/MaterialReversals', kind: 'MaterialIssue', reversal: true },
  { path: 'manufacturing/ShopOrderReceipts', kind: 'FinishedGoodsReceipt', reversal: false },
  { path: 'manufacturing/ShopOrderReversals', kind: 'FinishedGoodsReceipt', reversal: true },
  { path: 'manufacturing/ByProductReceipts', kind: 'ByProductReceipt', reversal: false },
  { path: 'manufacturing/ByProductReversals', kind: 'ByProductReceipt', reversal: true },
];

export async function exactDocumentsOf(order: OrderInErp, exact: ExactLookups): Promise<HeldDocuments> {
  const shopOrder = await exact.shopOrderFor(order.erpOrderReference);
  const documents: HeldDocument[] = [];
  for (const { path, kind, reversal } of lists) {
    const id = reversal ? 'ReversalStockTransactionId' : 'StockTransactionId';
    const rows = await exact.transport.list<StockRow>(path, {
      filter: `ShopOrder eq guid'${shopOrder.ID}'`,
      select: [id, ...(reversal ? ['OriginalStockTransactionId'] : []), 'ItemCode', 'Quantity', 'Unit', 'TransactionDate'],
    });
    for (const row of rows) {
      documents.push({
        id: String(row[id]),
        kind,
        ...(reversal ? { reverses: String(row.OriginalStockTransactionId) } : {}),
        erpMaterial: row.ItemCode,
        quantity: fromEdmDouble(row.Quantity),
        ...(row.Unit ? { unit: row.Unit } : {}),
        ...(row.TransactionDate ? { transactionDate: parseEdmDateTime(row.TransactionDate).toISOString().slice(0, 10) } : {}),
      });
    }
  }
  return { kinds: lists.map((l) => l.kind).filter((k, i, all) => all.indexOf(k) === i), documents };
}
