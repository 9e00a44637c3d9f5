/**
 * Stock moved for the order: between warehouses in AFAS's three steps (warehouseTransfers.ts:
 * preparation, dispatch, receipt); between locations of one warehouse as a pair of stock
 * mutations, an Afboeking (42) where it leaves and an Opboeking (41) where it arrives, each
 * carrying the key, shortened, and its side in the description. Stock transfers move as the
 * floor reports them; a quality hold moves the output into the plant's quarantine (AFAS has no
 * blocked stock status), a release back. Each step or side is found by its key, so a retry
 * after a lost answer posts only what AFAS does not hold yet.
 */
import type { QualityHold, StockTransfer } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn } from '../../postingKinds';
import type { AfasContext } from '../context';
import { findStockMutation, postStockMutation, stockMutationDescription } from './stockMutations';
import { type Move, type Place, findWarehouseTransfer, transferBetweenWarehouses } from './warehouseTransfers';

const side = (key: string, which: 'out' | 'in') => `${stockMutationDescription(key)} ${which}`;

async function findMove(afas: AfasContext, key: string, from: Place, to: Place): Promise<PostingResult | undefined> {
  if (from.warehouse !== to.warehouse) return findWarehouseTransfer(afas, key);
  const [out, into] = await Promise.all([findStockMutation(afas, side(key, 'out')), findStockMutation(afas, side(key, 'in'))]);
  return out && into ? { erpDocumentId: `stock-move:${out.erpDocumentId.replace(/^stock-mutation:/, '')}/${into.erpDocumentId.replace(/^stock-mutation:/, '')}`, foundExisting: true } : undefined;
}

async function move(afas: AfasContext, key: string, what: Move, from: Place, to: Place): Promise<PostingResult> {
  if (from.warehouse !== to.warehouse) return transferBetweenWarehouses(afas, key, what, from, to);
  const found = { out: await findStockMutation(afas, side(key, 'out')), in: await findStockMutation(afas, side(key, 'in')) };
  const out = found.out ?? (await postStockMutation(afas, { ...what, ...from, entrySort: '42', description: side(key, 'out') }));
  const into = found.in ?? (await postStockMutation(afas, { ...what, ...to, entrySort: '41', description: side(key, 'in') }));
  return { erpDocumentId: `stock-move:${out.erpDocumentId.replace(/^stock-mutation:/, '')}/${into.erpDocumentId.replace(/^stock-mutation:/, '')}`, foundExisting: false };
}

function quarantineOf(afas: AfasContext, document: QualityHold): Place {
  const quarantine = afas.plantOf(document).quarantine;
  if (!quarantine) throw new ErpError(`AFAS keeps no blocked stock: give plant ${document.plant} a quarantine warehouse or location (afasPlants.${document.plant}.quarantine)`, 'needsPerson', 'NoQuarantineLocation');
  return quarantine;
}

const held = (document: QualityHold): Move => ({ erpMaterial: document.erpMaterial, quantity: document.quantity, unit: document.unit, batch: document.batch, day: document.transactionDate });
const home = (afas: AfasContext, document: QualityHold): Place => {
  const plant = afas.plantOf(document);
  return { warehouse: plant.warehouse, location: document.storageLocation ?? plant.location };
};

export const qualityHold: PostingKindIn<QualityHold, AfasContext> = {
  post: (document, key, afas) => move(afas, key, held(document), home(afas, document), quarantineOf(afas, document)),
  find: (document, key, afas) => findMove(afas, key, home(afas, document), quarantineOf(afas, document)),
  reverse: (reversal, key, afas) => move(afas, key, { ...held(reversal.of), day: reversal.transactionDate }, quarantineOf(afas, reversal.of), home(afas, reversal.of)),
  findReversal: (reversal, key, afas) => findMove(afas, key, quarantineOf(afas, reversal.of), home(afas, reversal.of)),
};

function places(afas: AfasContext, document: StockTransfer): { from: Place; to: Place } {
  const plant = afas.plantOf(document);
  return {
    from: { warehouse: document.fromWarehouse ?? plant.warehouse, location: document.fromStorageLocation ?? plant.location },
    to: { warehouse: document.toWarehouse ?? plant.warehouse, location: document.toStorageLocation ?? plant.location },
  };
}

const moved = (document: StockTransfer, day = document.transactionDate): Move => ({ erpMaterial: document.erpMaterial, quantity: document.quantity, unit: document.unit, batch: document.batch, day });

export const stockTransfer: PostingKindIn<StockTransfer, AfasContext> = {
  post: (document, key, afas) => {
    const { from, to } = places(afas, document);
    return move(afas, key, moved(document), from, to);
  },
  find: (document, key, afas) => {
    const { from, to } = places(afas, document);
    return findMove(afas, key, from, to);
  },
  // Taken back in part: the part moves the other way.
  reverse: (reversal, key, afas) => {
    const { from, to } = places(afas, reversal.of);
    return move(afas, key, moved(reversal.of, reversal.transactionDate), to, from);
  },
  findReversal: (reversal, key, afas) => {
    const { from, to } = places(afas, reversal.of);
    return findMove(afas, key, to, from);
  },
};
