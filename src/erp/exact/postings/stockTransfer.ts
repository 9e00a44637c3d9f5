/**
 * Stock moved for an order between warehouses or storage locations: a warehouse transfer
 * posted complete, the posting key in Remarks; reversed (in part) by a transfer back.
 */
import type { StockTransfer } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import { type CreatedRow, type ExactLookups, created } from '../lookups';
import { type TransferWay, exactDate, warehouseTransferBody } from '../mapping';
import type { ExactPostingKind } from './kind';

/** A transfer's way in Exact's ids; `back` is the way back (a reversal moves the stock back). */
async function transferWay(transfer: StockTransfer, back: boolean, exact: ExactLookups): Promise<TransferWay> {
  const shopOrder = await exact.shopOrderFor(transfer.erpOrderReference);
  const from = await exact.warehouseFor(transfer.fromWarehouse, shopOrder);
  const to = await exact.warehouseFor(transfer.toWarehouse, shopOrder);
  const locationFrom = transfer.fromStorageLocation ? await exact.storageLocationFor(transfer.fromStorageLocation, from) : undefined;
  const locationTo = transfer.toStorageLocation ? await exact.storageLocationFor(transfer.toStorageLocation, to) : undefined;
  const [warehouseFrom, warehouseTo, storageLocationFrom, storageLocationTo] = back ? [to, from, locationTo, locationFrom] : [from, to, locationFrom, locationTo];
  return { warehouseFrom, warehouseTo, ...(storageLocationFrom ? { storageLocationFrom } : {}), ...(storageLocationTo ? { storageLocationTo } : {}) };
}

/** Posts a transfer (or the way back) of a normal item: Exact processes no batch or serial items through the API. */
export async function postTransfer(transfer: StockTransfer, back: boolean, transactionDate: string, key: string, exact: ExactLookups): Promise<PostingResult> {
  const item = await exact.itemWithCode(transfer.erpMaterial);
  if (item.IsBatchItem === 1 || item.IsSerialItem) {
    throw new ErpError(
      `Exact Online processes transfers of items without batch or serial numbers only; move ${item.Code} in Exact by hand and skip the posting`,
      'needsPerson',
      'TransferOfBatchItemNotSupported',
    );
  }
  const way = await transferWay(transfer, back, exact);
  if (way.warehouseFrom === way.warehouseTo && (!way.storageLocationFrom || !way.storageLocationTo)) {
    throw new ErpError(
      `a move of ${transfer.material} within one warehouse is a location transfer: Exact Online needs both fromStorageLocation and toStorageLocation (correct the event)`,
      'needsPerson',
      'StorageLocationRequired',
    );
  }
  const body = warehouseTransferBody(way, item.ID, transfer, transactionDate, key);
  return created(await exact.transport.create<CreatedRow>('inventory/WarehouseTransfers', body));
}

/** A transfer has no key field; the posting key is in Remarks, among that day's transfers along the way. */
export async function findTransfer(transfer: StockTransfer, back: boolean, transactionDate: string, key: string, exact: ExactLookups): Promise<PostingResult | undefined> {
  const way = await transferWay(transfer, back, exact);
  const rows = await exact.transport.list<{ TransferID: string; Remarks: string | null }>('inventory/WarehouseTransfers', {
    filter: `WarehouseFrom eq guid'${way.warehouseFrom}' and WarehouseTo eq guid'${way.warehouseTo}' and EntryDate eq datetime'${exactDate(transactionDate)}'`,
    select: ['TransferID', 'Remarks'],
  });
  const ours = rows.find((row) => row.Remarks === key);
  return ours ? { erpDocumentId: ours.TransferID, foundExisting: true } : undefined;
}

export const stockTransfer: ExactPostingKind<StockTransfer> = {
  post: (transfer, key, exact) => postTransfer(transfer, false, transfer.transactionDate, key, exact),
  find: (transfer, key, exact) => findTransfer(transfer, false, transfer.transactionDate, key, exact),
  reverse: (reversal, key, exact) => postTransfer(reversal.of, true, reversal.transactionDate, key, exact),
  findReversal: (reversal, key, exact) => findTransfer(reversal.of, true, reversal.transactionDate, key, exact),
};
