/**
 * Journal entries through FiEntries (its root object is FiEntryPar: the connector is named
 * FiEntries, the object not): overhead a work centre's hours absorb (debit and credit as the
 * work centre's costs name them, the cost centre as the first dimension axis), and an order's
 * share of the period-end close (work in progress to finished goods and the variances to cost
 * of sales, on the accounts of the connection's `periodClose`). Every line carries the key,
 * shortened, as its entry number (BpNr, 32); the standard Profit_Transactions GetConnector
 * finds the entry by it. The booking period is the month of the date [unverified: a period
 * table of twelve months; AFAS also keeps 13 or 4-weekly periods]. EnNo is required by the
 * spec: the bridge sends 0 and leaves the number to the journal's counter [unverified].
 * A reversal is the same entry with debit and credit swapped.
 */
import { type CloseAccount, closeBookings } from '../../../domain/periodClose';
import type { OverheadAllocation, PeriodCloseEntry } from '../../../domain/postings';
import { ZERO } from '../../../domain/quantity';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn } from '../../postingKinds';
import { shortKey } from '../../postingKeys';
import type { AfasContext } from '../context';

interface TransactionRow {
  EntryNo: number;
  VoucherNo: string;
}

interface EntryLine {
  account: string;
  debit: string;
  credit: string;
  description: string;
  costCentre?: string | undefined;
}

/** The entry the standard Profit_Transactions GetConnector shows under this key, if any. */
async function findEntry(afas: AfasContext, key: string): Promise<PostingResult | undefined> {
  const rows = await afas.transport.get<TransactionRow>('Profit_Transactions', { filters: { VoucherNo: shortKey(key) }, orderBy: 'EntryNo', take: 2 });
  return rows[0] && { erpDocumentId: `journal-entry:${rows[0].EntryNo}`, foundExisting: true };
}

async function book(afas: AfasContext, key: string, entry: { journal: string; date: string; lines: EntryLine[] }, sign: 1 | -1): Promise<PostingResult> {
  const [year, month] = entry.date.split('-');
  const lines = entry.lines.map((l) => {
    const [debit, credit] = sign === 1 ? [l.debit, l.credit] : [l.credit, l.debit];
    return {
      Fields: { EnNo: 0, VaAs: '1', AcNr: l.account, EnDa: entry.date, BpDa: entry.date, BpNr: shortKey(key), Ds: l.description.slice(0, 255), AmDe: debit, AmCr: credit },
      ...(l.costCentre ? { Objects: [{ FiDimEntries: { Element: [{ Fields: { DiC1: l.costCentre, AmDe: debit, AmCr: credit } }] } }] } : {}),
    };
  });
  await afas.update('FiEntries', {
    FiEntryPar: {
      Element: {
        Fields: { Year: Number(year), Peri: Number(month), JoCo: entry.journal, ...(afas.settings.administration ? { UnId: afas.settings.administration } : {}) },
        Objects: [{ FiEntries: { Element: lines } }],
      },
    },
  });
  const booked = await findEntry(afas, key);
  if (!booked) throw new ErpError(`AFAS took the journal entry ${shortKey(key)} but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

function overheadEntry(o: OverheadAllocation) {
  const description = `Shopfloor Bridge, order ${o.erpOrderReference}: ${o.activity} on ${o.workCentre} at ${o.ratePerHour}/h`;
  return {
    journal: o.journal,
    date: o.transactionDate,
    lines: [
      { account: o.debitAccount, debit: o.amount, credit: ZERO, description, costCentre: o.costCentre },
      { account: o.creditAccount, debit: ZERO, credit: o.amount, description },
    ],
  };
}

export const overheadAllocation: PostingKindIn<OverheadAllocation, AfasContext> = {
  post: (document, key, afas) => book(afas, key, overheadEntry(document), 1),
  find: (_document, key, afas) => findEntry(afas, key),
  reverse: (reversal, key, afas) => book(afas, key, { ...overheadEntry(reversal.of), date: reversal.transactionDate }, -1),
  findReversal: (_reversal, key, afas) => findEntry(afas, key),
};

function closeEntry(afas: AfasContext, entry: PeriodCloseEntry) {
  const close = afas.settings.periodClose;
  if (!close) throw new ErpError('this AFAS connection has no period-end close: give it periodClose (journal and accounts)', 'needsPerson', 'NotConfigured');
  const account = (role: CloseAccount) => close.accounts[role];
  const lines = closeBookings(entry).map((b) => ({ account: account(b.account), debit: b.debit, credit: b.credit, description: `Shopfloor Bridge close ${entry.period}, ${b.description}` }));
  return { journal: close.journal, date: entry.transactionDate, lines };
}

export const periodCloseEntry: PostingKindIn<PeriodCloseEntry, AfasContext> = {
  post: (document, key, afas) => book(afas, key, closeEntry(afas, document), 1),
  find: (_document, key, afas) => findEntry(afas, key),
  reverse: (reversal, key, afas) => book(afas, key, { ...closeEntry(afas, reversal.of), date: reversal.transactionDate }, -1),
  findReversal: (_reversal, key, afas) => findEntry(afas, key),
};
