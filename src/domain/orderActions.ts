/**
 * What happens to an order's postings once planned, and what operators do to the order:
 * a posting attempted, posted, refused; retried, skipped; a rejected event acknowledged; a
 * reference corrected (mappings), and the ERP's references the postings carry. The order's
 * state and how floor events change it are productionOrder.ts.
 */
import { entryOf } from './keyed';
import { type Posting, type PostingError, amountsOf } from './postings';
import { type Decimal, DECIMAL_PATTERN, equals, isNegative } from './quantity';
import { comparedKindOf } from './reconciliation';
import type { MappingCorrections, ProductionOrderState } from './productionOrder';

/** The posting is on its way to the ERP: any later attempt of it looks there first. */
export function recordAttempted(state: ProductionOrderState, sequence: number): ProductionOrderState {
  return updatePosting(state, sequence, { attempted: true });
}

/** A settled posting names its latest floor event and how many it carried (state stays bounded); the audit trail keeps every id. */
const SETTLED_SOURCE_EVENT_IDS = 1;

function settledSources(state: ProductionOrderState, sequence: number): Pick<Posting, 'sourceEventIds' | 'sourceEventCount'> {
  const posting = state.postings.find((p) => p.sequence === sequence);
  const ids = posting?.sourceEventIds ?? [];
  const count = Math.max(posting?.sourceEventCount ?? 0, ids.length);
  const kept = ids.slice(-SETTLED_SOURCE_EVENT_IDS);
  return { sourceEventIds: kept, sourceEventCount: count > kept.length ? count : undefined };
}

export function recordPosted(state: ProductionOrderState, sequence: number, erpDocumentId: string): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Posted', erpDocumentId, error: undefined, ...settledSources(state, sequence) });
}

export function recordNeedsAttention(state: ProductionOrderState, sequence: number, error: PostingError): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'NeedsAttention', error });
}

/** An operator sends a posting that needs attention to the ERP again, unchanged. */
export function retryPosting(state: ProductionOrderState, sequence: number): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Pending', error: undefined });
}

/** An operator decides the ERP shall not get a posting; its quantity is not planned again. */
export function skipPosting(state: ProductionOrderState, sequence: number, reason: string): ProductionOrderState {
  return updatePosting(state, sequence, { status: 'Skipped', skipReason: reason, error: undefined, ...settledSources(state, sequence) });
}

/**
 * Reconciliation found a posted document changed or deleted in the ERP by hand, and an
 * operator asked the bridge to post the difference: the line now counts what the ERP holds
 * of it (`held`, nothing when deleted), so the plan posts what is missing, or reverses
 * what is too much, as any other posting.
 */
export function recordHeldInErp(state: ProductionOrderState, sequence: number, held: Decimal): ProductionOrderState {
  const posting = state.postings.find((p) => p.sequence === sequence)!;
  return updatePosting(state, sequence, { heldInErp: { ...amountsOf(posting.content), quantity: held } });
}

/** Why the difference of a posting cannot be posted, or undefined when it can. */
export function heldInErpRefusal(state: ProductionOrderState, sequence: unknown, held: unknown): string | undefined {
  if (typeof held !== 'string' || !DECIMAL_PATTERN.test(held) || isNegative(held)) return 'held: must be what the ERP holds of the document, a decimal of 0 or more';
  const posting = typeof sequence === 'number' ? state.postings.find((p) => p.sequence === sequence) : undefined;
  if (!posting) return `order ${state.workflowId} keeps no posting #${String(sequence)} (an archived one is beyond reach: correct it in the ERP)`;
  if (posting.status !== 'Posted' || !posting.erpDocumentId) return `posting #${sequence} is ${posting.status}: only a posted document can differ in the ERP`;
  if (!comparedKindOf(posting.content)) return `posting #${sequence} is a ${posting.content.kind}: reconciliation compares issues and receipts only`;
  const now = posting.heldInErp?.quantity ?? amountsOf(posting.content).quantity;
  if (now !== undefined && equals(now, held)) return `posting #${sequence} already counts ${held} in the ERP: nothing differs`;
  return undefined;
}

