/**
 * Operation confirmations and hours as SAP confirmations (API_PROD_ORDER_CONFIRMATION_2_SRV,
 * ProdnOrdConf2), each carrying a UUIDv5 of the posting key in ExternalSystemConfirmation
 * and found by it. A confirmation carries, in the same deep insert, the consumption of the
 * order's components SAP marks for backflush at that operation (261, with their
 * reservation), so they are booked with it and never also by the bridge; after the post
 * the confirmation's material document items are read back, and a movement SAP did not
 * post (it went to COGI) stops the posting as FailedGoodsMovement, with SAP's message.
 * Reversal is CancelProdnOrdConf, which takes the confirmation's goods movements back too.
 */
import Big from 'big.js';
import type { OperationConfirmation, TimePosting } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import { odataString } from '../../http/odata';
import { sapDate } from '../contract';
import { type SapContext, sapOrderNumber, sapQuantity } from '../context';
import { uuidV5 } from '../../postingKeys';
import { activitiesOf } from '../settings';
import type { SapMessage } from '../transport';
import { type ReversalOf, type SapPostingKind, documentIds } from './kind';

const SERVICE = 'API_PROD_ORDER_CONFIRMATION_2_SRV';
/** The keys SAP gives a confirmation and the material document items it books with it. */
const ASSIGNED = ['ConfirmationGroup', 'ConfirmationCount', 'MaterialDocument', 'MaterialDocumentItem', 'MaterialDocumentYear'];

interface Confirmation {
  ConfirmationGroup: string;
  ConfirmationCount: string;
}

interface MovementItem {
  Material: string;
  Plant: string;
  StorageLocation?: string;
  Batch?: string;
  GoodsMovementType: string;
  EntryUnit: string;
  QuantityInEntryUnit: string;
}

export function sapOperation(operation: string): string {
  return /^\d{1,4}$/.test(operation) ? operation.padStart(4, '0') : operation;
}

/** The consumption SAP books with this confirmation: components backflushed at the operation, in proportion to yield and scrap. */
async function backflushedWith(document: OperationConfirmation, sap: SapContext): Promise<MovementItem[]> {
  const order = await sap.order(document.erpOrderReference);
  const made = new Big(document.yield).plus(document.scrap);
  if (made.lte(0) || new Big(order.TotalQuantity).lte(0)) return [];
  const plant = sap.plantOf(document).plant;
  return order.components
    .filter((c) => c.MatlCompIsMarkedForBackflush && c.ManufacturingOrderOperation === sapOperation(document.operation))
    .map((c) => ({
      Material: c.Material,
      Plant: plant,
      ...(c.StorageLocation ? { StorageLocation: c.StorageLocation } : {}),
      ...(c.Batch ? { Batch: c.Batch } : {}),
      GoodsMovementType: '261',
      EntryUnit: c.BaseUnit,
      QuantityInEntryUnit: sapQuantity(new Big(c.RequiredQuantity).times(made).div(order.TotalQuantity)),
      Reservation: c.Reservation,
      ReservationItem: c.ReservationItem,
    }))
    .filter((item) => new Big(item.QuantityInEntryUnit).gt(0));
}

