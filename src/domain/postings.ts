/**
 * What the bridge asks an ERP to book, in the ERP's units and precision but not yet in
 * any ERP's format (each adapter maps these). A posting is derived from the order's
 * state, numbered in sequence per order, and carries an idempotency key that stays the
 * same however often the post is retried.
 */
import type { TimeActivity } from './events';
import { type Decimal, isZero } from './quantity';

interface PostingBase {
  plant: string;
  productionOrder: string;
  /** The order's reference in the ERP: the MES reference unless the release or an operator mapped it. */
  erpOrderReference: string;
  /** The floor's date of the transaction, YYYY-MM-DD. */
  transactionDate: string;
}

/** A quantity of a material moving out of or into stock for the order. */
interface StockMovement extends PostingBase {
  /** The floor's material code, and the ERP's item code for it. */
  material: string;
  erpMaterial: string;
  quantity: Decimal;
  unit: string;
  /** The batch taken from or put into, and the storage location. */
  batch?: string;
  storageLocation?: string;
  /** Serialized items: the serial numbers of the units this posting (or the part of it reversed) carries. */
  serialNumbers?: string[];
}

/** Material issued to the order: what the floor consumed, or what its output implies. */
export interface MaterialIssue extends StockMovement {
  kind: 'MaterialIssue';
  /** actual: the floor's reported consumption; derived: implied by output through the bill of materials. */
  basis: 'actual' | 'derived';
}

/**
 * Finished goods booked into stock against the order: its conforming output (batch and
 * location from the release). Where the ERP books consumption with the output in one
 * document (a production that names its parts), it carries the components consumed too.
 */
export interface FinishedGoodsReceipt extends StockMovement {
  kind: 'FinishedGoodsReceipt';
  components?: ConsumedComponent[];
}

/** A component a receipt carries: what an issue line of the plan (`line`) would have issued on its own. */
export interface ConsumedComponent extends Omit<MaterialIssue, 'kind' | keyof PostingBase> {
  line: string;
}

/** A by-product of the order taken into stock. */
export interface ByProductReceipt extends StockMovement {
  kind: 'ByProductReceipt';
}

/** Stock moved for the order between warehouses or storage locations (unset warehouse: the order's). */
export interface StockTransfer extends Omit<StockMovement, 'storageLocation'> {
  kind: 'StockTransfer';
  fromWarehouse?: string;
  fromStorageLocation?: string;
  toWarehouse?: string;
  toStorageLocation?: string;
}

/**
 * Overhead a work centre's hours on the order absorb, at its cost rate: a journal entry,
 * debit against credit, for `amount` (in the ERP's currency).
 */
export interface OverheadAllocation extends PostingBase {
  kind: 'OverheadAllocation';
  activity: TimeActivity;
  workCentre: string;
  operation?: string;
  ratePerHour: Decimal;
  amount: Decimal;
  journal: string;
  debitAccount: string;
  creditAccount: string;
  costCentre?: string;
}

/** Progress of one operation: conforming (yield), non-conforming (scrap) and rework quantities. */
export interface OperationConfirmation extends PostingBase {
  kind: 'OperationConfirmation';
  operation: string;
  workCentre?: string;
  yield: Decimal;
  scrap: Decimal;
  rework: Decimal;
  unit: string;
  /** The operation is complete on the floor: the final confirmation. */
  final: boolean;
  /** Why units were scrapped or reworked (the latest reason the floor gave). */
  reasonCode?: string;
}

/** Labour, machine or setup hours booked on the order. */
export interface TimePosting extends PostingBase {
  kind: 'TimePosting';
  activity: TimeActivity;
  hours: Decimal;
  operation?: string;
  /** The floor's employee and work centre, and the ERP's ids for them where an operator mapped them. */
  employee?: string;
  erpEmployee?: string;
  workCentre?: string;
}

/**
 * The order's good output a quality decision put on hold: the ERP keeps it blocked (an ERP
 * without quality management: moved to the plant's quarantine location). A release
 * takes it off hold by reversing (part of) it.
 */
