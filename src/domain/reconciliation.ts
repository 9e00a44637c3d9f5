/**
 * Reconciliation of one order: what the floor reported (every posting the bridge made of it),
 * what the bridge posted (those the ERP took, by document) and what the ERP holds now (its
 * documents of the order, whoever booked them), per line: a kind and an ERP material. A
 * posted document the ERP no longer holds was deleted there by hand; one that holds another
 * quantity was changed by hand; a document of the order that is none of the bridge's was
 * booked outside it. What shadow mode recorded and never sent is compared, per line, with
 * what people booked by hand. Pure: the reconciliation activity
 * reads the audit trail and the ERP and hands both in.
 */
import type { DocumentPosting, PostingContent } from './postings';
import { type Decimal, ZERO, add, equals, negate, subtract } from './quantity';

/** The kinds reconciliation compares: stock documents every ERP keeps per order. */
export const COMPARED_KINDS = ['MaterialIssue', 'FinishedGoodsReceipt', 'ByProductReceipt'] as const;
export type ComparedKind = (typeof COMPARED_KINDS)[number];

/** An order as the ERP knows it. */
export interface OrderInErp {
  plant: string;
  productionOrder: string;
  erpOrderReference: string;
}

/** A document of the order in the ERP: a quantity booked, or (reverses) taken back from another. */
export interface HeldDocument {
  id: string;
  kind: ComparedKind;
  /** For a reversal: the document it takes back (its quantity is what it takes back). */
  reverses?: string;
  erpMaterial: string;
  quantity: Decimal;
  unit?: string;
  transactionDate?: string;
}

export interface HeldDocuments {
  /** The kinds the ERP listed (those it keeps of the compared ones). */
  kinds: ComparedKind[];
  documents: HeldDocument[];
}

/** How a posting ended, by its latest attempt in the audit trail. */
export type PostingOutcome = 'posted' | 'found-existing' | 'shadowed' | 'retryable-error' | 'needs-person';

/** One posting of the order as the bridge made it: its latest attempt in the audit trail. */
export interface BridgePosting {
  sequence: number;
  content: PostingContent;
  outcome: PostingOutcome;
  erpDocumentId?: string;
}

export interface ReconciledLine {
  kind: ComparedKind;
  erpMaterial: string;
  unit?: string;
  /** Every posting the bridge made of the floor's reports, net of reversals. */
  floor: Decimal;
  /** What of it the ERP took (in shadow mode: what the bridge would have posted). */
  posted: Decimal;
  /** What the ERP holds now, whoever booked it. */
  erp: Decimal;
}

export type DifferenceType = 'DeletedInErp' | 'ChangedInErp' | 'BookedOutsideBridge' | 'NotPosted' | 'ShadowDiffers';

export interface ReconciliationDifference {
  type: DifferenceType;
  kind: ComparedKind;
  erpMaterial: string;
  unit?: string;
  /** The bridge's posting it concerns, and its document in the ERP. */
  sequence?: number;
  erpDocumentId?: string;
  /** What the bridge posted (or would have), and what the ERP holds of it; a reversal's as what it takes back. */
  expected: Decimal;
  held: Decimal;
  /** Posting the difference brings the ERP back to the floor's: the operator may ask for it. */
  postable: boolean;
  message: string;
}

export interface OrderReconciliation {
  lines: ReconciledLine[];
  differences: ReconciliationDifference[];
}

/** The kind a posting books in the ERP (a reversal: its original's), where reconciliation compares it. */
export function comparedKindOf(content: PostingContent): ComparedKind | undefined {
  const kind = content.kind === 'Reversal' ? content.of.kind : content.kind;
  return (COMPARED_KINDS as readonly string[]).includes(kind) ? (kind as ComparedKind) : undefined;
}

function documentOf(content: PostingContent): Extract<DocumentPosting, { kind: ComparedKind }> {
  return (content.kind === 'Reversal' ? content.of : content) as Extract<DocumentPosting, { kind: ComparedKind }>;
}

const lineKey = (kind: ComparedKind, erpMaterial: string) => `${kind}|${erpMaterial}`;
const kindWords: Record<ComparedKind, string> = { MaterialIssue: 'issue', FinishedGoodsReceipt: 'receipt', ByProductReceipt: 'by-product receipt' };

/**
 * Compares one order. A posting the ERP took is compared by its document; one shadow mode
 * recorded (never sent) is compared by its line with what people booked by hand, so an order
 * that began in shadow mode and goes on live is compared each way for its part. `settled`:
 * postings whose difference an operator had posted, by sequence, with what their document
 * holds since (the order's line counts that, and a new posting carries the rest).
 */
