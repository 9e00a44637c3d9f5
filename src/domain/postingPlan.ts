/**
 * The posting plan: the postings that bring the ERP to what it must hold (the lines'
 * targets, postingTargets.ts). Every line of the plan is a cumulative target in
 * the ERP's units and precision; a posting carries the difference between the target
 * and what earlier postings of the line carry (whatever their status: a skipped posting
 * is not planned again). A line waits for its pending posting to land before it plans the
 * next, so a slow ERP gets fewer, larger postings. Where a correction lowered a target below that, the latest
 * documents are reversed, in part or whole as the order's ERP connection reverses each kind
 * (its posting rules).
 */
import { entryOf, keyed } from './keyed';
import { reversesInPart } from './postingRules';
import { type LineTarget, lineTargets } from './postingTargets';
import {
  type Amounts,
  type ByProductReceipt,
  type DocumentPosting,
  type FinishedGoodsReceipt,
  type MaterialIssue,
  type Posting,
  type PostingContent,
  heldAmounts,
  postingIdempotencyKey,
  withAmounts,
} from './postings';
import { type ProductionOrderState, postingRulesOf } from './productionOrder';
import { type Decimal, ZERO, add, compare, isNegative, isPositive, min, negate, subtract } from './quantity';

/** Postings beyond this many are compacted when the order continues as new (see compactPostings). */
export const POSTINGS_KEPT = 200;
/** The floor event ids a posting names at most (the latest); `sourceEventCount` says how many it carries. */
export const SOURCE_EVENT_IDS_KEPT = 100;

/** Adds the postings that bring every line of the plan to its target. Pure and idempotent. */
export function planPostings(state: ProductionOrderState): ProductionOrderState {
  // States are immutable, and a workflow task plans the same state more than once (the plan, the view).
  const known = plannedFrom.get(state);
  if (known) return known;
  // Each line plans only its own postings: grouped once, not searched for per line.
  const lines = new Map<string, Posting[]>();
  for (const p of state.postings) {
    const line = lines.get(p.lineKey);
    if (line) line.push(p);
    else lines.set(p.lineKey, [p]);
  }
  const planned = lineTargets(state).targets.reduce((next, target) => planLine(next, target, lines.get(target.key) ?? []), state);
  plannedFrom.set(state, planned);
  return planned;
}

const plannedFrom = new WeakMap<ProductionOrderState, ProductionOrderState>();

function planLine(before: ProductionOrderState, target: LineTarget, postingsOfLine: readonly Posting[]): ProductionOrderState {
  const state = serialsForStoppedPostings(before, target, postingsOfLine);
  const line = state === before ? postingsOfLine : state.postings.filter((p) => p.lineKey === target.key);
  // A line plans its next posting only once its last one has landed: while the ERP is slow
  // (a rate limit, a retry), new events gather into that next posting instead of queueing up.
  if (state.planRevision >= 3 && line.some((p) => p.status === 'Pending')) return state;
  const net = netAmounts(line, entryOf(state.archivedLines, target.key));
  // Serial numbers go with units: a posting carries those the ERP does not hold yet, a reversal those it should no longer.
  const serialsHeld = carriedSerials(line);
  const serialsWanted = serialsOf(target.document);
  let delta = differences(target.amounts, net);
  const inPart = reversesInPart(postingRulesOf(state), target.document.kind);
  let next = state;
  const firstOfRound = { sourcesTaken: false };
  const post = (content: PostingContent, extra: Partial<Posting> = {}) => {
    next = addPosting(next, target, line, content, extra, firstOfRound);
  };

  // Serialized units come back by their serial numbers: a document gives back those no longer wanted, even where the quantity stays (a swapped label).
  const surplusSerials = (p: Posting) => serialsOf(p.content).filter((s) => serialsHeld.has(s) && !serialsWanted.includes(s));
  // Only a line with something to give back needs its reversible documents.
  const mayReverse = Object.values(delta).some((d) => isNegative(d!)) || [...serialsHeld].some((s) => !serialsWanted.includes(s));
  const documents = mayReverse ? reversibleDocuments(line) : [];
  const withSurplus = documents.filter((d) => surplusSerials(d.posting).length > 0);
  const heldAfter = new Set(serialsHeld);
  if (withSurplus.length > 0 || Object.values(delta).some((d) => isNegative(d!))) {
    // A posting still on its way may be the one to reverse: wait until it lands.
    if (line.some((p) => p.status === 'Pending')) return next;
    for (const original of [...withSurplus, ...documents.filter((d) => !withSurplus.includes(d))]) {
      const surplus = surplusSerials(original.posting);
      if (surplus.length === 0 && !Object.values(delta).some((d) => isNegative(d!))) break;
      // Reversed whole, a document gives back every serial number it still holds.
      const amounts = !inPart ? original.remaining : surplus.length > 0 ? unitsOf(original.remaining, surplus.length) : partOf(original.remaining, delta);
      const serials = inPart ? surplus : serialsOf(original.posting.content).filter((s) => heldAfter.has(s));
      const reversal: PostingContent = {
        kind: 'Reversal',
        ...pick(original.posting.content),
        transactionDate: (state.lastEventAt ?? target.document.transactionDate).slice(0, 10),
        of: withSerials(withAmounts(original.posting.content as DocumentPosting, amounts), serials),
        originalDocumentId: original.posting.erpDocumentId ?? '',
      };
      // A skipped original never reached the ERP through us: taking it back is the operator's too.
      const skipped = original.posting.status === 'Skipped';
      post(reversal, {
        reverses: original.posting.sequence,
        transformation: `${target.derivation}; the ERP held ${describeAmounts(net)}: reverses ${describeAmounts(amounts)} of posting ${original.posting.sequence}`,
        ...(skipped ? { status: 'Skipped', skipReason: `takes back posting ${original.posting.sequence}, which was skipped` } : {}),
      });
      for (const s of serials) heldAfter.delete(s);
      delta = sumAmounts(delta, amounts);
    }
  }
  if (Object.values(delta).some((d) => isNegative(d!))) return next;
  if (Object.values(delta).some((d) => isPositive(d!)) || target.dueWithoutAmounts?.(line)) {
    post(withSerials(withAmounts(target.document, delta), serialsWanted.filter((s) => !heldAfter.has(s))), { transformation: `${target.derivation}; already carried ${describeAmounts(differences(target.amounts, delta))}: posts ${describeAmounts(delta)}` });
  }
  return next;
}