export interface QualityHold extends StockMovement {
  kind: 'QualityHold';
}

/**
 * A quality characteristic as inspected, for an ERP with quality management (an inspection
 * lot's result): the floor's characteristic, its measured value where it has one, and the
 * judgement. It carries no amount: it is posted once, and again when a correction changes it.
 */
export interface InspectionResult extends PostingBase {
  kind: 'InspectionResult';
  inspection: string;
  characteristic: string;
  result: 'accepted' | 'rejected';
  measuredValue?: Decimal;
  operation?: string;
}

/**
 * An order's share of a period-end close (periodClose.ts): its work in progress, at actual
 * cost, moved to finished goods at standard cost, the difference booked to cost of sales as
 * material and conversion variances. Amounts in the ERP's currency; posted once per period.
 */
export interface PeriodCloseEntry extends PostingBase {
  kind: 'PeriodCloseEntry';
  /** The month closed, YYYY-MM. */
  period: string;
  /** The good output received, in the material's base unit. */
  material: string;
  erpMaterial: string;
  quantity: Decimal;
  unit: string;
  standardMaterial: Decimal;
  standardConversion: Decimal;
  actualMaterial: Decimal;
  actualConversion: Decimal;
}

export type DocumentPosting = MaterialIssue | FinishedGoodsReceipt | ByProductReceipt | StockTransfer | QualityHold | InspectionResult | OperationConfirmation | TimePosting | OverheadAllocation | PeriodCloseEntry;

/**
 * Takes back (part of) a posted document because a correction lowered what the floor
 * reported. `of` is the original with the amounts being taken back: material issues are
 * reversed in part, everything else whole (and what remains is posted again).
 */
export interface Reversal extends PostingBase {
  kind: 'Reversal';
  of: DocumentPosting;
  /** The ERP document being reversed. */
  originalDocumentId: string;
}

export type PostingContent = DocumentPosting | Reversal;
export type PostingKind = PostingContent['kind'];

/** The amounts a posting carries, by name: what the plan compares against the floor's totals (a receipt's components by their line). */
export type Amounts = Partial<Record<'quantity' | 'yield' | 'scrap' | 'rework' | 'hours' | 'amount' | ComponentAmount, Decimal>>;
type ComponentAmount = `component|${string}`;
const componentAmount = (line: string): ComponentAmount => `component|${line}`;

export function amountsOf(content: PostingContent): Amounts {
  switch (content.kind) {
    case 'FinishedGoodsReceipt':
      return { quantity: content.quantity, ...Object.fromEntries((content.components ?? []).map((c) => [componentAmount(c.line), c.quantity])) };
    case 'MaterialIssue':
    case 'ByProductReceipt':
    case 'StockTransfer':
    case 'QualityHold':
      return { quantity: content.quantity };
    case 'OperationConfirmation':
      return { yield: content.yield, scrap: content.scrap, rework: content.rework };
    case 'TimePosting':
      return { hours: content.hours };
    case 'OverheadAllocation':
      return { amount: content.amount };
    case 'InspectionResult':
    case 'PeriodCloseEntry':
      return {};
    case 'Reversal':
      return amountsOf(content.of);
  }
}

/** The same document carrying other amounts (a delta, or the part of it being reversed). */
export function withAmounts<T extends DocumentPosting>(content: T, amounts: Amounts): T {
  if (content.kind !== 'FinishedGoodsReceipt' || !content.components) return { ...content, ...amounts };
  // A receipt's components carry their own amounts; one the amounts leave at nothing is not carried.
  const { quantity } = amounts;
  const components = content.components.flatMap((c) => {
    const carried = amounts[componentAmount(c.line)];
    return carried === undefined || isZero(carried) ? [] : [{ ...c, quantity: carried }];
  });
  return { ...content, ...(quantity === undefined ? {} : { quantity }), components };
}

/** Skipped: an operator decided the ERP shall not get this posting, and said why. */
export type PostingStatus = 'Pending' | 'Posted' | 'NeedsAttention' | 'Skipped';

