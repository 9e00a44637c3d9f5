/**
 * AFAS Profit behind the ERP adapter interface, over its UpdateConnectors. AFAS keeps
 * processing after a client gives up, so every attempt after the first looks the posting up
 * first, through the GetConnectors the customer publishes for the bridge:
 *
 * | posting | connector | recognised by |
 * |---|---|---|
 * | finished goods receipt with the components consumed, and its reversal (negative) | FbAssembly: the production line, its parts (AfasFbOrderCompLines) | the key, shortened, in the reference (RfCs); line GUIDs (GuLi) derived from it |
 * | material issue (orders started before productions carried their parts) | FbStockMutation, Afboeking (42) | the key, shortened, in the description (Ds) |
 * | its reversal in part | FbStockMutation, Opboeking (41) | the same, naming the original |
 * | hours, and their reversal (negative) | PtRealization | the key, shortened, in the external key (XpRe) |
 * | overhead absorbed, and its reversal (sides swapped) | FiEntries (root FiEntryPar): debit and credit lines | the key, shortened, as the entry number (BpNr), through Profit_Transactions |
 * | an order's share of the period-end close | FiEntries: finished goods, work in progress, variances | the same |
 * | stock transfer, quality hold (into the plant's quarantine), and their reversal in part | a pair of FbStockMutation: Afboeking where it leaves, Opboeking where it arrives | each side by the key, shortened, and its side, in Ds |
 *
 * AFAS has no operation confirmations: a production carries the output and what it consumed
 * (consumptionInReceipt), so confirmation lines are left to AFAS (no problem, nothing posted).
 */
import type { DocumentPosting, PostingContent } from '../../domain/postings';
import type { PostingRules } from '../../domain/postingRules';
import type { ErpAdapter, ErpPlanningReader } from '../adapter';
import { type PostingKindsIn, byKind } from '../postingKinds';
import type { AfasContext } from './context';
import { finishedGoodsReceipt } from './postings/productions';
import { timePosting } from './postings/realizations';
import { materialIssue } from './postings/stockMutations';
import { overheadAllocation, periodCloseEntry } from './postings/journalEntries';
import { qualityHold, stockTransfer } from './postings/transfers';
import type { AfasSettings } from './settings';

type AfasKind = Extract<DocumentPosting['kind'], 'MaterialIssue' | 'FinishedGoodsReceipt' | 'TimePosting' | 'StockTransfer' | 'QualityHold' | 'OverheadAllocation' | 'PeriodCloseEntry'>;

const kinds: PostingKindsIn<AfasKind, AfasContext> = {
  MaterialIssue: materialIssue,
  FinishedGoodsReceipt: finishedGoodsReceipt,
  TimePosting: timePosting,
  StockTransfer: stockTransfer,
  QualityHold: qualityHold,
  OverheadAllocation: overheadAllocation,
  PeriodCloseEntry: periodCloseEntry,
};

/**
 * AFAS keeps quantities to 4 decimals [unverified per item: an item's unit may keep fewer];
 * issues, transfers and holds are taken back in part. It takes the period-end close's
 * entries where the connection names their journal and accounts.
 */
export function afasPostingRules(settings: Pick<AfasSettings, 'periodClose'>): PostingRules {
  const kept = (Object.keys(kinds) as AfasKind[]).filter((kind) => kind !== 'PeriodCloseEntry' || settings.periodClose !== undefined);
  return {
    quantityDecimals: 4,
    hoursDecimals: 2,
    reversedInPart: ['MaterialIssue', 'StockTransfer', 'QualityHold'],
    kinds: [...kept, 'Reversal'],
    leftToErp: ['OperationConfirmation'],
    consumptionInReceipt: true,
  };
}

export function createAfasAdapter(afas: AfasContext, planning?: ErpPlanningReader): ErpAdapter {
  const rules = afasPostingRules(afas.settings);
  return {
    system: 'afas',
    capabilities: () => ({ postings: new Set<PostingContent['kind']>(rules.kinds), idempotency: 'lookup', rules }),
    ...byKind('AFAS', kinds, afas),
    ...(planning ? { planning } : {}),
  };
}