/**
 * An issue stopped because it carried fewer serial numbers than units takes those the floor
 * has named since (a correction of the event), and is sent again.
 */
function serialsForStoppedPostings(state: ProductionOrderState, target: LineTarget, line: readonly Posting[]): ProductionOrderState {
  const wanted = serialsOf(target.document);
  if (wanted.length === 0) return state;
  const stopped = line.filter((p) => p.status === 'NeedsAttention' && isSerializable(p.content) && compare(String(serialsOf(p.content).length), (p.content as SerializedPosting).quantity) < 0);
  if (stopped.length === 0) return state;
  const taken = carriedSerials(line.filter((p) => !stopped.includes(p)));
  const free = wanted.filter((s) => !taken.has(s));
  const refreshed = new Map<number, Posting>();
  for (const posting of stopped) {
    const units = Number((posting.content as SerializedPosting).quantity);
    const serials = [...serialsOf(posting.content), ...free.splice(0, units - serialsOf(posting.content).length)];
    if (serials.length === units) refreshed.set(posting.sequence, { ...posting, content: withSerials(posting.content as SerializedPosting, serials), status: 'Pending', error: undefined });
  }
  return refreshed.size === 0 ? state : { ...state, postings: state.postings.map((p) => refreshed.get(p.sequence) ?? p) };
}

type SerializedPosting = MaterialIssue | FinishedGoodsReceipt | ByProductReceipt;

function isSerializable(content: PostingContent): content is SerializedPosting {
  return content.kind === 'MaterialIssue' || content.kind === 'FinishedGoodsReceipt' || content.kind === 'ByProductReceipt';
}

function serialsOf(content: PostingContent): string[] {
  return isSerializable(content) ? (content.serialNumbers ?? []) : [];
}

/** The serial numbers the line's postings put in the ERP: those issued, less those reversed. */
function carriedSerials(line: readonly Posting[]): Set<string> {
  const held = new Set<string>();
  for (const p of line) {
    if (p.content.kind === 'Reversal') for (const s of serialsOf(p.content.of)) held.delete(s);
    else for (const s of serialsOf(p.content)) held.add(s);
  }
  return held;
}

function withSerials<T extends DocumentPosting>(content: T, serials: string[]): T {
  if (!isSerializable(content) || (content.serialNumbers === undefined && serials.length === 0)) return content;
  const { serialNumbers: _all, ...rest } = content as SerializedPosting;
  return (serials.length > 0 ? { ...rest, serialNumbers: serials } : rest) as T;
}

function describeAmounts(amounts: Amounts): string {
  return Object.entries(amounts).map(([name, value]) => `${name} ${value}`).join(', ') || 'nothing';
}

/** What the line's postings carry into the ERP: documents minus their reversals (plus archived ones). */
function netAmounts(line: readonly Posting[], archived: Amounts | undefined): Amounts {
  return line.reduce<Amounts>((total, p) => {
    const amounts = heldAmounts(p);
    return sumAmounts(total, p.content.kind === 'Reversal' ? negateAmounts(amounts) : amounts);
  }, archived ?? {});
}

