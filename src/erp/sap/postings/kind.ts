/** One kind of posting in SAP S/4HANA, in one file, over the SAP context (see ../../postingKinds.ts); and the document ids the kinds hand out. */
import type { DocumentPosting } from '../../../domain/postings';
import type { PostingKindIn } from '../../postingKinds';
import type { SapContext } from '../context';

export type { ReversalOf } from '../../postingKinds';
export type SapPostingKind<D extends DocumentPosting> = PostingKindIn<D, SapContext>;

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
