/**
 * The order's good output as an AFAS production (FbAssembly): into the plant's warehouse,
 * one production line of the item (a batch as its batch line), the key, shortened, in its
 * reference (RfCs, 50), by which the customer's productions GetConnector finds it. A
 * reversal is a production of the negative quantity, with its own reference [unverified:
 * whether AFAS takes a negative production; a correction in AFAS itself is the alternative].
 */
import type { FinishedGoodsReceipt } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn } from '../../postingKinds';
import { shortKey } from '../../postingKeys';
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

async function produce(afas: AfasContext, document: FinishedGoodsReceipt, key: string, quantity: string, day: string): Promise<PostingResult> {
  const plant = afas.plantOf(document);
  const reference = referenceOf(key);
  await afas.update('FbAssembly', {
    FbAssembly: {
      Element: {
        Fields: { OrDa: day, DaAc: day, War: plant.warehouse, RfCs: reference, Re: `Shopfloor Bridge, order ${document.erpOrderReference}` },
        Objects: {
          FbAssemblyLines: {
            Element: {
              Fields: { VaIt: '2', ItCd: document.erpMaterial, BiUn: document.unit, QuUn: quantity },
              ...(document.batch ? { Objects: { FbOrderBatchLines: { Element: { Fields: { BaNu: document.batch, BiUn: document.unit, QuUn: quantity } } } } } : {}),
            },
          },
        },
      },
    },
  });
  const booked = await findByReference(afas, reference);
  if (!booked) throw new ErpError(`AFAS took the production "${reference}" but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

export const finishedGoodsReceipt: PostingKindIn<FinishedGoodsReceipt, AfasContext> = {
  post: (document, key, afas) => produce(afas, document, key, document.quantity, document.transactionDate),
  find: (_document, key, afas) => findByReference(afas, referenceOf(key)),
  reverse: (reversal, key, afas) => produce(afas, reversal.of, key, `-${reversal.of.quantity}`, reversal.transactionDate),
  findReversal: (_reversal, key, afas) => findByReference(afas, referenceOf(key)),
};
