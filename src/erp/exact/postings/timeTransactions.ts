/**
 * Confirmations and hours as Exact's time transactions, the posting key in Notes among the
 * shop order's; reversed whole by deleting the transaction (Exact keeps no reversal of
 * time), which is then recognised by its being gone.
 */
import type { OperationConfirmation, TimePosting } from '../../../domain/postings';
import type { PostingResult } from '../../adapter';
import { type CreatedRow, type ExactLookups, type KeyedRow, created } from '../lookups';
import { confirmationBody, confirmationNotCarried, timePostingBody } from '../mapping';
import type { ExactPostingKind, ReversalOf } from './kind';

async function findTime(posting: OperationConfirmation | TimePosting, key: string, exact: ExactLookups): Promise<PostingResult | undefined> {
  const shopOrder = await exact.shopOrderFor(posting.erpOrderReference);
  return exact.findByNote('manufacturing/TimeTransactions', `ShopOrder eq guid'${shopOrder.ID}'`, key);
}

async function deleteTime(reversal: ReversalOf<OperationConfirmation | TimePosting>, exact: ExactLookups): Promise<PostingResult> {
  await exact.transport.remove('manufacturing/TimeTransactions', reversal.originalDocumentId);
  return { erpDocumentId: reversal.originalDocumentId, foundExisting: false };
}

async function timeDeleted(reversal: ReversalOf<OperationConfirmation | TimePosting>, exact: ExactLookups): Promise<PostingResult | undefined> {
  const original = reversal.originalDocumentId;
  const rows = await exact.transport.list<KeyedRow>('manufacturing/TimeTransactions', { filter: `ID eq guid'${original}'`, select: ['ID'] });
  return rows.length === 0 ? { erpDocumentId: original, foundExisting: true } : undefined;
}

export const operationConfirmation: ExactPostingKind<OperationConfirmation> = {
  async post(confirmation, key, exact) {
    const body = confirmationBody(await exact.timeTransactionReferences(confirmation), confirmation, key);
    return { ...created(await exact.transport.create<CreatedRow>('manufacturing/TimeTransactions', body)), notes: confirmationNotCarried(confirmation) };
  },
  async find(confirmation, key, exact) {
    const found = await findTime(confirmation, key, exact);
    return found ? { ...found, notes: confirmationNotCarried(confirmation) } : undefined;
  },
  reverse: (reversal, _key, exact) => deleteTime(reversal, exact),
  findReversal: (reversal, _key, exact) => timeDeleted(reversal, exact),
};

export const timePosting: ExactPostingKind<TimePosting> = {
  async post(time, key, exact) {
    return created(await exact.transport.create<CreatedRow>('manufacturing/TimeTransactions', timePostingBody(await exact.timeTransactionReferences(time), time, key)));
  },
  find: findTime,
  reverse: (reversal, _key, exact) => deleteTime(reversal, exact),
  findReversal: (reversal, _key, exact) => timeDeleted(reversal, exact),
};
