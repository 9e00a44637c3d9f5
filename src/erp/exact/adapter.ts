/**
 * Exact Online's manufacturing module behind the ERP adapter interface.
 * Exact has no idempotency key, so every post that may have reached Exact before
 * is looked up first (see findPosted), never sent blindly again.
 */
import type { FinishedGoodsReceipt, MaterialIssue } from '../../domain/postings';
import { equals } from '../../domain/quantity';
import { type ErpAdapter, ErpError, type PostingRequest, type PostingResult } from '../adapter';
import { MaterialPlanType } from './contract';
import { parseExactDate, type ExactTransport } from './transport';

interface ShopOrderRow {
  ID: string;
  ShopOrderNumber: number;
  Status: number;
}

interface MaterialPlanRow {
  ID: string;
  ItemCode: string;
  Unit: string;
  Backflush: number;
  Type: number;
}

interface MaterialIssueRow {
  StockTransactionId: string;
  Note: string | null;
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

  /** The order's material plan for the item: what Exact issues against. */
  async function materialPlanFor(issue: MaterialIssue): Promise<MaterialPlanRow> {
    const shopOrder = await shopOrderFor(issue.erpOrderReference);
    const plans = await transport.list<MaterialPlanRow>('manufacturing/ShopOrderMaterialPlans', {
      filter: `ShopOrder eq guid'${shopOrder.ID}'`,
      select: ['ID', 'ItemCode', 'Unit', 'Backflush', 'Type'],
    });
    const plan = plans.find((p) => p.ItemCode === issue.erpMaterial && p.Type === MaterialPlanType.Material);
    if (!plan) {
      throw new ErpError(
        `Exact Online shop order ${shopOrder.ShopOrderNumber} has no material plan for item ${issue.erpMaterial}` +
          (issue.erpMaterial !== issue.material ? ` (floor material ${issue.material})` : ''),
        'needsPerson',
        'UnknownMaterial',
      );
    }
    if (plan.Backflush === 1) {
      throw new ErpError(
        `Exact Online backflushes item ${plan.ItemCode} on shop order ${shopOrder.ShopOrderNumber}; issuing the actual quantity too would count it twice`,
        'needsPerson',
        'BackflushedByErp',
      );
    }
    if (plan.Unit !== issue.unit) {
      throw new ErpError(`Exact Online plans item ${plan.ItemCode} in ${plan.Unit}, the floor reported ${issue.unit}`, 'needsPerson', 'UnitMismatch');
    }
    return plan;
  }

  /** Every issue carries its posting key in Note, the only free-text field a MaterialIssue has. */
  async function postIssue(issue: MaterialIssue, key: string): Promise<PostingResult> {
    if (issue.batch || issue.storageLocation) {
      throw new ErpError(
        `material ${issue.material} was consumed from batch or storage location; the Exact adapter does not reserve batch numbers or map locations yet`,
        'needsPerson',
        'BatchOrLocationNotSupported',
      );
    }
    const plan = await materialPlanFor(issue);
    const created = await transport.create<MaterialIssueRow>('manufacturing/MaterialIssues', {
      ShopOrderMaterialPlan: plan.ID,
      Quantity: toEdmDouble(issue.quantity),
      TransactionDate: `${issue.transactionDate}T00:00:00`,
      Note: key,
    });
    return { erpDocumentId: created.StockTransactionId, foundExisting: false };
  }

  /** Whether Exact filters on Note is not documented, so the plan's issues are read and matched here. */
  async function findIssue(issue: MaterialIssue, key: string): Promise<PostingResult | undefined> {
    const plan = await materialPlanFor(issue);
    const rows = await transport.list<MaterialIssueRow>('manufacturing/MaterialIssues', {
      filter: `ShopOrderMaterialPlan eq guid'${plan.ID}'`,
      select: ['StockTransactionId', 'Note'],
    });
    const ours = rows.find((row) => row.Note === key);
    return ours ? { erpDocumentId: ours.StockTransactionId, foundExisting: true } : undefined;
  }

  return {
    system: 'exact',
    capabilities: () => ({ postings: new Set(['FinishedGoodsReceipt', 'MaterialIssue']), idempotency: 'lookup' }),
    post: ({ content, idempotencyKey }: PostingRequest) =>
      content.kind === 'MaterialIssue' ? postIssue(content, idempotencyKey) : postReceipt(content),
    findPosted: ({ content, idempotencyKey, knownDocumentIds }: PostingRequest) =>
      content.kind === 'MaterialIssue' ? findIssue(content, idempotencyKey) : findReceipt(content, knownDocumentIds),
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
