/**
 * Postings as Exact Online bodies: pure functions, no I/O. The adapter resolves Exact's
 * ids (shop order, material plan, routing step, work centre) and hands them in.
 *
 * | posting | Exact endpoint | notes |
 * |---|---|---|
 * | FinishedGoodsReceipt | manufacturing/ShopOrderReceipts | no free-text field; a batch reserved first (type 140) |
 * | MaterialIssue | manufacturing/MaterialIssues | against the order's material plan; posting key in Note; a batch reserved first (type 150) |
 * | ByProductReceipt | manufacturing/ByProductReceipts | against the order's by-product plan; no free-text field; a batch reserved first (type 147) |
 * | StockTransfer | inventory/WarehouseTransfers | Status 50 (processed at once), one line; posting key in Remarks; same warehouse = a location transfer |
 * | OverheadAllocation | generaljournalentry/GeneralJournalEntries | two lines, debit and credit; posting key in the lines' Notes |
 * | OperationConfirmation | manufacturing/TimeTransactions | Activity 20 (run), Hours 0, Quantity = yield; key in Notes. Exact keeps no scrap or rework there |
 * | TimePosting | manufacturing/TimeTransactions | setup: Activity 10, Hours; machine: Activity 20, Hours; labour: Activity 20, LaborHours |
 * | Reversal of an issue | manufacturing/MaterialReversals | all that is left (Exact returns its batch and serial numbers), or in part naming them (type 151); key in Note |
 * | Reversal of a receipt | manufacturing/ShopOrderReversals | whole; key in Note |
 * | Reversal of a by-product receipt | manufacturing/ByProductReversals | whole; key in Note |
 * | Reversal of a transfer | inventory/WarehouseTransfers | the same way back, in part; key in Remarks |
 * | Reversal of an overhead allocation | generaljournalentry/GeneralJournalEntries | a counter-entry (amounts negated), in part; key in Notes |
 * | Reversal of a confirmation or time | DELETE manufacturing/TimeTransactions(guid'…') | whole |
 */
import Big from 'big.js';
import type { ByProductReceipt, FinishedGoodsReceipt, MaterialIssue, OperationConfirmation, OverheadAllocation, StockTransfer, TimePosting } from '../../domain/postings';
import { equals } from '../../domain/quantity';
import { ErpError } from '../adapter';
import { StockTransactionType, TimeActivityCode, TimeTransactionStatus, WarehouseTransferStatus } from './contract';

/** Exact types dates as Edm.DateTime; the bridge posts the floor's date at midnight. */
export function exactDate(date: string): string {
  return `${date}T00:00:00`;
}

export function shopOrderReceiptBody(shopOrderId: string, receipt: FinishedGoodsReceipt) {
  return { ShopOrder: shopOrderId, Quantity: toEdmDouble(receipt.quantity), TransactionDate: exactDate(receipt.transactionDate) };
}

export function materialIssueBody(materialPlanId: string, issue: MaterialIssue, key: string) {
  return { ShopOrderMaterialPlan: materialPlanId, Quantity: toEdmDouble(issue.quantity), TransactionDate: exactDate(issue.transactionDate), Note: key };
}

export function byProductReceiptBody(materialPlanId: string, receipt: ByProductReceipt) {
  return { ShopOrderMaterialPlan: materialPlanId, Quantity: toEdmDouble(receipt.quantity), TransactionDate: exactDate(receipt.transactionDate) };
}

/** Exact's ids for one way of a transfer. */
export interface TransferWay {
  warehouseFrom: string;
  warehouseTo: string;
  storageLocationFrom?: string;
  storageLocationTo?: string;
}

/** A transfer posted complete, so Exact processes it at once; the posting key goes in Remarks. */
export function warehouseTransferBody(way: TransferWay, itemId: string, transfer: StockTransfer, transactionDate: string, key: string) {
  return {
    EntryDate: exactDate(transactionDate),
    WarehouseFrom: way.warehouseFrom,
    WarehouseTo: way.warehouseTo,
    Status: WarehouseTransferStatus.Complete,
    Description: `Order ${transfer.productionOrder}: ${transfer.erpMaterial}`.slice(0, 60),
    Remarks: key,
    WarehouseTransferLines: [
      {
        Item: itemId,
        Quantity: toEdmDouble(transfer.quantity),
        ...(way.storageLocationFrom ? { StorageLocationFrom: way.storageLocationFrom } : {}),
        ...(way.storageLocationTo ? { StorageLocationTo: way.storageLocationTo } : {}),
      },
    ],
  };
}

/** Overhead as a journal entry: debit the first account, credit the second; a counter-entry (sign -1) the other way. */
export function journalEntryBody(allocation: OverheadAllocation, sign: 1 | -1, transactionDate: string, key: string) {
  const amount = sign * toEdmDouble(allocation.amount);
  const line = (account: string, amountFC: number) => ({
    GLAccount: account,
    AmountFC: amountFC,
    Date: exactDate(transactionDate),
    Description: `Overhead order ${allocation.productionOrder} ${allocation.workCentre} ${allocation.activity}`.slice(0, 60),
    Notes: key,
    ...(allocation.costCentre ? { CostCenter: allocation.costCentre } : {}),
  });
  return { JournalCode: allocation.journal, GeneralJournalEntryLines: [line(allocation.debitAccount, amount), line(allocation.creditAccount, -amount)] };
}

