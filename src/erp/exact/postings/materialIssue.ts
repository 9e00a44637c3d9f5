/**
 * Material issued to a shop order against its material plan, the posting key in Note;
 * reversed in part or whole (MaterialReversals), a part naming its batch or serial numbers
 * as Exact requires.
 */
import type { MaterialIssue } from '../../../domain/postings';
import { equals, subtract } from '../../../domain/quantity';
import { ErpError } from '../../adapter';
import { StockTransactionType } from '../contract';
import { type CreatedRow, type ExactLookups, type IssuedRow, created, draftStockTransactionId } from '../lookups';
import { type ReversedNumbers, materialIssueBody, materialReversalBody } from '../mapping';
import type { ExactPostingKind } from './kind';

/**
 * All that is left of an issue goes back without a quantity, and Exact returns its batch and
 * serial numbers itself; a part goes back with its quantity and, for a batch or serial
 * item, the batch or serial numbers named, as Exact requires of a partial reversal.
 */
async function issueReversalBody(originalId: string, issue: MaterialIssue, transactionDate: string, key: string, exact: ExactLookups) {
  const [issued] = await exact.transport.list<IssuedRow>('manufacturing/MaterialIssues', {
    filter: `StockTransactionId eq guid'${originalId}'`,
    select: ['StockTransactionId', 'Quantity', 'IsBatch', 'IsSerial', 'Item', 'Warehouse', 'StorageLocation'],
  });
  if (!issued) throw new ErpError(`Exact Online has no material issue ${originalId} to reverse`, 'needsPerson', 'UnknownDocument');
  const reversals = await exact.transport.list<{ Quantity: number }>('manufacturing/MaterialReversals', { filter: `OriginalStockTransactionId eq guid'${originalId}'`, select: ['Quantity'] });
  const remaining = reversals.reduce((left, r) => subtract(left, String(r.Quantity)), String(issued.Quantity));
  if (equals(remaining, issue.quantity)) return materialReversalBody(originalId, transactionDate, key);
  if (issued.IsSerial !== 1 && issued.IsBatch !== 1) return materialReversalBody(originalId, transactionDate, key, { issue });
  const serials = issue.serialNumbers ?? [];
  if (issued.IsSerial === 1 && !equals(String(serials.length), issue.quantity)) {
    throw new ErpError(
      `Exact Online takes ${issue.quantity} ${issue.unit} of serial item ${issue.erpMaterial} back only with their serial numbers; the correction names ${serials.length} (correct the event with the serial numbers still consumed)`,
      'needsPerson',
      'SerialNumbersRequired',
    );
  }
  if (issued.IsBatch === 1 && !issue.batch) {
    throw new ErpError(`Exact Online takes batch item ${issue.erpMaterial} back only with its batch; the issue names none`, 'needsPerson', 'BatchNumberRequired');
  }
  const numbers: ReversedNumbers = {
    draftStockTransactionId: draftStockTransactionId(key),
    itemId: issued.Item,
    warehouseId: issued.Warehouse,
    ...(issued.StorageLocation ? { storageLocationId: issued.StorageLocation } : {}),
    ...(issued.IsSerial === 1 ? { serialNumbers: serials } : { batch: issue.batch! }),
  };
  return materialReversalBody(originalId, transactionDate, key, { issue, numbers });
}

export const materialIssue: ExactPostingKind<MaterialIssue> = {
  async post(issue, key, exact) {
    const plan = await exact.materialPlanFor(issue);
    const stock = await exact.stockFields(issue, plan.Item, await exact.shopOrderFor(issue.erpOrderReference), StockTransactionType.RequirementIssue, key);
    return exact.postStock('manufacturing/MaterialIssues', materialIssueBody(plan.ID, issue, key), stock);
  },
  async find(issue, key, exact) {
    const plan = await exact.materialPlanFor(issue);
    return exact.findByNote('manufacturing/MaterialIssues', `ShopOrderMaterialPlan eq guid'${plan.ID}'`, key);
  },
  async reverse(reversal, key, exact) {
    const body = await issueReversalBody(reversal.originalDocumentId, reversal.of, reversal.transactionDate, key, exact);
    return created(await exact.transport.create<CreatedRow>('manufacturing/MaterialReversals', body));
  },
  findReversal: (reversal, key, exact) => exact.findByNote('manufacturing/MaterialReversals', `OriginalStockTransactionId eq guid'${reversal.originalDocumentId}'`, key),
};
