/**
 * A quality decision's hold as SAP stock status. In a plant with quality management the
 * order's goods receipt is in quality inspection stock under an inspection lot (origin 04):
 * the hold takes the usage decision on that lot (A_InspLotUsageDecision, the connection's
 * code) and posts its stock (A_InspLotMatlDocItem): the held quantity to blocked stock, the
 * rest of the lot to unrestricted use. Elsewhere, or once the lot is posted, it is a transfer
 * posting from unrestricted to blocked (GoodsMovementCode 04, 344). A release is 343,
 * blocked to unrestricted, for the part released.
 *
 * The lot's stock postings carry the short key in their item text (the rest's with a
 * suffix); the rest is posted first, so a retry finds the held part among the lot's items,
 * or a lot holding just that part, and posts nothing twice.
 */
import Big from 'big.js';
import type { QualityHold } from '../../../domain/postings';
import type { PostingResult } from '../../adapter';
import { odataString } from '../../http/odata';
import { type SapContext, sapOrderNumber, sapQuantity } from '../context';
import { shortKey } from '../../postingKeys';
import { type SapPostingKind, documentIds } from './kind';
import { findMaterialDocument, postMaterialDocument, serialNumbersOf } from './materialDocuments';

const SERVICE = 'API_INSPECTIONLOT_SRV';

/** The usage decision's stock posting targets, named as the lot's quantity fields are (QALS LMENGE01/04). */
export const LOT_STOCK = { unrestricted: 'LMENGE01', scrap: 'LMENGE02', blocked: 'LMENGE04' } as const;

interface InspectionLot {
  InspectionLot: string;
  InspLotQtyToBePosted: string;
  InspectionLotHasUsageDecision: boolean;
  InspectionLotQuantityUnit: string;
}

interface LotItem {
  InspectionLot: string;
  InspLotMatlDocItem: string;
  MaterialDocumentItemText: string;
}

function transferItem(document: QualityHold, sap: SapContext, movementType: '343' | '344', quantity: string) {
  return {
    Material: document.erpMaterial,
    Plant: sap.plantOf(document).plant,
    ...(document.storageLocation ? { StorageLocation: document.storageLocation } : {}),
    ...(document.batch ? { Batch: document.batch } : {}),
    GoodsMovementType: movementType,
    EntryUnit: document.unit,
    QuantityInEntryUnit: sapQuantity(quantity),
    ...serialNumbersOf(document),
  };
}

async function lotItems(sap: SapContext, lot: string): Promise<LotItem[]> {
  return sap.transport.rows<LotItem>(SERVICE, 'A_InspLotMatlDocItem', { filter: `InspectionLot eq ${odataString(lot)}`, select: ['InspectionLot', 'InspLotMatlDocItem', 'MaterialDocumentItemText'], top: 500 });
}

/** The order's lots of goods receipts, newest first. */
async function receiptLots(document: QualityHold, sap: SapContext): Promise<InspectionLot[]> {
  const lots = await sap.transport.rows<InspectionLot>(SERVICE, 'A_InspectionLot', {
    filter: `ManufacturingOrder eq ${odataString(sapOrderNumber(document.erpOrderReference))} and InspectionLotOrigin eq '04'`,
    select: ['InspectionLot', 'InspLotQtyToBePosted', 'InspectionLotHasUsageDecision', 'InspectionLotQuantityUnit'],
    top: 50,
  });
  return lots.sort((a, b) => b.InspectionLot.localeCompare(a.InspectionLot));
}

async function findOnLots(document: QualityHold, key: string, sap: SapContext): Promise<PostingResult | undefined> {
  if (!sap.plantOf(document).qualityManagement) return undefined;
  const text = shortKey(key);
  for (const lot of await receiptLots(document, sap)) {
    const item = (await lotItems(sap, lot.InspectionLot)).find((i) => i.MaterialDocumentItemText === text);
    if (item) return { erpDocumentId: documentIds.lotPosting(item.InspectionLot, item.InspLotMatlDocItem), foundExisting: true };
  }
  return undefined;
}

async function postToLot(document: QualityHold, key: string, sap: SapContext, lot: InspectionLot): Promise<PostingResult> {
  const plant = sap.plantOf(document).plant;
  if (!lot.InspectionLotHasUsageDecision) {
    const decision = sap.settings.usageDecision;
    await sap.transport.create(
      SERVICE,
      'A_InspLotUsageDecision',
      sap.checked(SERVICE, 'A_InspLotUsageDecision', {
        InspectionLot: lot.InspectionLot,
        InspLotUsageDecisionLevel: 'L',
        InspLotUsageDecisionCatalog: '3',
        SelectedCodeSetPlant: plant,
        InspLotUsgeDcsnSelectedSet: decision.selectedSet,
        InspLotUsageDecisionCodeGroup: decision.codeGroup,
        InspectionLotUsageDecisionCode: decision.code,
      }),
    );
  }
  const existing = await lotItems(sap, lot.InspectionLot);
  const text = shortKey(key);
  const next = (offset: number) => String(existing.reduce((max, i) => Math.max(max, Number(i.InspLotMatlDocItem)), 0) + offset).padStart(6, '0');
  const post = async (item: string, quantity: string, target: string, itemText: string) =>
    sap.transport.create<LotItem>(
      SERVICE,
      'A_InspLotMatlDocItem',
      sap.checked(SERVICE, 'A_InspLotMatlDocItem', {
        InspectionLot: lot.InspectionLot,
        InspLotMatlDocItem: item,
        InspLotQtyPosted: sapQuantity(quantity),
        UsageDecisionStockType: target,
        ...(document.storageLocation ? { StorageLocation: document.storageLocation } : {}),
        MaterialDocumentItemText: itemText,
      }),
    );
  // The rest first: should the answer of the held part be lost, the retry finds the lot holding just that part, and posts it alone.
  const rest = new Big(lot.InspLotQtyToBePosted).minus(document.quantity);
  if (rest.gt(0)) await post(next(1), rest.toString(), LOT_STOCK.unrestricted, `${text} rest to unrestricted`);
  const { created } = await post(next(rest.gt(0) ? 2 : 1), document.quantity, LOT_STOCK.blocked, text);
  return { erpDocumentId: documentIds.lotPosting(created.InspectionLot, created.InspLotMatlDocItem), foundExisting: false };
}

export const qualityHold: SapPostingKind<QualityHold> = {
  async post(document, key, sap) {
    if (sap.plantOf(document).qualityManagement) {
      const lot = (await receiptLots(document, sap)).find((l) => new Big(l.InspLotQtyToBePosted || '0').gte(document.quantity));
      if (lot) return postToLot(document, key, sap, lot);
    }
    return postMaterialDocument(sap, key, document.transactionDate, '04', [transferItem(document, sap, '344', document.quantity)]);
  },
  async find(document, key, sap) {
    return (await findOnLots(document, key, sap)) ?? findMaterialDocument(sap, key);
  },
  async reverse(reversal, key, sap) {
    return postMaterialDocument(sap, key, reversal.transactionDate, '04', [transferItem(reversal.of, sap, '343', reversal.of.quantity)]);
  },
  findReversal: (_reversal, key, sap) => findMaterialDocument(sap, key),
};