/** Reads back what SAP booked with the confirmation; a movement sent but not booked is a failed goods movement (COGI). */
async function verifiedMovements(found: Confirmation, sent: MovementItem[], messages: SapMessage[], foundExisting: boolean, sap: SapContext): Promise<PostingResult> {
  const erpDocumentId = documentIds.confirmation(found.ConfirmationGroup, found.ConfirmationCount);
  if (sent.length === 0) return { erpDocumentId, foundExisting };
  const booked = await sap.transport.rows<MovementItem>(SERVICE, `ProdnOrdConf2(ConfirmationGroup=${odataString(found.ConfirmationGroup)},ConfirmationCount=${odataString(found.ConfirmationCount)})/to_ProdnOrdConfMatlDocItm`, {
    select: ['Material', 'GoodsMovementType', 'QuantityInEntryUnit', 'EntryUnit'],
  });
  const left = [...booked];
  const missing = sent.filter((item) => {
    const at = left.findIndex((b) => b.Material === item.Material && b.GoodsMovementType === item.GoodsMovementType && new Big(b.QuantityInEntryUnit).eq(item.QuantityInEntryUnit));
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
  if (missing.length === 0) return { erpDocumentId, foundExisting };
  const said = messages.filter((m) => m.severity !== 'success' && m.severity !== 'info').map((m) => `${m.code ? `${m.code} ` : ''}${m.message}`);
  throw new ErpError(
    `SAP saved confirmation ${found.ConfirmationGroup}/${found.ConfirmationCount} but not its goods movement${missing.length > 1 ? 's' : ''} ` +
      `${missing.map((m) => `${m.GoodsMovementType} ${m.QuantityInEntryUnit} ${m.EntryUnit} ${m.Material}`).join(', ')}` +
      `${said.length ? ` (SAP: ${said.join('; ')})` : ' (SAP holds it as a failed goods movement)'}. ` +
      'Fix the cause and reprocess it in COGI, then retry here: the retry finds the confirmation by its key and posts nothing again.',
    'needsPerson',
    'FailedGoodsMovement',
  );
}

async function findByKey(key: string, sap: SapContext): Promise<Confirmation | undefined> {
  const rows = await sap.transport.rows<Confirmation>(SERVICE, 'ProdnOrdConf2', { filter: `ExternalSystemConfirmation eq guid'${uuidV5(key)}'`, select: ['ConfirmationGroup', 'ConfirmationCount'], top: 2 });
  return rows[0];
}

function header(document: OperationConfirmation | TimePosting, key: string, sap: SapContext) {
  if (!document.operation) throw new ErpError(`SAP confirms hours on an operation; the floor named none for ${document.kind === 'TimePosting' ? `${document.activity} time` : 'this confirmation'}`, 'needsPerson', 'NoOperation');
  return {
    OrderID: sapOrderNumber(document.erpOrderReference),
    OrderOperation: sapOperation(document.operation),
    Plant: sap.plantOf(document).plant,
    PostingDate: sapDate(document.transactionDate),
    ExternalSystemConfirmation: uuidV5(key),
    ConfirmationText: 'Shopfloor Bridge',
  };
}

async function cancel(reversal: ReversalOf<OperationConfirmation | TimePosting>, key: string, sap: SapContext): Promise<PostingResult> {
  const original = documentIds.parse(reversal.originalDocumentId);
  const cancelled = await sap.transport.call<Confirmation>(SERVICE, 'CancelProdnOrdConf', {
    ConfirmationGroup: odataString(original.first),
    ConfirmationCount: odataString(original.second),
    PostingDate: `datetime'${reversal.transactionDate}T00:00:00'`,
    ExternalSystemConfirmation: `guid'${uuidV5(key)}'`,
  });
  return { erpDocumentId: documentIds.confirmation(cancelled.ConfirmationGroup, cancelled.ConfirmationCount), foundExisting: false };
}

async function findCancellation(key: string, sap: SapContext): Promise<PostingResult | undefined> {
  const found = await findByKey(key, sap);
  return found && { erpDocumentId: documentIds.confirmation(found.ConfirmationGroup, found.ConfirmationCount), foundExisting: true };
}

/**
 * The floor's reason for scrap or rework as SAP's variance reason (4 characters, a key of
 * the plant's reasons); a longer one cannot be a key, so it goes in the confirmation's text
 * instead, and the audit trail says so.
 */
function varianceReason(document: OperationConfirmation): { fields: Record<string, string>; note?: string } {
  const code = document.reasonCode;
  if (!code || new Big(document.scrap).plus(document.rework).lte(0)) return { fields: {} };
  if (code.length <= 4) return { fields: { VarianceReasonCode: code } };
  return { fields: { ConfirmationText: `Shopfloor Bridge, reason ${code}`.slice(0, 40) }, note: `reason ${code} is longer than SAP's variance reason key (4): sent in the confirmation text` };
}

export const operationConfirmation: SapPostingKind<OperationConfirmation> = {
  async post(document, key, sap) {
    const items = await backflushedWith(document, sap);
    const reason = varianceReason(document);
    const body = sap.checked(
      SERVICE,
      'ProdnOrdConf2',
      {
        ...header(document, key, sap),
        ConfirmationUnit: document.unit,
        ConfirmationYieldQuantity: sapQuantity(document.yield),
        ConfirmationScrapQuantity: sapQuantity(document.scrap),
        ConfirmationReworkQuantity: sapQuantity(document.rework),
        ...(document.final ? { FinalConfirmationType: 'X' } : {}),
        ...reason.fields,
        ...(items.length ? { to_ProdnOrdConfMatlDocItm: { results: items } } : { APIConfHasNoGoodsMovements: true }),
      },
      ASSIGNED,
    );
    const { created, messages } = await sap.transport.create<Confirmation>(SERVICE, 'ProdnOrdConf2', body);
    const result = await verifiedMovements(created, items, messages, false, sap);
    return reason.note ? { ...result, notes: [reason.note] } : result;
  },
  async find(document, key, sap) {
    const found = await findByKey(key, sap);
    return found && verifiedMovements(found, await backflushedWith(document, sap), [], true, sap);
  },
  reverse: cancel,
  findReversal: (_reversal, key, sap) => findCancellation(key, sap),
};

export const timePosting: SapPostingKind<TimePosting> = {
  async post(document, key, sap) {
    const parameters = document.workCentre ? await sap.workCentreParameters(document, document.workCentre) : [];
    const index = activitiesOf(sap.settings, document.workCentre, parameters)[document.activity];
    const body = sap.checked(
      SERVICE,
      'ProdnOrdConf2',
      {
        ...header(document, key, sap),
        ConfirmationYieldQuantity: sapQuantity('0'),
        [`OpConfirmedWorkQuantity${index}`]: sapQuantity(document.hours),
        [`OpWorkQuantityUnit${index}`]: sap.settings.hoursUnit,
        ...(document.erpEmployee && /^\d{1,8}$/.test(document.erpEmployee) ? { Personnel: document.erpEmployee } : {}),
        APIConfHasNoGoodsMovements: true,
      },
      ASSIGNED,
    );
    const { created } = await sap.transport.create<Confirmation>(SERVICE, 'ProdnOrdConf2', body);
    return { erpDocumentId: documentIds.confirmation(created.ConfirmationGroup, created.ConfirmationCount), foundExisting: false };
  },
  async find(_document, key, sap) {
    const found = await findByKey(key, sap);
    return found && { erpDocumentId: documentIds.confirmation(found.ConfirmationGroup, found.ConfirmationCount), foundExisting: true };
  },
  reverse: cancel,
  findReversal: (_reversal, key, sap) => findCancellation(key, sap),
};