export interface PostingError {
  /** The classification an operator acts on, e.g. UnknownShopOrder, ValidationRejected. */
  type: string;
  message: string;
}

export interface Posting {
  sequence: number;
  idempotencyKey: string;
  /** The line of the plan this posting belongs to, e.g. "issue|STEEL|kg||" or "receipt". */
  lineKey: string;
  content: PostingContent;
  status: PostingStatus;
  /** For a reversal: the sequence of the posting it takes back. */
  reverses?: number;
  /** The ERP's own id of the document, once posted. */
  erpDocumentId?: string;
  error?: PostingError;
  skipReason?: string;
  /** How the floor's totals became this posting's amounts, in words (kept in the audit trail). */
  transformation?: string;
  /** The floor events whose quantities this posting carries (all kept until it is posted, then the latest, with sourceEventCount; the audit trail keeps every one). */
  sourceEventIds: string[];
  /** How many floor events the posting carries, where that is more than the ids it names. */
  sourceEventCount?: number;
  /** Sent to the ERP at least once: every later attempt looks there first (absent in states from before it was kept). */
  attempted?: boolean;
  /** Events up to this order-local sequence number are covered by this posting's line. */
  coversEventsThrough: number;
  /**
   * What the ERP holds of the posted document now, where reconciliation found a person had
   * changed or deleted it and an operator asked for the difference to be posted: the line
   * counts this instead of what was posted, so the plan posts (or reverses) the difference.
   */
  heldInErp?: Amounts;
}

/** What a posting's document amounts to in the ERP: what it carried, unless reconciliation found it changed there. */
export function heldAmounts(p: Pick<Posting, 'content' | 'heldInErp'>): Amounts {
  return p.heldInErp ?? amountsOf(p.content);
}

/** Stable across retries, replays and continue-as-new: the order's workflow id and the posting's sequence. */
export function postingIdempotencyKey(workflowId: string, sequence: number): string {
  return `${workflowId}#${sequence}`;
}

function place(warehouse: string | undefined, storageLocation: string | undefined): string {
  return [warehouse ?? "the order's warehouse", storageLocation].filter(Boolean).join(' ');
}

/** A short human description of a posting, for logs and the Web UI. */
export function describePosting(content: PostingContent): string {
  switch (content.kind) {
    case 'MaterialIssue':
      return `issue ${content.quantity} ${content.unit} ${content.erpMaterial}`;
    case 'FinishedGoodsReceipt':
      return `receipt ${content.quantity} ${content.unit} ${content.erpMaterial}${content.components?.length ? `, consuming ${content.components.map((c) => `${c.quantity} ${c.unit} ${c.erpMaterial}`).join(', ')}` : ''}`;
    case 'ByProductReceipt':
      return `by-product ${content.quantity} ${content.unit} ${content.erpMaterial}`;
    case 'StockTransfer':
      return `transfer ${content.quantity} ${content.unit} ${content.erpMaterial} from ${place(content.fromWarehouse, content.fromStorageLocation)} to ${place(content.toWarehouse, content.toStorageLocation)}`;
    case 'QualityHold':
      return `hold ${content.quantity} ${content.unit} ${content.erpMaterial} (quality)`;
    case 'InspectionResult':
      return `result ${content.characteristic}${content.measuredValue !== undefined ? ` = ${content.measuredValue}` : ''} ${content.result} (${content.inspection})`;
    case 'OperationConfirmation':
      return `confirmation ${content.operation}: ${content.yield} good, ${content.scrap} scrap, ${content.rework} rework ${content.unit}${content.final ? ' (final)' : ''}`;
    case 'TimePosting':
      return `${content.activity} ${content.hours} h${content.operation ? ` on ${content.operation}` : ''}`;
    case 'OverheadAllocation':
      return `overhead ${content.amount} on ${content.workCentre} (${content.activity} at ${content.ratePerHour}/h)`;
    case 'PeriodCloseEntry':
      return `close ${content.period}: ${content.quantity} ${content.unit} ${content.erpMaterial} to finished goods at standard`;
    case 'Reversal':
      return `reversal of ${describePosting(content.of)}`;
  }
}
