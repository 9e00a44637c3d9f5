/**
 * Goods movements outside confirmations as SAP material documents (API_MATERIAL_DOCUMENT_SRV,
 * A_MaterialDocumentHeader with its items in one deep insert):
 *
 * | posting | GoodsMovementCode | movement type |
 * |---|---|---|
 * | material issue | 03 | 261, against the order's reservation of the material |
 * | its reversal in part | 06 | 262 |
 * | finished goods receipt | 02 | 101 (GoodsMovementRefDocType F) |
 * | by-product receipt | 05 | 531 |
 * | stock transfer | 04 | 311 |
 * | receipt, by-product or transfer reversal | — | Cancel of the document |
 *
 * Serial numbers go with their item (to_SerialNumbers). The posting key, shortened, is the header text (MaterialDocumentHeaderText, 25) and is
 * what finds the document again; a Cancel is found as the document whose items reverse the
 * original. A component SAP backflushes with the confirmation is never also issued here.
 */
import type { ByProductReceipt, FinishedGoodsReceipt, MaterialIssue, StockTransfer } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import { odataString } from '../../http/odata';
import { sapDate } from '../contract';
import { type SapContext, sapOrderNumber, sapQuantity } from '../context';
import { buildMbgmcr } from '../idoc';
import { shortKey } from '../../postingKeys';
import { type ReversalOf, type SapPostingKind, documentIds } from './kind';

const SERVICE = 'API_MATERIAL_DOCUMENT_SRV';

interface MaterialDocument {
  MaterialDocument: string;
  MaterialDocumentYear: string;
}

/** Posts one material document carrying the key's short form in its header text. */
export async function postMaterialDocument(sap: SapContext, key: string, day: string, code: string, items: Record<string, unknown>[]): Promise<PostingResult> {
  const body = sap.checked(
    SERVICE,
    'A_MaterialDocumentHeader',
    { GoodsMovementCode: code, PostingDate: sapDate(day), DocumentDate: sapDate(day), MaterialDocumentHeaderText: shortKey(key), to_MaterialDocumentItem: { results: items } },
    ['MaterialDocument', 'MaterialDocumentYear', 'MaterialDocumentItem'],
  );
  if (sap.settings.goodsMovements === 'idoc' && items.some((i) => i.to_SerialNumbers)) {
    throw new ErpError('serial numbers travel by OData only (the MBGMCR segment E1BP2017_GM_SERIALNUMBER is not sent): post this plant\'s serialized goods movements with goodsMovements: odata', 'needsPerson', 'SerialNumbersByIdoc');
  }
  if (sap.settings.goodsMovements === 'idoc') return postByIdoc(sap, key, day, code, items);
  const { created } = await sap.transport.create<MaterialDocument>(SERVICE, 'A_MaterialDocumentHeader', body);
  return { erpDocumentId: documentIds.materialDocument(created.MaterialDocumentYear, created.MaterialDocument), foundExisting: false };
}

/**
 * The same movement as an MBGMCR IDoc. SAP books it when it processes the IDoc, so the
 * document is then looked up by its header text; until it is there, the attempt waits and
 * tries again (and the next attempt looks it up before sending anything).
 */
async function postByIdoc(sap: SapContext, key: string, day: string, code: string, items: Record<string, unknown>[]): Promise<PostingResult> {
  const partners = sap.settings.idocPartners ?? { sender: 'SHOPFLOOR', receiver: `S4HCLNT${sap.settings.client}` };
  const field = (item: Record<string, unknown>, name: string) => (item[name] === undefined ? undefined : String(item[name]));
  const number = await sap.transport.idoc(
    buildMbgmcr({
      client: sap.settings.client,
      ...partners,
      postingDate: day,
      headerText: shortKey(key),
      referenceDocument: shortKey(key).slice(0, 16),
      code,
      items: items.map((item) => ({
        material: String(item.Material),
        plant: String(item.Plant),
        storageLocation: field(item, 'StorageLocation'),
        batch: field(item, 'Batch'),
        movementType: String(item.GoodsMovementType),
        quantity: String(item.QuantityInEntryUnit),
        unit: String(item.EntryUnit),
        order: field(item, 'ManufacturingOrder'),
        reservation: field(item, 'Reservation'),
        reservationItem: field(item, 'ReservationItem'),
        receivingStorageLocation: field(item, 'IssuingOrReceivingStorageLoc'),
      })),
    }),
  );
  const booked = await findMaterialDocument(sap, key);
  if (booked) return { ...booked, foundExisting: false, notes: [`sent as MBGMCR IDoc ${number}`] };
  throw new ErpError(`SAP took MBGMCR IDoc ${number} but has not booked its material document yet; looking again`, 'retryable', 'IdocPending', { retryAfterMs: 2000 });
}

