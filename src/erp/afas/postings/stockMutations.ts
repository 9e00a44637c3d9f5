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

async function findByDescription(afas: AfasContext, description: string): Promise<PostingResult | undefined> {
  const rows = await afas.transport.get<StockMutationRow>(afas.settings.getConnectors.stockMutations, { filters: { Description: description }, orderBy: 'Id', take: 2 });
  return rows[0] && { erpDocumentId: `stock-mutation:${rows[0].Id}`, foundExisting: true };
}

async function mutate(afas: AfasContext, document: MaterialIssue, entrySort: '41' | '42', description: string, day: string): Promise<PostingResult> {
  const plant = afas.plantOf(document);
  await afas.update('FbStockMutation', {
    FbStockMutation: {
      Element: {
        Fields: {
          VaOt: entrySort,
          ReId: afas.settings.stockMutationReason,
          Da: day,
          Ds: description,
          VaIt: '2',
          ItCd: document.erpMaterial,
          War: plant.warehouse,
          Loc: document.storageLocation ?? plant.location,
          BiUn: document.unit,
          QuUn: document.quantity,
          Qu: document.quantity,
          ...(document.batch ? { BaNu: document.batch } : {}),
        },
      },
    },
  });
  // FbStockMutation answers no id: the document is what the GetConnector shows of it.
  const booked = await findByDescription(afas, description);
  if (!booked) throw new ErpError(`AFAS took the stock mutation "${description}" but does not show it yet; looking again`, 'retryable', 'NotYetVisible', { retryAfterMs: 2000 });
  return { ...booked, foundExisting: false };
}

export const materialIssue: PostingKindIn<MaterialIssue, AfasContext> = {
  post: (document, key, afas) => mutate(afas, document, '42', stockMutationDescription(key), document.transactionDate),
  find: (_document, key, afas) => findByDescription(afas, stockMutationDescription(key)),
  reverse: (reversal: ReversalOf<MaterialIssue>, key, afas) => mutate(afas, reversal.of, '41', stockMutationDescription(key, reversal.originalDocumentId.replace(/^stock-mutation:/, '')), reversal.transactionDate),
  findReversal: (reversal, key, afas) => findByDescription(afas, stockMutationDescription(key, reversal.originalDocumentId.replace(/^stock-mutation:/, ''))),
};