/**
 * The batch or serial numbers a partial reversal of an issue takes back, as the StockBatchNumbers
 * and StockSerialNumbers records Exact nests in it (type 151), grouped under one draft id.
 */
export interface ReversedNumbers {
  draftStockTransactionId: string;
  itemId: string;
  warehouseId: string;
  storageLocationId?: string;
  batch?: string;
  serialNumbers?: readonly string[];
}

/**
 * A material reversal. Without `part` it takes back all that is left of the issue, and Exact
 * returns its batch and serial numbers itself; with `part` it takes back that quantity, whose
 * batch or serial numbers Exact then needs named.
 */
export function materialReversalBody(originalId: string, transactionDate: string, key: string, part?: { issue: MaterialIssue; numbers?: ReversedNumbers }) {
  const body: Record<string, unknown> = { OriginalStockTransactionId: originalId, TransactionDate: exactDate(transactionDate), Note: key };
  if (!part) return body;
  body.Quantity = toEdmDouble(part.issue.quantity);
  const numbers = part.numbers;
  if (!numbers) return body;
  const reservation = {
    DraftStockTransactionID: numbers.draftStockTransactionId,
    Item: numbers.itemId,
    StockTransactionType: StockTransactionType.RequirementReversal,
    Warehouse: numbers.warehouseId,
    ...(numbers.storageLocationId ? { StorageLocation: numbers.storageLocationId } : {}),
  };
  if (numbers.serialNumbers) body.SerialNumbers = numbers.serialNumbers.map((serial) => ({ ...reservation, SerialNumber: serial }));
  else if (numbers.batch) body.BatchNumbers = [{ ...reservation, BatchNumber: numbers.batch, Quantity: toEdmDouble(part.issue.quantity) }];
  return body;
}

/** ShopOrderReversals and ByProductReversals: the original is reversed whole. */
export function wholeReversalBody(originalId: string, transactionDate: string, key: string) {
  return { OriginalStockTransactionId: originalId, TransactionDate: exactDate(transactionDate), Note: key };
}

export interface TimeTransactionReferences {
  shopOrderId: string;
  employeeId: string;
  routingStepPlanId?: string;
  workCentreId?: string;
}

export function confirmationBody(refs: TimeTransactionReferences, confirmation: OperationConfirmation, key: string) {
  return {
    ...timeTransactionReferences(refs),
    Activity: TimeActivityCode.Run,
    Hours: 0,
    Quantity: toEdmDouble(confirmation.yield),
    IsOperationFinished: confirmation.final ? 1 : 0,
    Date: exactDate(confirmation.transactionDate),
    Status: TimeTransactionStatus.Submitted,
    Notes: key,
  };
}

export function timePostingBody(refs: TimeTransactionReferences, time: TimePosting, key: string) {
  const hours = toEdmDouble(time.hours);
  return {
    ...timeTransactionReferences(refs),
    Activity: time.activity === 'setup' ? TimeActivityCode.Setup : TimeActivityCode.Run,
    ...(time.activity === 'labour' ? { Hours: 0, LaborHours: hours } : { Hours: hours }),
    Date: exactDate(time.transactionDate),
    Status: TimeTransactionStatus.Submitted,
    Notes: key,
  };
}

function timeTransactionReferences(refs: TimeTransactionReferences) {
  return {
    ShopOrder: refs.shopOrderId,
    Employee: refs.employeeId,
    ...(refs.routingStepPlanId ? { RoutingStepPlan: refs.routingStepPlanId } : {}),
    ...(refs.workCentreId ? { WorkCenter: refs.workCentreId } : {}),
  };
}

/** What of a confirmation Exact cannot hold, said plainly for the audit trail. */
export function confirmationNotCarried(confirmation: OperationConfirmation): string[] {
  return equals(confirmation.scrap, '0') && equals(confirmation.rework, '0')
    ? []
    : [`Exact Online keeps no scrap or rework on time transactions: ${confirmation.scrap} scrap and ${confirmation.rework} rework ${confirmation.unit} of operation ${confirmation.operation} stay in the floor record`];
}

/** The MES order reference is Exact's ShopOrderNumber (an Int32). */
export function exactShopOrderNumber(productionOrder: string): number {
  const number = Number(productionOrder);
  if (!/^\d{1,9}$/.test(productionOrder) || !Number.isSafeInteger(number)) {
    throw new ErpError(`production order "${productionOrder}" is not an Exact shop order number (digits only)`, 'needsPerson', 'UnmappableOrderReference');
  }
  return number;
}

/** An Edm.Double from Exact as a decimal: the 15 significant digits a double holds, never exponent notation. */
export function fromEdmDouble(value: number): string {
  // A double holds 15 significant decimal digits; beyond them is binary noise (0.7 × 2 reads 1.4000000000000001).
  return new Big(value.toPrecision(15)).toFixed();
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