export async function findMaterialDocument(sap: SapContext, key: string): Promise<PostingResult | undefined> {
  const rows = await sap.transport.rows<MaterialDocument>(SERVICE, 'A_MaterialDocumentHeader', { filter: `MaterialDocumentHeaderText eq ${odataString(shortKey(key))}`, select: ['MaterialDocument', 'MaterialDocumentYear'], top: 2 });
  const found = rows[0];
  return found && { erpDocumentId: documentIds.materialDocument(found.MaterialDocumentYear, found.MaterialDocument), foundExisting: true };
}

/** Cancels a whole document (SAP posts the reversing movements, 102 for 101 and so on). */
async function cancelDocument(sap: SapContext, originalDocumentId: string, day: string): Promise<PostingResult> {
  const original = documentIds.parse(originalDocumentId);
  const cancelled = await sap.transport.call<MaterialDocument>(SERVICE, 'Cancel', {
    MaterialDocumentYear: odataString(original.first),
    MaterialDocument: odataString(original.second),
    PostingDate: `datetime'${day}T00:00'`,
  });
  return { erpDocumentId: documentIds.materialDocument(cancelled.MaterialDocumentYear, cancelled.MaterialDocument), foundExisting: false };
}

/** A document is cancelled once: the document whose items reverse it is its cancellation. */
async function findCancellation(sap: SapContext, originalDocumentId: string): Promise<PostingResult | undefined> {
  const original = documentIds.parse(originalDocumentId);
  const rows = await sap.transport.rows<MaterialDocument>(SERVICE, 'A_MaterialDocumentItem', {
    filter: `ReversedMaterialDocumentYear eq ${odataString(original.first)} and ReversedMaterialDocument eq ${odataString(original.second)}`,
    select: ['MaterialDocument', 'MaterialDocumentYear'],
    top: 1,
  });
  const found = rows[0];
  return found && { erpDocumentId: documentIds.materialDocument(found.MaterialDocumentYear, found.MaterialDocument), foundExisting: true };
}

const cancellation = {
  reverse: (reversal: ReversalOf<FinishedGoodsReceipt | ByProductReceipt | StockTransfer>, _key: string, sap: SapContext) => cancelDocument(sap, reversal.originalDocumentId, reversal.transactionDate),
  findReversal: (reversal: ReversalOf<FinishedGoodsReceipt | ByProductReceipt | StockTransfer>, _key: string, sap: SapContext) => findCancellation(sap, reversal.originalDocumentId),
};

const byKey = { find: (_document: unknown, key: string, sap: SapContext) => findMaterialDocument(sap, key) };

function stockItem(document: MaterialIssue | FinishedGoodsReceipt | ByProductReceipt, sap: SapContext, movementType: string, storageLocation: string | undefined) {
  return {
    Material: document.erpMaterial,
    Plant: sap.plantOf(document).plant,
    ...(storageLocation ? { StorageLocation: storageLocation } : {}),
    ...(document.batch ? { Batch: document.batch } : {}),
    GoodsMovementType: movementType,
    ManufacturingOrder: sapOrderNumber(document.erpOrderReference),
    EntryUnit: document.unit,
    QuantityInEntryUnit: sapQuantity(document.quantity),
    ...serialNumbersOf(document),
  };
}

