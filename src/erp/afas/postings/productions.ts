/**
 * The order's good output as an AFAS production (FbAssembly): into the plant's warehouse,
 * one production line of the item (its batch, serial and location sub-lines), carrying the
 * components the floor consumed as its part lines (AfasFbOrderCompLines, each with its batch,
 * serials and location), so the order's completion in AFAS holds what was produced and what
 * it took. The key, shortened, is the production's reference (RfCs, 50), by which the
 * customer's productions GetConnector finds it; each line's GUID (GuLi) is derived from the
 * key too. A reversal is a production of the negative quantities, parts included, with its own
 * reference [unverified: whether AFAS takes a negative production; a correction in AFAS
 * itself is the alternative]. A production that carries only parts (consumption the floor
 * reported after the order's production) has a production line of 0 [unverified].
 */
import type { ConsumedComponent, FinishedGoodsReceipt } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn } from '../../postingKinds';
import { shortKey, uuidV5 } from '../../postingKeys';
import type { AfasContext } from '../context';

interface ProductionRow {
  Id: number;
  Reference: string;
}

const referenceOf = (key: string) => `Shopfloor ${shortKey(key)}`;

async function findByReference(afas: AfasContext, reference: string): Promise<PostingResult | undefined> {
  const rows = await afas.transport.get<ProductionRow>(afas.settings.getConnectors.productions, { filters: { Reference: reference }, orderBy: 'Id', take: 2 });
  return rows[0] && { erpDocumentId: `production:${rows[0].Id}`, foundExisting: true };
}

const signed = (quantity: string, sign: 1 | -1) => (sign === 1 || quantity === '0' ? quantity : `-${quantity}`);

/** A line's batch, serial and location sub-lines (AFAS's order sub-objects), as the spec names them. */
function subLines(line: { unit: string; quantity: string; batch?: string | undefined; serialNumbers?: string[] | undefined; storageLocation?: string | undefined }, sign: 1 | -1, location: string | undefined) {
  const objects: Record<string, unknown>[] = [];
  if (line.batch) objects.push({ FbOrderBatchLines: { Element: [{ Fields: { BaNu: line.batch, BiUn: line.unit, QuUn: signed(line.quantity, sign) } }] } });
  if (line.serialNumbers?.length) objects.push({ FbOrderSerialLines: { Element: line.serialNumbers.map((s) => ({ Fields: { SeNu: s, BiUn: line.unit, QuUn: signed('1', sign) } })) } });
  if (location) objects.push({ FbOrderLocationLines: { Element: [{ Fields: { Loc: location, Qu: signed(line.quantity, sign) } }] } });
  return objects.length > 0 ? { Objects: objects } : {};
}

function partLine(afas: AfasContext, key: string, component: ConsumedComponent, warehouse: string, defaultLocation: string, sign: 1 | -1) {
  return {
    Fields: {
      VaIt: '2',
      ItCd: component.erpMaterial,
      GuLi: uuidV5(`${key}|${component.line}`),
      Ds: `${component.basis === 'derived' ? 'implied by output' : 'consumed'}: ${component.material}`.slice(0, 100),
      BiUn: component.unit,
      QuUn: signed(component.quantity, sign),
      War: warehouse,
    },
    ...subLines(component, sign, component.storageLocation ?? defaultLocation),
  };
}

async function produce(afas: AfasContext, document: FinishedGoodsReceipt, key: string, sign: 1 | -1, day: string): Promise<PostingResult> {
  const plant = afas.plantOf(document);
  const reference = referenceOf(key);
  const parts = (document.components ?? []).map((c) => partLine(afas, key, c, plant.warehouse, plant.location, sign));
  await afas.update('FbAssembly', {
    FbAssembly: {
      Element: {
        Fields: { OrDa: day, DaAc: day, War: plant.warehouse, RfCs: reference, Re: `Shopfloor Bridge, order ${document.erpOrderReference}` },
        Objects: [
          {
            FbAssemblyLines: {
              Element: [
                {
                  Fields: { VaIt: '2', ItCd: document.erpMaterial, GuLi: uuidV5(key), BiUn: document.unit, QuUn: signed(document.quantity, sign), War: plant.warehouse },
                  ...withParts(subLines(document, sign, document.storageLocation ?? plant.location), parts),
                },
              ],
            },
          },
        ],
      },
    },
  });
  const booked = await findByReference(afas, reference);
  if (!booked) throw new ErpError(`AFAS took the production "${reference}" but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

function withParts(lines: { Objects?: Record<string, unknown>[] }, parts: unknown[]) {
  return parts.length === 0 ? lines : { Objects: [...(lines.Objects ?? []), { AfasFbOrderCompLines: { Element: parts } }] };
}

export const finishedGoodsReceipt: PostingKindIn<FinishedGoodsReceipt, AfasContext> = {
  post: (document, key, afas) => produce(afas, document, key, 1, document.transactionDate),
  find: (_document, key, afas) => findByReference(afas, referenceOf(key)),
  reverse: (reversal, key, afas) => produce(afas, reversal.of, key, -1, reversal.transactionDate),
  findReversal: (_reversal, key, afas) => findByReference(afas, referenceOf(key)),
};
