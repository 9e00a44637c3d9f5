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
 * reported after the order's production) has a production line of 0 [unverified]. Where the
 * connection says so, the production names its production order (SoOr), which the bridge
 * creates (FbAssemblyPrep) when AFAS does not hold it.
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

function partLine(key: string, component: ConsumedComponent, warehouse: string, defaultLocation: string, sign: 1 | -1) {
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

/**
 * The production order (preparation) the production names, where the connection links them:
 * the order's reference is its number in AFAS; with `create`, an order AFAS does not show
 * through the production orders' GetConnector is prepared first, numbered so, for what the
 * production books.
 */
async function preparation(afas: AfasContext, document: FinishedGoodsReceipt, day: string, warehouse: string): Promise<string | undefined> {
  const mode = afas.settings.productionPreparations;
  if (!mode) return undefined;
  const number = document.erpOrderReference;
  if (number.length > 12) throw new ErpError(`AFAS numbers production orders with at most 12 characters: order ${number} has no AFAS preparation to name (map its reference)`, 'needsPerson', 'OrderReferenceTooLong');
  if (mode === 'link') return number;
  const orders = afas.settings.productionOrders!;
  const held = async () => (await afas.transport.get<Record<string, unknown>>(orders.getConnector, { filters: { [orders.fields.order]: number }, orderBy: orders.fields.id, take: 1 })).length > 0;
  if (await held()) return number;
  await afas.update('FbAssemblyPrep', {
    FbAssemblyPrep: {
      Element: {
        Fields: { OrNu: number, OrDa: day, War: warehouse, RfCs: `Shopfloor order ${number}`.slice(0, 50), Re: `Shopfloor Bridge: order ${document.productionOrder} of plant ${document.plant}` },
        Objects: [{ FbAssemblyLines: { Element: [{ Fields: { VaIt: '2', ItCd: document.erpMaterial, BiUn: document.unit, QuUn: document.quantity, War: warehouse } }] } }],
      },
    },
  });
  if (!(await held())) throw new ErpError(`AFAS took the production order ${number} but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return number;
}

async function produce(afas: AfasContext, document: FinishedGoodsReceipt, key: string, sign: 1 | -1, day: string): Promise<PostingResult> {
  const plant = afas.plantOf(document);
  const reference = referenceOf(key);
  const prepared = await preparation(afas, document, day, plant.warehouse);
  const parts = (document.components ?? []).map((c) => partLine(key, c, plant.warehouse, plant.location, sign));
  await afas.update('FbAssembly', {
    FbAssembly: {
      Element: {
        Fields: { OrDa: day, DaAc: day, War: plant.warehouse, RfCs: reference, Re: `Shopfloor Bridge, order ${document.erpOrderReference}`, ...(prepared ? { SoOr: prepared } : {}) },
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