/** A serialized material's units by their serial numbers, in the item's deep insert (A_SerialNumberMaterialDocument). */
export function serialNumbersOf(document: { erpMaterial: string; serialNumbers?: string[] | undefined }) {
  return document.serialNumbers?.length ? { to_SerialNumbers: { results: document.serialNumbers.map((SerialNumber) => ({ Material: document.erpMaterial, SerialNumber })) } } : {};
}

async function issueItem(document: MaterialIssue, sap: SapContext, movementType: '261' | '262') {
  const order = await sap.order(document.erpOrderReference);
  const component = order.components.find((c) => c.Material === document.erpMaterial);
  if (component?.MatlCompIsMarkedForBackflush && movementType === '261') {
    throw new ErpError(
      `SAP backflushes ${document.erpMaterial} with the confirmation of operation ${component.ManufacturingOrderOperation} of order ${order.ManufacturingOrder}; issuing it here too would book it twice. ` +
        "Set the material's backflush mode to erp in the bridge's master data (SAP books it), or take the backflush flag off the component in SAP, then retry.",
      'needsPerson',
      'BackflushedInErp',
    );
  }
  return {
    ...stockItem(document, sap, movementType, document.storageLocation ?? (component?.StorageLocation || undefined)),
    ...(component ? { Reservation: component.Reservation, ReservationItem: component.ReservationItem } : {}),
  };
}

export const materialIssue: SapPostingKind<MaterialIssue> = {
  async post(document, key, sap) {
    return postMaterialDocument(sap, key, document.transactionDate, '03', [await issueItem(document, sap, '261')]);
  },
  ...byKey,
  async reverse(reversal, key, sap) {
    // The 262 names the 261 it takes back (in part), as MIGO's reversal with reference does.
    const original = documentIds.parse(reversal.originalDocumentId);
    return postMaterialDocument(sap, key, reversal.transactionDate, '06', [
      { ...(await issueItem(reversal.of, sap, '262')), ReversedMaterialDocumentYear: original.first, ReversedMaterialDocument: original.second, ReversedMaterialDocumentItem: '0001' },
    ]);
  },
  findReversal: (_reversal, key, sap) => findMaterialDocument(sap, key),
};

async function receiptLocation(document: FinishedGoodsReceipt | ByProductReceipt, sap: SapContext): Promise<string | undefined> {
  if (document.storageLocation) return document.storageLocation;
  const configured = sap.plantOf(document).receiptStorageLocation;
  return configured ?? ((await sap.order(document.erpOrderReference)).StorageLocation || undefined);
}

export const finishedGoodsReceipt: SapPostingKind<FinishedGoodsReceipt> = {
  async post(document, key, sap) {
    return postMaterialDocument(sap, key, document.transactionDate, '02', [{ ...stockItem(document, sap, '101', await receiptLocation(document, sap)), GoodsMovementRefDocType: 'F' }]);
  },
  ...byKey,
  ...cancellation,
};

export const byProductReceipt: SapPostingKind<ByProductReceipt> = {
  async post(document, key, sap) {
    return postMaterialDocument(sap, key, document.transactionDate, '05', [stockItem(document, sap, '531', await receiptLocation(document, sap))]);
  },
  ...byKey,
  ...cancellation,
};

export const stockTransfer: SapPostingKind<StockTransfer> = {
  async post(document, key, sap) {
    const from = document.fromStorageLocation ?? document.fromWarehouse;
    const to = document.toStorageLocation ?? document.toWarehouse;
    if (!from || !to) throw new ErpError('SAP moves stock between storage locations: the transfer needs both a from and a to location', 'needsPerson', 'ValidationRejected');
    const plant = sap.plantOf(document).plant;
    return postMaterialDocument(sap, key, document.transactionDate, '04', [
      {
        Material: document.erpMaterial,
        Plant: plant,
        StorageLocation: from,
        ...(document.batch ? { Batch: document.batch } : {}),
        GoodsMovementType: '311',
        IssuingOrReceivingPlant: plant,
        IssuingOrReceivingStorageLoc: to,
        EntryUnit: document.unit,
        QuantityInEntryUnit: sapQuantity(document.quantity),
      },
    ]);
  },
  ...byKey,
  ...cancellation,
};
