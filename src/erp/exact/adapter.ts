/**
 * Exact Online's manufacturing module behind the ERP adapter interface.
 * Exact has no idempotency key, so every post that may have reached Exact before
 * is looked up first (see findPosted), never sent blindly again.
 */
import type { FinishedGoodsReceipt } from '../../domain/postings';
import { equals } from '../../domain/quantity';
import { type ErpAdapter, ErpError, type PostingRequest, type PostingResult } from '../adapter';
import { parseExactDate, type ExactTransport } from './transport';

interface ShopOrderRow {
  ID: string;
  ShopOrderNumber: number;
  Status: number;
}

interface ShopOrderReceiptRow {
  StockTransactionId: string;
  Quantity: number;
  TransactionDate: string;
}

export function createExactAdapter(transport: ExactTransport): ErpAdapter {
  async function shopOrderFor(erpOrderReference: string): Promise<ShopOrderRow> {
    const number = exactShopOrderNumber(erpOrderReference);
    const [shopOrder] = await transport.list<ShopOrderRow>('manufacturing/ShopOrders', {
      filter: `ShopOrderNumber eq ${number}`,
      select: ['ID', 'ShopOrderNumber', 'Status'],
    });
    if (!shopOrder) {
      throw new ErpError(`Exact Online has no shop order ${number}`, 'needsPerson', 'UnknownShopOrder');
    }
    return shopOrder;
  }

  async function postReceipt(receipt: FinishedGoodsReceipt): Promise<PostingResult> {
    const shopOrder = await shopOrderFor(receipt.erpOrderReference);
    const created = await transport.create<ShopOrderReceiptRow>('manufacturing/ShopOrderReceipts', {
      ShopOrder: shopOrder.ID,
      Quantity: toEdmDouble(receipt.quantity),
      TransactionDate: `${receipt.transactionDate}T00:00:00`,
    });
    return { erpDocumentId: created.StockTransactionId, foundExisting: false };
  }

  /**
   * A receipt has no free-text field, so an earlier attempt is recognised by shop order,
   * quantity and transaction date, among the receipts this order does not already account for.
   */
  async function findReceipt(receipt: FinishedGoodsReceipt, known: readonly string[]): Promise<PostingResult | undefined> {
    const shopOrder = await shopOrderFor(receipt.erpOrderReference);
    const rows = await transport.list<ShopOrderReceiptRow>('manufacturing/ShopOrderReceipts', {
      filter: `ShopOrder eq guid'${shopOrder.ID}'`,
      select: ['StockTransactionId', 'Quantity', 'TransactionDate'],
    });
    const ours = rows.find(
      (row) =>
        !known.includes(row.StockTransactionId) &&
        equals(String(row.Quantity), receipt.quantity) &&
        parseExactDate(row.TransactionDate).toISOString().slice(0, 10) === receipt.transactionDate,
    );
    return ours ? { erpDocumentId: ours.StockTransactionId, foundExisting: true } : undefined;
  }

  return {
    system: 'exact',
    capabilities: () => ({ postings: new Set(['FinishedGoodsReceipt']), idempotency: 'lookup' }),
    post: (request: PostingRequest) => postReceipt(request.content),
    findPosted: (request: PostingRequest) => findReceipt(request.content, request.knownDocumentIds),
  };
}

/** The MES order reference is Exact's ShopOrderNumber (an Int32). */
export function exactShopOrderNumber(productionOrder: string): number {
  const number = Number(productionOrder);
  if (!/^\d{1,9}$/.test(productionOrder) || !Number.isSafeInteger(number)) {
    throw new ErpError(
      `production order "${productionOrder}" is not an Exact shop order number (digits only)`,
      'needsPerson',
      'UnmappableOrderReference',
    );
  }
  return number;
}

/**
 * Exact types quantities as Edm.Double. A decimal of up to 15 significant digits
 * survives the trip exactly; anything else is refused rather than rounded silently.
 */
export function toEdmDouble(quantity: string): number {
  const value = Number(quantity);
  if (!Number.isFinite(value) || !equals(String(value), quantity)) {
    throw new ErpError(`quantity ${quantity} cannot be sent to Exact Online without loss`, 'needsPerson', 'QuantityPrecision');
  }
  return value;
}
