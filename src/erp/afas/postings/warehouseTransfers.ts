/**
 * Stock moved from one AFAS warehouse to another in AFAS's three steps: the preparation
 * (FbWarTransferPrep: from War to Wa2, the lines to move), the dispatch (FbWarTransferOut,
 * naming its preparation in SoOr: the stock leaves, from its location) and the receipt
 * (FbWarTransferIn, naming its dispatch slip in SoWo: the stock arrives, at its location).
 * Each step carries the key, shortened, as its reference (RfCs, 50) and is found by it and
 * its step through the customer's warehouse transfers GetConnector, so a retry takes only
 * the steps AFAS lacks, and learns the numbers AFAS gave the ones it holds.
 */
import { ErpError, type PostingResult } from '../../adapter';
import { shortKey, uuidV5 } from '../../postingKeys';
import type { AfasContext } from '../context';

export interface Place {
  warehouse: string;
  location: string;
}

export interface Move {
  erpMaterial: string;
  quantity: string;
  unit: string;
  batch?: string | undefined;
  day: string;
}

type Step = 'prep' | 'out' | 'in';

interface TransferRow {
  Id: number;
  OrderNumber: string;
  Step: Step;
  Reference: string;
}

const referenceOf = (key: string) => `Shopfloor ${shortKey(key)}`;

async function findStep(afas: AfasContext, key: string, step: Step): Promise<TransferRow | undefined> {
  const rows = await afas.transport.get<TransferRow>(afas.settings.getConnectors.warehouseTransfers, { filters: { Reference: referenceOf(key), Step: step }, orderBy: 'Id', take: 2 });
  return rows[0];
}

const documentId = (steps: TransferRow[]) => `warehouse-transfer:${steps.map((s) => s.OrderNumber).join('/')}`;

/** The transfer this key made, once all three of its steps are in AFAS. */
export async function findWarehouseTransfer(afas: AfasContext, key: string): Promise<PostingResult | undefined> {
  const steps = await Promise.all((['prep', 'out', 'in'] as const).map((step) => findStep(afas, key, step)));
  return steps.every(Boolean) ? { erpDocumentId: documentId(steps as TransferRow[]), foundExisting: true } : undefined;
}

export async function transferBetweenWarehouses(afas: AfasContext, key: string, what: Move, from: Place, to: Place): Promise<PostingResult> {
  const reference = referenceOf(key);
  const line = (location: Place | undefined, extra: Record<string, unknown> = {}) => ({
    Fields: { VaIt: '2', ItCd: what.erpMaterial, GuLi: uuidV5(key), BiUn: what.unit, QuUn: what.quantity, ...extra },
    ...subLines(what, location),
  });
  // Each step is booked once: a retry finds the steps AFAS holds and goes on from there.
  const booked = async (step: Step, post: () => Promise<unknown>) => {
    const found = await findStep(afas, key, step);
    if (found) return found;
    await post();
    const made = await findStep(afas, key, step);
    if (!made) throw new ErpError(`AFAS took the warehouse transfer's ${step} "${reference}" but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
    return made;
  };
  const header = { OrDa: what.day, RfCs: reference, Re: 'Shopfloor Bridge' };
  const prep = await booked('prep', () =>
    afas.update('FbWarTransferPrep', { FbWarTransferPrep: { Element: { Fields: { ...header, War: from.warehouse, Wa2: to.warehouse }, Objects: [{ FbWarTransferLines: { Element: [line(undefined)] } }] } } }),
  );
  const out = await booked('out', () =>
    afas.update('FbWarTransferOut', {
      FbWarTransferOut: { Element: { Fields: { ...header, SoOr: prep.OrderNumber, War: from.warehouse, Wa2: to.warehouse, DaAc: what.day }, Objects: [{ FbWarTransferLines: { Element: [line(from, { SoOr: prep.OrderNumber })] } }] } },
    }),
  );
  const into = await booked('in', () =>
    afas.update('FbWarTransferIn', {
      FbWarTransferIn: {
        Element: {
          Fields: { ...header, SoWo: out.OrderNumber, DaAc: what.day },
          Objects: [{ FbWarTransferLines: { Element: [{ Fields: { VaIt: '2', ItCd: what.erpMaterial, GuLi: uuidV5(key) }, ...receiptSubLines(what, to) }] } }],
        },
      },
    }),
  );
  return { erpDocumentId: documentId([prep, out, into]), foundExisting: false };
}

function subLines(what: Move, location: Place | undefined) {
  const objects: Record<string, unknown>[] = [];
  if (what.batch) objects.push({ FbOrderBatchLines: { Element: [{ Fields: { BaNu: what.batch, BiUn: what.unit, QuUn: what.quantity } }] } });
  if (location) objects.push({ FbOrderLocationLines: { Element: [{ Fields: { Loc: location.location, Qu: what.quantity } }] } });
  return objects.length > 0 ? { Objects: objects } : {};
}

/** A receipt's line names only its batch and where it is put (quantities come from the dispatch). */
function receiptSubLines(what: Move, to: Place) {
  return { Objects: [...(what.batch ? [{ FbOrderBatchLines: { Element: [{ Fields: { BaNu: what.batch } }] } }] : []), { FbOrderLocationLines: { Element: [{ Fields: { Loc: to.location, Qu: what.quantity } }] } }] };
}
