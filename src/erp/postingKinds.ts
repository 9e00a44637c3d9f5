/**
 * A posting kind in an ERP, in one file of that ERP's folder: how it is posted, found again by
 * its key, reversed, and its reversal found, over what the ERP's kinds share (its look-ups,
 * its context). An adapter is its map of kinds; `byKind` sends each request to its kind.
 */
import type { DocumentPosting, Reversal } from '../domain/postings';
import type { ErpAdapter, PostingRequest, PostingResult } from './adapter';

export type ReversalOf<D extends DocumentPosting> = Reversal & { of: D };

export interface PostingKindIn<D extends DocumentPosting, Erp> {
  post(document: D, key: string, erp: Erp): Promise<PostingResult>;
  find(document: D, key: string, erp: Erp): Promise<PostingResult | undefined>;
  reverse(reversal: ReversalOf<D>, key: string, erp: Erp): Promise<PostingResult>;
  findReversal(reversal: ReversalOf<D>, key: string, erp: Erp): Promise<PostingResult | undefined>;
}

/** An ERP's kinds, each typed as its own document. */
export type PostingKindsIn<K extends DocumentPosting['kind'], Erp> = { [Kind in K]: PostingKindIn<Extract<DocumentPosting, { kind: Kind }>, Erp> };

/** Posts and finds each request through the kind of its document (a reversal: of the document it takes back). */
export function byKind<K extends DocumentPosting['kind'], Erp>(erpName: string, kinds: PostingKindsIn<K, Erp>, erp: Erp): Pick<ErpAdapter, 'post' | 'findPosted'> {
  const kindOf = (document: DocumentPosting): PostingKindIn<DocumentPosting, Erp> => {
    const kind = (kinds as Partial<Record<DocumentPosting['kind'], PostingKindIn<DocumentPosting, Erp>>>)[document.kind];
    if (!kind) throw new Error(`the ${erpName} adapter keeps no ${document.kind} (the posting plan should not have made one)`);
    return kind;
  };
  return {
    post({ content, idempotencyKey: key }: PostingRequest) {
      return content.kind === 'Reversal' ? kindOf(content.of).reverse(content as ReversalOf<DocumentPosting>, key, erp) : kindOf(content).post(content, key, erp);
    },
    findPosted({ content, idempotencyKey: key }: PostingRequest) {
      return content.kind === 'Reversal' ? kindOf(content.of).findReversal(content as ReversalOf<DocumentPosting>, key, erp) : kindOf(content).find(content, key, erp);
    },
  };
}
