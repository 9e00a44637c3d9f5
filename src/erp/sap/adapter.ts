/**
 * SAP S/4HANA behind the ERP adapter interface, over its OData v2 APIs. SAP takes no
 * idempotency key, so every attempt after the first looks the posting up first, by what it
 * carries of the key:
 *
 * | posting | service, entity | recognised by |
 * |---|---|---|
 * | operation confirmation (with the consumption SAP backflushes at it) | API_PROD_ORDER_CONFIRMATION_2_SRV, ProdnOrdConf2 | ExternalSystemConfirmation = UUIDv5 of the key |
 * | hours (setup, machine, labour activities) | the same | the same |
 * | confirmation or hours reversal | CancelProdnOrdConf | the reversal's own ExternalSystemConfirmation |
 * | material issue 261 / its reversal in part 262 | API_MATERIAL_DOCUMENT_SRV, A_MaterialDocumentHeader (03 / 06) | MaterialDocumentHeaderText = the key, shortened |
 * | finished goods 101, by-product 531, transfer 311 | the same (02, 05, 04) | the same |
 * | their reversal | Cancel | the document whose items reverse the original |
 * | quality hold (QM plant, open lot) | API_INSPECTIONLOT_SRV, A_InspLotUsageDecision + A_InspLotMatlDocItem | MaterialDocumentItemText among the lot's items |
 * | quality hold (elsewhere) 344, its release 343 | A_MaterialDocumentHeader (04) | the header text |
 * | inspection result of a characteristic | API_INSPECTIONLOT_SRV, A_InspectionResult (PATCH when it changes) | InspectionResultText = the key, shortened |
 *
 * Overhead is not posted: SAP absorbs it itself from the confirmed activities (costing sheet,
 * overhead run at period end), so the plan leaves such lines to SAP, and that is no problem.
 */
import type { DocumentPosting, PostingContent } from '../../domain/postings';
import type { PostingRules } from '../../domain/postingRules';
import type { ErpAdapter, ErpPlanningReader } from '../adapter';
import { type PostingKindsIn, byKind } from '../postingKinds';
import type { SapContext } from './context';
import { operationConfirmation, timePosting } from './postings/confirmations';
import { byProductReceipt, finishedGoodsReceipt, materialIssue, stockTransfer } from './postings/materialDocuments';
import { inspectionResult } from './postings/inspectionResult';
import { qualityHold } from './postings/qualityHold';
import { sapDocumentsOf } from './documents';

type SapKind = Exclude<DocumentPosting['kind'], 'OverheadAllocation' | 'PeriodCloseEntry'>;

/** The kinds SAP keeps, each in its own file. */
const kinds: PostingKindsIn<SapKind, SapContext> = {
  OperationConfirmation: operationConfirmation,
  TimePosting: timePosting,
  MaterialIssue: materialIssue,
  FinishedGoodsReceipt: finishedGoodsReceipt,
  ByProductReceipt: byProductReceipt,
  StockTransfer: stockTransfer,
  QualityHold: qualityHold,
  InspectionResult: inspectionResult,
};

/** Edm.Decimal(13,3) quantities and work; issues and holds are taken back in part (262, 343), everything else cancelled whole. */
export const SAP_POSTING_RULES: PostingRules = {
  quantityDecimals: 3,
  hoursDecimals: 3,
  reversedInPart: ['MaterialIssue', 'QualityHold'],
  kinds: [...(Object.keys(kinds) as SapKind[]), 'Reversal'],
  // SAP absorbs overhead from the confirmed activities itself (costing sheet, period-end).
  leftToErp: ['OverheadAllocation'],
};

export function createSapAdapter(sap: SapContext, planning?: ErpPlanningReader): ErpAdapter {
  return {
    system: 'sap',
    capabilities: () => ({ postings: new Set<PostingContent['kind']>(SAP_POSTING_RULES.kinds), idempotency: 'lookup', rules: SAP_POSTING_RULES }),
    ...byKind('SAP', kinds, sap),
    documentsOf: (order) => sapDocumentsOf(order, sap),
    ...(planning ? { planning } : {}),
  };
}
