/**
 * The one interface every ERP adapter implements. Activities talk to ERPs only
 * through it, so adding an ERP means adding a folder under src/erp, nothing else.
 */
import type { ErpSystem } from '../domain/erpSystem';
import type { PlanningChanges } from '../domain/planning';
import type { PostingRules } from '../domain/postingRules';
import type { PostingContent, PostingKind } from '../domain/postings';
import type { CallBudget } from '../domain/callBudget';
import type { HeldDocuments, OrderInErp } from '../domain/reconciliation';

export interface PostingRequest {
  content: PostingContent;
  idempotencyKey: string;
}

export interface PostingResult {
  erpDocumentId: string;
  /** True when the post had already reached the ERP on an earlier attempt and was found, not re-sent. */
  foundExisting: boolean;
  /** What of the posting the ERP cannot hold (e.g. scrap on an ERP that keeps none), for the audit trail. */
  notes?: string[];
  /** The connection's call budget after the posting (set by the posting activity), from which the order sizes its batch window. */
  budget?: CallBudget;
}

export interface ErpCapabilities {
  postings: ReadonlySet<PostingKind>;
  /**
   * 'native': the ERP de-duplicates on our key itself.
   * 'lookup': the ERP has no key; the adapter finds an earlier post before sending again.
   */
  idempotency: 'native' | 'lookup';
  /** The precision it keeps and the kinds it reverses in part: what the posting plan of its orders follows. */
  rules: PostingRules;
}

export interface ErpAdapter {
  readonly system: ErpSystem;
  capabilities(): ErpCapabilities;
  post(request: PostingRequest): Promise<PostingResult>;
  /**
   * The document an earlier attempt of this posting created, if the ERP holds one. It must
   * recognise only what this posting made (by its key), never a like document of another
   * order or of a person.
   */
  findPosted(request: PostingRequest): Promise<PostingResult | undefined>;
  /** Planning read from the ERP (ERP → floor), where the adapter can. */
  readonly planning?: ErpPlanningReader;
  /** The connection's call budget as the ERP's answers tell it, where the ERP has one (a minute's and a day's calls, say). */
  callBudget?(): CallBudget;
  /**
   * What the ERP holds for an order now, for reconciliation: its stock documents of the kinds
   * it names, whoever booked them (the bridge or a person), reversals apart. Where the adapter
   * cannot list them, reconciliation says so and compares nothing.
   */
  documentsOf?(order: OrderInErp): Promise<HeldDocuments>;
}

export interface ErpPlanningReader {
  /**
   * Orders, components and routing steps changed since the cursor (undefined: all of them),
   * one page of each; `more` when the ERP holds more changes after these. `fullRead` starts
   * a full read now (one also starts by itself when the reader's interval has passed).
   */
  changesSince(cursor: string | undefined, options?: { fullRead?: boolean }): Promise<PlanningChanges & { more: boolean }>;
}

/**
 * Every ERP failure is classified once, by the adapter that understands the ERP's answer.
 * 'retryable' clears by itself (network, 5xx, 429, locks); 'needsPerson' does not
 * (unknown material, closed order, validation) and waits for an operator.
 */
export type ErpErrorClass = 'retryable' | 'needsPerson';

export class ErpError extends Error {
  override readonly name = 'ErpError';
  constructor(
    message: string,
    readonly classification: ErpErrorClass,
    /** A short name an operator can act on: UnknownShopOrder, ValidationRejected, RateLimited… */
    readonly type: string,
    readonly details: { status?: number; retryAfterMs?: number; body?: string; /** The answer's headers (a call budget reads them); never written to the audit trail. */ headers?: Headers } = {},
  ) {
    super(message);
  }
}