export function reconcileOrder(postings: readonly BridgePosting[], held: HeldDocuments, settled: ReadonlyMap<number, Decimal> = new Map()): OrderReconciliation {
  type Line = ReconciledLine & { shadowed?: Decimal; byHand: HeldDocument[] };
  const lines = new Map<string, Line>();
  const lineOf = (kind: ComparedKind, erpMaterial: string, unit?: string) => {
    const key = lineKey(kind, erpMaterial);
    const known = lines.get(key);
    if (known) return known;
    const line: Line = { kind, erpMaterial, ...(unit ? { unit } : {}), floor: ZERO, posted: ZERO, erp: ZERO, byHand: [] };
    lines.set(key, line);
    return line;
  };
  const differences: ReconciliationDifference[] = [];
  const byId = new Map(held.documents.map((d) => [d.id, d]));
  const matched = new Set<string>();
  // A reversal a person booked against one of the bridge's documents (a cancellation, a
  // reversal in part) changes what that document holds: it is told as the document changed,
  // not as a booking of its own. The bridge's own reversals are its postings.
  const ours = new Set(postings.flatMap((p) => (p.erpDocumentId ? [p.erpDocumentId] : [])));
  const reversedByHand = new Map<string, { quantity: Decimal; ids: string[] }>();
  for (const d of held.documents) {
    if (!d.reverses || ours.has(d.id) || !ours.has(d.reverses)) continue;
    const known = reversedByHand.get(d.reverses) ?? { quantity: ZERO, ids: [] };
    reversedByHand.set(d.reverses, { quantity: add(known.quantity, d.quantity), ids: [...known.ids, d.id] });
  }

  for (const p of postings) {
    const kind = comparedKindOf(p.content);
    if (!kind || !held.kinds.includes(kind)) continue;
    const document = documentOf(p.content);
    const reversal = p.content.kind === 'Reversal';
    const signed = (q: Decimal) => (reversal ? negate(q) : q);
    const line = lineOf(kind, document.erpMaterial, document.unit);
    // A posting whose difference was posted counts what its document holds since.
    const expected = settled.get(p.sequence) ?? document.quantity;
    line.floor = add(line.floor, signed(expected));
    const what = `${reversal ? 'reversal of the ' : ''}${kindWords[kind]} of ${document.quantity} ${document.unit} ${document.erpMaterial} (posting #${p.sequence})`;
    if (p.outcome === 'shadowed') {
      line.posted = add(line.posted, signed(expected));
      line.shadowed = add(line.shadowed ?? ZERO, signed(expected));
      continue;
    }
    if ((p.outcome !== 'posted' && p.outcome !== 'found-existing') || !p.erpDocumentId) {
      differences.push({ type: 'NotPosted', kind, erpMaterial: document.erpMaterial, unit: document.unit, sequence: p.sequence, expected, held: ZERO, postable: false, message: `the ${what} has not reached the ERP (${p.outcome})` });
      continue;
    }
    line.posted = add(line.posted, signed(expected));
    const there = byId.get(p.erpDocumentId);
    const base = { kind, erpMaterial: document.erpMaterial, unit: document.unit, sequence: p.sequence, erpDocumentId: p.erpDocumentId, expected, postable: true };
    if (!there) {
      if (!equals(expected, ZERO)) differences.push({ ...base, type: 'DeletedInErp', held: ZERO, message: `the ${what} is no longer in the ERP (document ${p.erpDocumentId}): deleted by hand` });
      continue;
    }
    matched.add(there.id);
    const byHand = reversedByHand.get(there.id);
    for (const id of byHand?.ids ?? []) matched.add(id);
    const holds = byHand ? subtract(there.quantity, byHand.quantity) : there.quantity;
    if (!equals(holds, expected)) {
      const how = byHand ? `reversed by hand (document${byHand.ids.length > 1 ? 's' : ''} ${byHand.ids.join(', ')})` : 'changed by hand';
      if (equals(holds, ZERO)) differences.push({ ...base, type: 'DeletedInErp', held: ZERO, message: `the ${what} holds nothing in the ERP (document ${p.erpDocumentId}): ${how}` });
      else differences.push({ ...base, type: 'ChangedInErp', held: holds, message: `the ${what} holds ${holds} ${document.unit} in the ERP (document ${p.erpDocumentId}): ${how}` });
    }
  }

  for (const d of held.documents) {
    const line = lineOf(d.kind, d.erpMaterial, d.unit);
    line.erp = add(line.erp, d.reverses ? negate(d.quantity) : d.quantity);
    if (!matched.has(d.id)) line.byHand.push(d);
  }

  for (const { shadowed, byHand, ...line } of lines.values()) {
    if (shadowed !== undefined) {
      // What the bridge would have booked, against what people booked by hand.
      const booked = byHand.reduce((total, d) => add(total, d.reverses ? negate(d.quantity) : d.quantity), ZERO);
      if (equals(shadowed, booked)) continue;
      const gap = subtract(shadowed, booked);
      differences.push({
        type: 'ShadowDiffers', kind: line.kind, erpMaterial: line.erpMaterial, ...(line.unit ? { unit: line.unit } : {}), expected: shadowed, held: booked, postable: false,
        message: `the bridge would have booked ${shadowed} ${line.unit ?? ''} ${line.erpMaterial} as ${kindWords[line.kind]}s; people booked ${booked} (${gap.startsWith('-') ? `${negate(gap)} more` : `${gap} less`} by hand)`.replace(/ {2}/g, ' '),
      });
      continue;
    }
    for (const d of byHand) {
      differences.push({
        type: 'BookedOutsideBridge', kind: d.kind, erpMaterial: d.erpMaterial, ...(d.unit ? { unit: d.unit } : {}), erpDocumentId: d.id, expected: ZERO, held: d.quantity, postable: false,
        message: `the ERP holds ${d.reverses ? 'a reversal of an' : /^[aeiou]/.test(kindWords[d.kind]) ? 'an' : 'a'} ${kindWords[d.kind]} of ${d.quantity} ${d.unit ?? ''} ${d.erpMaterial} the bridge did not post (document ${d.id}${d.transactionDate ? `, ${d.transactionDate}` : ''}): booked outside the bridge`.replace(/ {2}/g, ' '),
      });
    }
  }
  return { lines: [...lines.values()].map(({ shadowed: _shadowed, byHand: _byHand, ...line }) => line), differences };
}

