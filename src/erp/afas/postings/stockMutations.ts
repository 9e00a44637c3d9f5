/**
 * Material issues as AFAS stock mutations (FbStockMutation): an Afboeking (entry sort 42) of
 * the item from the plant's warehouse and location, with the connection's reason; a reversal
 * in part is an Opboeking (41) of the part, naming the original. FbStockMutation has no
 * reference or external key, only a description (Ds, 80): it carries the key, shortened, and
 * the customer's stock mutation GetConnector finds it by that.
 */
import type { MaterialIssue } from '../../../domain/postings';
import { ErpError, type PostingResult } from '../../adapter';
import type { PostingKindIn, ReversalOf } from '../../postingKinds';
import { shortKey } from '../../postingKeys';
import type { AfasContext } from '../context';

interface StockMutationRow {
  Id: number;
  Description: string;
}

export const stockMutationDescription = (key: string, reverses?: string) => `Shopfloor ${shortKey(key)}${reverses ? ` back ${reverses}` : ''}`;

/** The stock mutation the customer's GetConnector shows under this description, if any. */
export async function findStockMutation(afas: AfasContext, description: string): Promise<PostingResult | undefined> {
  const rows = await afas.transport.get<StockMutationRow>(afas.settings.getConnectors.stockMutations, { filters: { Description: description }, orderBy: 'Id', take: 2 });
  return rows[0] && { erpDocumentId: `stock-mutation:${rows[0].Id}`, foundExisting: true };
}

/** Books one stock mutation and reads it back (FbStockMutation answers no id: the document is what the GetConnector shows). */
export async function postStockMutation(
  afas: AfasContext,
  m: { entrySort: '41' | '42'; description: string; day: string; erpMaterial: string; warehouse: string; location: string; unit: string; quantity: string; batch?: string | undefined },
): Promise<PostingResult> {
  await afas.update('FbStockMutation', {
    FbStockMutation: {
      Element: {
        Fields: {
          VaOt: m.entrySort,
          ReId: afas.settings.stockMutationReason,
          Da: m.day,
          Ds: m.description,
          VaIt: '2',
          ItCd: m.erpMaterial,
          War: m.warehouse,
          Loc: m.location,
          BiUn: m.unit,
          QuUn: m.quantity,
          Qu: m.quantity,
          ...(m.batch ? { BaNu: m.batch } : {}),
        },
      },
    },
  });
  const booked = await findStockMutation(afas, m.description);
  if (!booked) throw new ErpError(`AFAS took the stock mutation "${m.description}" but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

function issue(afas: AfasContext, document: MaterialIssue, entrySort: '41' | '42', description: string, day: string): Promise<PostingResult> {
  const plant = afas.plantOf(document);
  return postStockMutation(afas, { entrySort, description, day, erpMaterial: document.erpMaterial, warehouse: plant.warehouse, location: document.storageLocation ?? plant.location, unit: document.unit, quantity: document.quantity, batch: document.batch });
}

export const materialIssue: PostingKindIn<MaterialIssue, AfasContext> = {
  post: (document, key, afas) => issue(afas, document, '42', stockMutationDescription(key), document.transactionDate),
  find: (_document, key, afas) => findStockMutation(afas, stockMutationDescription(key)),
  reverse: (reversal: ReversalOf<MaterialIssue>, key, afas) => issue(afas, reversal.of, '41', stockMutationDescription(key, reversal.originalDocumentId.replace(/^stock-mutation:/, '')), reversal.transactionDate),
  findReversal: (reversal, key, afas) => findStockMutation(afas, stockMutationDescription(key, reversal.originalDocumentId.replace(/^stock-mutation:/, ''))),
};
