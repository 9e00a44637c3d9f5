/** One kind of posting in Exact Online, in one file, over Exact's shared look-ups (see ../../postingKinds.ts). */
import type { DocumentPosting } from '../../../domain/postings';
import type { PostingKindIn } from '../../postingKinds';
import type { ExactLookups } from '../lookups';

export type { ReversalOf } from '../../postingKinds';
export type ExactPostingKind<D extends DocumentPosting> = PostingKindIn<D, ExactLookups>;
