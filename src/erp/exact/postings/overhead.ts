/** Overhead a work centre's hours absorb: a journal entry, debit against credit, the posting key in its lines' Notes; reversed in part by a counter-entry. */
import type { OverheadAllocation } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import { isGuid } from '../contract';
import { type CreatedRow, type ExactLookups, created } from '../lookups';
import { exactDate, journalEntryBody } from '../mapping';
import type { ExactPostingKind } from './kind';

/** Overhead as a journal entry (sign -1: the counter-entry that takes part of it back). */
async function postJournalEntry(allocation: OverheadAllocation, sign: 1 | -1, transactionDate: string, key: string, exact: ExactLookups): Promise<PostingResult> {
  for (const account of [allocation.debitAccount, allocation.creditAccount]) {
    if (!isGuid(account)) {
      throw new ErpError(`Exact Online names GL accounts by their ID (a GUID); the costs of work centre ${allocation.workCentre} give "${account}" (correct them in the master data)`, 'needsPerson', 'InvalidGlAccount');
    }
  }
  return created(await exact.transport.create<CreatedRow>('generaljournalentry/GeneralJournalEntries', journalEntryBody(allocation, sign, transactionDate, key)));
}

/** A journal entry carries the posting key in its lines' Notes. */
async function findJournalEntry(allocation: OverheadAllocation, transactionDate: string, key: string, exact: ExactLookups): Promise<PostingResult | undefined> {
  const rows = await exact.transport.list<{ EntryID: string; Notes: string | null }>('generaljournalentry/GeneralJournalEntryLines', {
    filter: `GLAccount eq guid'${allocation.debitAccount}' and Date eq datetime'${exactDate(transactionDate)}'`,
    select: ['EntryID', 'Notes'],
  });
  const ours = rows.find((row) => row.Notes === key);
  return ours ? { erpDocumentId: ours.EntryID, foundExisting: true } : undefined;
}

export const overheadAllocation: ExactPostingKind<OverheadAllocation> = {
  post: (allocation, key, exact) => postJournalEntry(allocation, 1, allocation.transactionDate, key, exact),
  find: (allocation, key, exact) => findJournalEntry(allocation, allocation.transactionDate, key, exact),
  reverse: (reversal, key, exact) => postJournalEntry(reversal.of, -1, reversal.transactionDate, key, exact),
  findReversal: (reversal, key, exact) => findJournalEntry(reversal.of, reversal.transactionDate, key, exact),
};
