/**
 * Quality decisions as stock status in Exact Online, which has no quality management: a
 * hold is a warehouse (or location) transfer of the order's output into the plant's
 * quarantine, configured per plant on the connection; a release is the transfer back. The
 * transfer carries the posting key in Remarks, so a hold is posted, found and reversed as
 * any transfer is (stockTransfer.ts).
 */
import { z } from 'zod';
import type { QualityHold, StockTransfer } from '../../../domain/postings';
import { ErpError } from '../../adapter';
import type { ExactPostingKind } from './kind';
import { findTransfer, postTransfer } from './stockTransfer';

/** Where a plant keeps stock on hold: a warehouse, a storage location, or a location in another warehouse. */
export const Quarantine = z
  .strictObject({ warehouse: z.string().min(1).optional(), storageLocation: z.string().min(1).optional() })
  .refine((q) => q.warehouse !== undefined || q.storageLocation !== undefined, 'give the quarantine warehouse, storage location, or both');
export type Quarantine = z.infer<typeof Quarantine>;

/** The hold as the transfer Exact books: from where the order put its output into the plant's quarantine. */
export function quarantineTransfer(hold: QualityHold, quarantineByPlant: Readonly<Record<string, Quarantine>>): StockTransfer {
  const quarantine = Object.hasOwn(quarantineByPlant, hold.plant) ? quarantineByPlant[hold.plant] : undefined;
  if (!quarantine) {
    throw new ErpError(
      `plant ${hold.plant} has no quarantine in Exact Online: set quarantine.${hold.plant} (warehouse and/or storageLocation) in the connection's settings, then retry`,
      'needsPerson',
      'NoQuarantineLocation',
    );
  }
  const { kind: _kind, storageLocation, ...movement } = hold;
  return {
    ...movement,
    kind: 'StockTransfer',
    ...(storageLocation ? { fromStorageLocation: storageLocation } : {}),
    ...(quarantine.warehouse ? { toWarehouse: quarantine.warehouse } : {}),
    ...(quarantine.storageLocation ? { toStorageLocation: quarantine.storageLocation } : {}),
  };
}

export const qualityHold: ExactPostingKind<QualityHold> = {
  post: (hold, key, exact) => postTransfer(quarantineTransfer(hold, exact.quarantine), false, hold.transactionDate, key, exact),
  find: (hold, key, exact) => findTransfer(quarantineTransfer(hold, exact.quarantine), false, hold.transactionDate, key, exact),
  reverse: (reversal, key, exact) => postTransfer(quarantineTransfer(reversal.of, exact.quarantine), true, reversal.transactionDate, key, exact),
  findReversal: (reversal, key, exact) => findTransfer(quarantineTransfer(reversal.of, exact.quarantine), true, reversal.transactionDate, key, exact),
};