/** Posted (or skipped) documents of a line that still hold something to reverse, latest first. */
function reversibleDocuments(line: readonly Posting[]): { posting: Posting; remaining: Amounts }[] {
  // What each document's reversals took back, in one pass over the line (not one per document).
  const reversedOf = new Map<number, Amounts>();
  for (const r of line) if (r.reverses !== undefined) reversedOf.set(r.reverses, sumAmounts(reversedOf.get(r.reverses) ?? {}, heldAmounts(r)));
  return line
    .filter((p) => p.content.kind !== 'Reversal' && (p.status === 'Skipped' || (p.status === 'Posted' && p.erpDocumentId)))
    .map((posting) => ({ posting, remaining: differences(heldAmounts(posting), reversedOf.get(posting.sequence) ?? {}) }))
    .filter((d) => Object.values(d.remaining).some((a) => isPositive(a!)))
    .reverse();
}


function addPosting(
  state: ProductionOrderState,
  target: LineTarget,
  /** The line's postings before this round (those of the round cover every event so far). */
  line: readonly Posting[],
  content: PostingContent,
  extra: Partial<Posting>,
  round: { sourcesTaken: boolean },
): ProductionOrderState {
  const sequence = (state.postings.at(-1)?.sequence ?? 0) + 1;
  const coveredThrough = line.reduce((through, p) => Math.max(through, p.coversEventsThrough), 0);
  // The first posting of a line in a round names the events that fed the line since its last posting.
  const sources = round.sourcesTaken ? [] : state.recent.filter((e) => e.seq > coveredThrough && (target.sources ?? [target.source]).some((source) => e.sources.includes(source))).map((e) => e.eventId);
  // A posting that gathered many events (the ERP was away a while) names the latest of them, and how many it carries.
  const sourceEventIds = sources.slice(-SOURCE_EVENT_IDS_KEPT);
  round.sourcesTaken = true;
  const posting: Posting = {
    sequence,
    idempotencyKey: postingIdempotencyKey(state.workflowId, sequence),
    lineKey: target.key,
    content,
    status: 'Pending',
    sourceEventIds,
    ...(sources.length > sourceEventIds.length ? { sourceEventCount: sources.length } : {}),
    coversEventsThrough: state.eventsReceived,
    ...extra,
  };
  return { ...state, postings: [...state.postings, posting] };
}

/**
 * Keeps the order's state small enough to carry across continue-as-new: settled postings
 * (posted, skipped) beyond the latest POSTINGS_KEPT are folded into per-line totals, oldest
 * first, past any that are still open (an open posting stays, however old). Their documents
 * can no longer be reversed one by one; a correction that reaches that far back reverses
 * the latest documents kept.
 */
export function compactPostings(state: ProductionOrderState): ProductionOrderState {
  let excess = state.postings.length - POSTINGS_KEPT;
  if (excess <= 0) return state;
  const archived = new Set<number>();
  for (const p of state.postings) {
    if (excess <= 0) break;
    if (p.status !== 'Posted' && p.status !== 'Skipped') continue;
    archived.add(p.sequence);
    excess -= 1;
  }
  const archivedLines = keyed(Object.entries(state.archivedLines));
  for (const p of state.postings.filter((p) => archived.has(p.sequence))) {
    const amounts = heldAmounts(p);
    archivedLines[p.lineKey] = sumAmounts(entryOf(archivedLines, p.lineKey) ?? {}, p.content.kind === 'Reversal' ? negateAmounts(amounts) : amounts);
  }
  // A reversal kept whose original was archived no longer names it.
  const postings = state.postings
    .filter((p) => !archived.has(p.sequence))
    .map((p) => (p.reverses !== undefined && archived.has(p.reverses) ? { ...p, reverses: undefined } : p));
  return { ...state, postings, archivedLines };
}

function sumAmounts(a: Amounts, b: Amounts): Amounts {
  const result: Amounts = { ...a };
  for (const [name, value] of Object.entries(b) as [keyof Amounts, Decimal][]) result[name] = add(result[name] ?? ZERO, value);
  return result;
}

function negateAmounts(a: Amounts): Amounts {
  return Object.fromEntries(Object.entries(a).map(([name, value]) => [name, negate(value!)])) as Amounts;
}

/** target − posted, for every amount the target names. */
function differences(target: Amounts, posted: Amounts): Amounts {
  return Object.fromEntries(Object.entries(target).map(([name, value]) => [name, subtract(value!, posted[name as keyof Amounts] ?? ZERO)])) as Amounts;
}

/** `units` serialized units of what a document still holds (at most all of it). */
function unitsOf(available: Amounts, units: number): Amounts {
  return { ...available, quantity: min(available.quantity ?? ZERO, String(units)) };
}

/** The part of `available` that covers the shortfall in `delta` (partial reversal). */
function partOf(available: Amounts, delta: Amounts): Amounts {
  return Object.fromEntries(
    Object.entries(available).map(([name, value]) => {
      const short = negate(delta[name as keyof Amounts] ?? ZERO);
      return [name, compare(short, ZERO) > 0 ? min(value!, short) : ZERO];
    }),
  ) as Amounts;
}

function pick(content: PostingContent): Pick<DocumentPosting, 'plant' | 'productionOrder' | 'erpOrderReference'> {
  return { plant: content.plant, productionOrder: content.productionOrder, erpOrderReference: content.erpOrderReference };
}
