/** One kind of posting in Exact Online, in one file: how it is posted, found again by its key, reversed, and its reversal found. */
import type { DocumentPosting, Reversal } from '../../../domain/postings';
import type { PostingResult } from '../../adapter';
import type { ExactLookups } from '../lookups';

export type ReversalOf<D extends DocumentPosting> = Reversal & { of: D };

export interface ExactPostingKind<D extends DocumentPosting> {
  post(document: D, key: string, exact: ExactLookups): Promise<PostingResult>;
  find(document: D, key: string, exact: ExactLookups): Promise<PostingResult | undefined>;
  reverse(reversal: ReversalOf<D>, key: string, exact: ExactLookups): Promise<PostingResult>;
  findReversal(reversal: ReversalOf<D>, key: string, exact: ExactLookups): Promise<PostingResult | undefined>;
}