/** The operator's fix of a difference, as a CLI line (or what a person must do). */
export function differenceFix(d: ReconciliationDifference, order: { plant: string; productionOrder: string }): string {
  const at = `${order.plant} ${order.productionOrder}`;
  switch (d.type) {
    case 'DeletedInErp':
    case 'ChangedInErp':
      return `have the bridge post the difference: npm run cli -- post-difference ${at} ${d.sequence}; or, if the change in the ERP was right, correct the floor's report`;
    case 'NotPosted':
      return `see the order's open problems: npm run cli -- show ${at}`;
    case 'BookedOutsideBridge':
      return "ask who booked it; reverse it in the ERP if the floor's report is right";
    case 'ShadowDiffers':
      return 'compare the floor\'s reports with the booking by hand before go-live';
  }
}

/** What the order's details say of the last reconciliation that found differences. */
export interface ErpDifferencesNotice {
  runId: string;
  at: string;
  count: number;
  differences: { message: string; fix: string; sequence?: number }[];
}

/** Differences an order's details show at most, and the length of each text. */
const NOTICE_DIFFERENCES = 10;
const NOTICE_TEXT = 500;

/** The notice as the order keeps it, or undefined for anything that is none (a signal is input: it must not stall the order). */
export function erpDifferencesNotice(value: unknown): ErpDifferencesNotice | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { runId, at, count, differences } = value as Partial<Record<keyof ErpDifferencesNotice, unknown>>;
  if (typeof runId !== 'string' || typeof at !== 'string' || !Array.isArray(differences)) return undefined;
  const text = (t: unknown) => String(t ?? '').slice(0, NOTICE_TEXT);
  const kept = differences.slice(0, NOTICE_DIFFERENCES).flatMap((d: unknown) => {
    if (typeof d !== 'object' || d === null) return [];
    const { message, fix, sequence } = d as Record<string, unknown>;
    return [{ message: text(message), fix: text(fix), ...(typeof sequence === 'number' ? { sequence } : {}) }];
  });
  return { runId: text(runId), at: text(at), count: typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : kept.length, differences: kept };
}

export function describeErpDifferences(notice: ErpDifferencesNotice): string {
  return [
    `**ERP differs** (reconciliation ${notice.at}: ${notice.count} difference${notice.count === 1 ? '' : 's'})`,
    ...notice.differences.map((d) => `- ${d.message}
  fix: \`${d.fix}\``),
  ].join('\n');
}
