/** One kind of posting in SAP S/4HANA, in one file: how it is posted, found again by its key, reversed, and its reversal found. */
import type { DocumentPosting, Reversal } from '../../../domain/postings';
import type { PostingResult } from '../../adapter';
import type { SapContext } from '../context';

export type ReversalOf<D extends DocumentPosting> = Reversal & { of: D };

export interface SapPostingKind<D extends DocumentPosting> {
  post(document: D, key: string, sap: SapContext): Promise<PostingResult>;
  find(document: D, key: string, sap: SapContext): Promise<PostingResult | undefined>;
  reverse(reversal: ReversalOf<D>, key: string, sap: SapContext): Promise<PostingResult>;
  findReversal(reversal: ReversalOf<D>, key: string, sap: SapContext): Promise<PostingResult | undefined>;
}

/** The ERP document ids the SAP adapter hands out: what a reversal needs to find the document again. */
export const documentIds = {
  confirmation: (group: string, count: string) => `confirmation:${group}/${count}`,
  materialDocument: (year: string, number: string) => `material-document:${year}/${number}`,
  lotPosting: (lot: string, item: string) => `inspection-lot:${lot}/${item}`,
  inspectionResult: (lot: string, operation: string, characteristic: string) => `inspection-result:${lot}/${operation}/${characteristic}`,
  parse(id: string): { type: 'confirmation' | 'material-document' | 'inspection-lot' | 'inspection-result'; first: string; second: string } {
    const match = /^(confirmation|material-document|inspection-lot|inspection-result):([^/]+)\/(.+)$/.exec(id);
    if (!match) throw new Error(`not an SAP document id of the bridge: ${id}`);
    return { type: match[1] as 'confirmation', first: match[2]!, second: match[3]! };
  },
};