/** An operator has dealt with a rejected event (e.g. the MES sent a corrected one); it no longer needs attention. */
export function acknowledgeRejectedEvent(state: ProductionOrderState, eventId: string, note: string): ProductionOrderState {
  return { ...state, rejectedEvents: state.rejectedEvents.map((r) => (r.eventId === eventId && !r.acknowledged ? { ...r, acknowledged: note } : r)) };
}

/** Why a rejected event cannot be acknowledged, or undefined when it can. */
export function acknowledgementRefusal(state: ProductionOrderState, eventId: string): string | undefined {
  const rejected = state.rejectedEvents.find((r) => r.eventId === eventId && !r.acknowledged);
  return rejected ? undefined : `order ${state.workflowId} has no unacknowledged rejected event ${eventId}`;
}

/** Master data changed (e.g. a conversion was added): the order looks it up again before planning. */
export function forgetMasterData(state: ProductionOrderState): ProductionOrderState {
  const { masterData: _forgotten, ...rest } = state;
  return rest;
}

/**
 * An operator corrects a reference the ERP did not know. Postings not yet in the ERP
 * take the corrected reference, and those that needed attention are sent again.
 */
export function correctMapping(state: ProductionOrderState, correction: MappingCorrections): ProductionOrderState {
  const mappings: MappingCorrections = {
    ...state.mappings,
    ...(correction.erpOrderReference !== undefined ? { erpOrderReference: correction.erpOrderReference } : {}),
    ...(correction.materials ? { materials: { ...state.mappings.materials, ...correction.materials } } : {}),
    ...(correction.employees ? { employees: { ...state.mappings.employees, ...correction.employees } } : {}),
  };
  const corrected = { ...state, mappings };
  const postings = state.postings.map((p): Posting => {
    if (p.status !== 'Pending' && p.status !== 'NeedsAttention') return p;
    return { ...p, content: withMappings(corrected, p.content), status: 'Pending', error: undefined };
  });
  return { ...corrected, postings };
}

function withMappings<T extends Posting['content']>(state: ProductionOrderState, content: T): T {
  const mapped = { ...content, erpOrderReference: erpOrderReference(state) };
  if (mapped.kind === 'Reversal') return { ...mapped, of: withMappings(state, mapped.of) };
  if (mapped.kind === 'MaterialIssue' || mapped.kind === 'FinishedGoodsReceipt' || mapped.kind === 'ByProductReceipt' || mapped.kind === 'StockTransfer') return { ...mapped, erpMaterial: erpMaterial(state, mapped.material) };
  if (mapped.kind === 'TimePosting' && mapped.employee) return { ...mapped, ...erpEmployeeOf(state, mapped.employee) };
  return mapped;
}

export function erpOrderReference(state: ProductionOrderState): string {
  return state.mappings.erpOrderReference ?? state.released?.erpOrder ?? state.productionOrder;
}

/** The ERP's item code for a floor material: an operator's mapping, else the master data's, else the floor's own. */
export function erpMaterial(state: ProductionOrderState, material: string): string {
  return entryOf(state.mappings.materials, material) ?? entryOf(state.masterData?.materials, material)?.erpMaterial ?? material;
}

export function erpEmployeeOf(state: ProductionOrderState, employee: string): { erpEmployee?: string } {
  const mapped = entryOf(state.mappings.employees, employee);
  return mapped ? { erpEmployee: mapped } : {};
}

/** Why an operator's action on a posting cannot be taken, or undefined when it can. */
export function operatorActionRefusal(state: ProductionOrderState, sequence: number): string | undefined {
  const posting = state.postings.find((p) => p.sequence === sequence);
  if (!posting) return `order ${state.workflowId} has no posting ${sequence}`;
  if (posting.status !== 'NeedsAttention') return `posting ${sequence} is ${posting.status}, not NeedsAttention`;
  return undefined;
}

function updatePosting(state: ProductionOrderState, sequence: number, change: Partial<Posting>): ProductionOrderState {
  return { ...state, postings: state.postings.map((p) => (p.sequence === sequence ? { ...p, ...change } : p)) };
}

export function nextPendingPosting(state: ProductionOrderState): Posting | undefined {
  return state.postings.find((p) => p.status === 'Pending');
}
