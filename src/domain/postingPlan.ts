/**
 * The posting plan: what the ERP must hold, derived from what the floor reported, and
 * the postings that bring it there. Every line of the plan is a cumulative target in
 * the ERP's units and precision; a posting carries the difference between the target
 * and what earlier postings of the line carry (whatever their status: a skipped posting
 * is not planned again). A line waits for its pending posting to land before it plans the
 * next, so a slow ERP gets fewer, larger postings. Where a correction lowered a target below that, the latest
 * documents are reversed, in part or whole as the order's ERP connection reverses each kind
 * (its posting rules).
 */
import { entryOf, hasEntry, keyed } from './keyed';
import { keepsKind, reversesInPart } from './postingRules';
import { AMOUNT_DECIMALS, type BomComponent, backflushModeOf, derivedConsumption, erpDecimals, erpQuantity, toErpPrecision, toErpUnit } from './masterData';
import {
  type Amounts,
  type ByProductReceipt,
  type DocumentPosting,
  type FinishedGoodsReceipt,
  type MaterialIssue,
  type Posting,
  type PostingContent,
  amountsOf,
  postingIdempotencyKey,
  withAmounts,
} from './postings';
import {
  type MaterialLine,
  type PlanningProblem,
  type ProductionOrderState,
  erpEmployeeOf,
  erpMaterial,
  erpOrderReference,
  materialLineKey,
  postingRulesOf,
  timeKey,
} from './productionOrder';
import { type Decimal, ZERO, add, compare, isNegative, isPositive, isZero, min, multiply, negate, round, subtract } from './quantity';

/** One line of the plan. */
export interface LineTarget {
  key: string;
  /** The totals (see RecentEvent.sources) whose events this line carries. */
  source: string;
  /** Where the line joins several totals (the batches of a material the ERP keeps one total of): all of them. */
  sources?: string[];
  /** Cumulative amounts the ERP must hold for this line, in the ERP's unit and precision. */
  amounts: Amounts;
  /** How the floor's totals became `amounts`, in words: the transformation the audit trail keeps. */
  derivation: string;
  /** The document that carries `amounts` (a delta, or an amount to reverse) to the ERP. */
  document: DocumentPosting;
  /** A posting is due even without new amounts: an operation's confirmation must turn final. */
  dueWithoutAmounts?: (line: readonly Posting[]) => boolean;
}

/** Postings beyond this many are compacted when the order continues as new (see compactPostings). */
export const POSTINGS_KEPT = 200;
/** The floor event ids a posting names at most (the latest); `sourceEventCount` says how many it carries. */
export const SOURCE_EVENT_IDS_KEPT = 100;

/** The lines the order's state asks of the ERP, and what keeps others from being planned; a line of a kind the ERP does not keep is a problem. */
export function lineTargets(state: ProductionOrderState): { targets: LineTarget[]; problems: PlanningProblem[] } {
  const { targets, problems } = allLineTargets(state);
  const rules = postingRulesOf(state);
  const kept = targets.filter((t) => keepsKind(rules, t.document.kind));
  const refused = targets.filter((t) => !keepsKind(rules, t.document.kind)).map((t) => ({ lineKey: t.key, message: `the order's ERP connection (${state.erpConnection ?? state.erpSystem}) keeps no ${t.document.kind}: nothing of this line is posted` }));
  return { targets: kept, problems: [...problems, ...refused] };
}

function allLineTargets(state: ProductionOrderState): { targets: LineTarget[]; problems: PlanningProblem[] } {
  const released = state.released;
  if (!released) return { targets: [], problems: [] };
  const masterData = state.masterData ?? { materials: {}, bom: [] };
  const materials = masterData.materials;
  const header = entryOf(materials, released.material);
  const targets: LineTarget[] = [];
  const problems: PlanningProblem[] = [];
  const base = { plant: state.plant, productionOrder: state.productionOrder, erpOrderReference: erpOrderReference(state) };
  const lastDate = (state.lastEventAt ?? '').slice(0, 10);

  for (const { key, consumed, sources, batches } of consumptionLines(state)) {
    // An order that looks master data up plans a material only once it has been looked up.
    if (state.masterData && !hasEntry(materials, consumed.material)) continue;
    const master = entryOf(materials, consumed.material);
    if (backflushModeOf(master) !== 'actual') continue;
    const lineKey = `issue|${key}`;
    const converted = erpQuantity(consumed.quantity, consumed.unit, master, postingRulesOf(state).quantityDecimals);
    if ('problem' in converted) {
      problems.push({ lineKey, message: converted.problem });
      continue;
    }
    const { quantity } = converted;
    const joined = batches.length > 0 ? ` (batches ${batches.join(', ')} together: the ERP keeps one total of ${consumed.material})` : '';
    targets.push({
      key: lineKey,
      source: sources[0]!,
      ...(sources.length > 1 ? { sources } : {}),
      amounts: { quantity },
      derivation: `${consumed.material} consumed${joined}: ${converted.derivation}`,
      document: {
        kind: 'MaterialIssue',
        ...base,
        material: consumed.material,
        erpMaterial: erpMaterial(state, consumed.material),
        quantity,
        unit: converted.unit,
        ...(consumed.batch ? { batch: consumed.batch } : {}),
        ...(consumed.storageLocation ? { storageLocation: consumed.storageLocation } : {}),
        ...(consumed.serialNumbers ? { serialNumbers: consumed.serialNumbers } : {}),
        basis: 'actual',
        transactionDate: consumed.lastDate,
      },
    });
  }

  for (const [key, yielded] of Object.entries(state.byProducts ?? {})) {
    if (state.masterData && !hasEntry(materials, yielded.material)) continue;
    const master = entryOf(materials, yielded.material);
    // 'erp': the ERP receives the by-product itself with the order's receipt.
    if (backflushModeOf(master) === 'erp') continue;
    const lineKey = `by-product|${key}`;
    const converted = erpQuantity(yielded.quantity, yielded.unit, master, postingRulesOf(state).quantityDecimals);
    if ('problem' in converted) {
      problems.push({ lineKey, message: converted.problem });
      continue;
    }
    targets.push({
      key: lineKey,
      source: `by-product|${key}`,
      amounts: { quantity: converted.quantity },
      derivation: `${yielded.material} yielded as a by-product: ${converted.derivation}`,
      document: {
        kind: 'ByProductReceipt',
        ...base,
        material: yielded.material,
        erpMaterial: erpMaterial(state, yielded.material),
        quantity: converted.quantity,
        unit: converted.unit,
        ...(yielded.batch ? { batch: yielded.batch } : {}),
        ...(yielded.storageLocation ? { storageLocation: yielded.storageLocation } : {}),
        ...(yielded.serialNumbers ? { serialNumbers: yielded.serialNumbers } : {}),
        transactionDate: yielded.lastDate,
      },
    });
  }

  for (const [key, moved] of Object.entries(state.transfers ?? {})) {
    if (state.masterData && !hasEntry(materials, moved.material)) continue;
    const lineKey = `transfer|${key}`;
    const converted = erpQuantity(moved.quantity, moved.unit, entryOf(materials, moved.material), postingRulesOf(state).quantityDecimals);
    if ('problem' in converted) {
      problems.push({ lineKey, message: converted.problem });
      continue;
    }
    const { quantity: _quantity, unit: _unit, lastDate, ...way } = moved;
    targets.push({
      key: lineKey,
      source: `transfer|${key}`,
      amounts: { quantity: converted.quantity },
      derivation: `${moved.material} moved: ${converted.derivation}`,
      // Moving some back is a transfer the other way: any part of one can be taken back.
      document: { kind: 'StockTransfer', ...base, ...way, erpMaterial: erpMaterial(state, moved.material), quantity: converted.quantity, unit: converted.unit, transactionDate: lastDate },
    });
  }

  // Output in the header material's base unit: what receipts, confirmations and BOM-derived issues count in.
  const toBase = toErpUnit('1', released.unit, header);
  if ('problem' in toBase) {
    problems.push({ lineKey: 'output', message: toBase.problem });
    return { targets, problems };
  }
  const inBaseUnit = (quantity: Decimal) => (erpQuantity(quantity, released.unit, header, postingRulesOf(state).quantityDecimals) as { quantity: Decimal; derivation: string });
  const outputDate = state.output.lastDate ?? lastDate;

  const produced = multiply(add(state.output.good, state.output.scrap), toBase.quantity);
  for (const component of masterData.bom.filter((c) => backflushModeOf(entryOf(materials, c.component)) === 'derived')) {
    targets.push(derivedIssue(state, component, produced, outputDate, base));
  }

  if (state.completedOn) {
    const { quantity, derivation } = inBaseUnit(state.output.good);
    targets.push({
      key: 'receipt',
      source: 'output',
      amounts: { quantity },
      derivation: `good output: ${derivation}`,
      document: {
        kind: 'FinishedGoodsReceipt',
        ...base,
        material: released.material,
        erpMaterial: erpMaterial(state, released.material),
        quantity,
        unit: toBase.unit,
        ...(released.outputBatch ? { batch: released.outputBatch } : {}),
        ...(released.outputStorageLocation ? { storageLocation: released.outputStorageLocation } : {}),
        ...(state.output.serialNumbers ? { serialNumbers: state.output.serialNumbers } : {}),
        transactionDate: state.completedOn > outputDate ? state.completedOn : outputDate,
      },
    });
  }

  targets.push(...qualityHold(state, base, inBaseUnit, toBase.unit));

  if (state.planRevision < 2) return { targets, problems };

  for (const progress of Object.values(state.operations)) {
    const { good, scrap, rework } = progress.quantities;
    const final = progress.completedOn !== undefined;
    if (!final && isZero(good) && isZero(scrap) && isZero(rework)) continue;
    const [y, sc, rw] = [inBaseUnit(good), inBaseUnit(scrap), inBaseUnit(rework)];
    const amounts = { yield: y.quantity, scrap: sc.quantity, rework: rw.quantity };
    targets.push({
      key: `confirmation|${progress.operation}`,
      source: `operation|${progress.operation}`,
      amounts,
      derivation: `operation ${progress.operation}: yield ${y.derivation}; scrap ${sc.derivation}; rework ${rw.derivation}${final ? '; complete' : ''}`,
      dueWithoutAmounts: (line) => final && !latestDocument(line, 'OperationConfirmation')?.final,
      document: {
        kind: 'OperationConfirmation',
        ...base,
        operation: progress.operation,
        ...(progress.workCentre ? { workCentre: progress.workCentre } : {}),
        ...amounts,
        unit: toBase.unit,
        final,
        ...(progress.reasonCode ? { reasonCode: progress.reasonCode } : {}),
        transactionDate: progress.completedOn && progress.completedOn > progress.lastDate ? progress.completedOn : progress.lastDate,
      },
    });
  }

  for (const line of Object.values(state.time)) {
    const hours = toErpPrecision(line.hours, undefined, postingRulesOf(state).hoursDecimals);
    const key = timeKey(line);
    targets.push({
      key: `time|${key}`,
      source: `time|${key}`,
      amounts: { hours },
      derivation: `${line.activity} hours booked: ${line.hours} h${hours === line.hours ? '' : `, rounded: ${hours} h`}`,
      document: {
        kind: 'TimePosting',
        ...base,
        activity: line.activity,
        hours,
        ...(line.operation ? { operation: line.operation } : {}),
        ...(line.employee ? { employee: line.employee, ...erpEmployeeOf(state, line.employee) } : {}),
        ...(line.workCentre ? { workCentre: line.workCentre } : {}),
        transactionDate: line.lastDate,
      },
    });
    const cost = line.workCentre ? masterData.costs?.find((c) => c.workCentre === line.workCentre && c.activity === line.activity) : undefined;
    if (cost && line.workCentre) {
      // The rate applies to the hours as the floor booked them; the amount is rounded on the total, so no cent is lost.
      const amount = round(multiply(line.hours, cost.ratePerHour), AMOUNT_DECIMALS);
      targets.push({
        key: `overhead|${key}`,
        source: `time|${key}`,
        amounts: { amount },
        derivation: `${line.activity} hours on ${line.workCentre}: ${line.hours} h × ${cost.ratePerHour}/h = ${amount}`,
        document: {
          kind: 'OverheadAllocation',
          ...base,
          activity: line.activity,
          workCentre: line.workCentre,
          ...(line.operation ? { operation: line.operation } : {}),
          ratePerHour: cost.ratePerHour,
          amount,
          journal: cost.journal,
          debitAccount: cost.debitAccount,
          creditAccount: cost.creditAccount,
          ...(cost.costCentre ? { costCentre: cost.costCentre } : {}),
          transactionDate: line.lastDate,
        },
      });
    }
  }
  return { targets, problems };
}

/**
 * The consumption lines to plan. From plan revision 4, the batches of a material the ERP
 * does not manage by batch are one line per unit and location: the ERP keeps one total, so
 * it is rounded once (per batch, each line's rounding would add up in the ERP's total).
 */
function consumptionLines(state: ProductionOrderState): ConsumptionLine[] {
  const lines = Object.entries(state.consumption).map(([key, consumed]): ConsumptionLine => ({ key, consumed, sources: [`consumption|${key}`], batches: [] }));
  if (state.planRevision < 4) return lines;
  const result: ConsumptionLine[] = [];
  for (const line of lines) {
    const master = entryOf(state.masterData?.materials, line.consumed.material);
    const { batch, ...withoutBatch } = line.consumed;
    if (master?.batchManaged !== false || !batch) {
      result.push(line);
      continue;
    }
    const key = materialLineKey(withoutBatch);
    const before = result.find((l) => l.key === key);
    if (!before) {
      result.push({ key, consumed: withoutBatch, sources: line.sources, batches: [batch] });
      continue;
    }
    const serials = [...(before.consumed.serialNumbers ?? []), ...(withoutBatch.serialNumbers ?? [])].sort();
    before.consumed = {
      ...before.consumed,
      quantity: add(before.consumed.quantity, withoutBatch.quantity),
      lastDate: before.consumed.lastDate > withoutBatch.lastDate ? before.consumed.lastDate : withoutBatch.lastDate,
      ...(serials.length > 0 ? { serialNumbers: serials } : {}),
    };
    before.sources = [...before.sources, ...line.sources];
    before.batches = [...before.batches, batch];
  }
  return result;
}

interface ConsumptionLine {
  key: string;
  consumed: MaterialLine;
  sources: string[];
  /** The batches joined into this line (none: the line is one batch, or none). */
  batches: string[];
}

function derivedIssue(
  state: ProductionOrderState,
  component: BomComponent,
  producedInBaseUnit: Decimal,
  transactionDate: string,
  base: Pick<DocumentPosting, 'plant' | 'productionOrder' | 'erpOrderReference'>,
): LineTarget {
  const master = entryOf(state.masterData!.materials, component.component)!;
  const implied = derivedConsumption(producedInBaseUnit, component);
  const quantity = toErpPrecision(implied, master, postingRulesOf(state).quantityDecimals);
  return {
    key: `issue|derived|${component.component}`,
    source: 'output',
    amounts: { quantity },
    derivation:
      `${component.component} implied by output: ${producedInBaseUnit} produced × ${component.quantityPer} × (1 + ${component.scrapAllowance}) ÷ ${component.yieldFactor} = ${implied} ${master.baseUnit}` +
      (quantity === implied ? '' : `, rounded to ${erpDecimals(master, postingRulesOf(state).quantityDecimals)} decimals: ${quantity} ${master.baseUnit}`),
    document: {
      kind: 'MaterialIssue',
      ...base,
      material: component.component,
      erpMaterial: erpMaterial(state, component.component),
      quantity,
      unit: master.baseUnit,
      basis: 'derived',
      transactionDate,
    },
  };
}

/** Adds the postings that bring every line of the plan to its target. Pure and idempotent. */
export function planPostings(state: ProductionOrderState): ProductionOrderState {
  return lineTargets(state).targets.reduce(planLine, state);
}

function planLine(before: ProductionOrderState, target: LineTarget): ProductionOrderState {
  const state = serialsForStoppedPostings(before, target);
  const line = state.postings.filter((p) => p.lineKey === target.key);
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
    next = addPosting(next, target, content, extra, firstOfRound);
  };

  // Serialized units come back by their serial numbers: a document gives back those no longer wanted, even where the quantity stays (a swapped label).
  const surplusSerials = (p: Posting) => serialsOf(p.content).filter((s) => serialsHeld.has(s) && !serialsWanted.includes(s));
  const documents = reversibleDocuments(line);
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
function serialsForStoppedPostings(state: ProductionOrderState, target: LineTarget): ProductionOrderState {
  const wanted = serialsOf(target.document);
  if (wanted.length === 0) return state;
  const line = state.postings.filter((p) => p.lineKey === target.key);
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
    const amounts = amountsOf(p.content);
    return sumAmounts(total, p.content.kind === 'Reversal' ? negateAmounts(amounts) : amounts);
  }, archived ?? {});
}

/** Posted (or skipped) documents of a line that still hold something to reverse, latest first. */
function reversibleDocuments(line: readonly Posting[]): { posting: Posting; remaining: Amounts }[] {
  return line
    .filter((p) => p.content.kind !== 'Reversal' && (p.status === 'Skipped' || (p.status === 'Posted' && p.erpDocumentId)))
    .map((posting) => {
      const reversed = line.filter((r) => r.reverses === posting.sequence).reduce<Amounts>((t, r) => sumAmounts(t, amountsOf(r.content)), {});
      return { posting, remaining: differences(amountsOf(posting.content), reversed) };
    })
    .filter((d) => Object.values(d.remaining).some((a) => isPositive(a!)))
    .reverse();
}

function latestDocument<K extends DocumentPosting['kind']>(line: readonly Posting[], kind: K): Extract<DocumentPosting, { kind: K }> | undefined {
  const reversed = new Set(line.flatMap((p) => (p.reverses !== undefined ? [p.reverses] : [])));
  const latest = line.filter((p) => p.content.kind === kind && !reversed.has(p.sequence)).at(-1);
  return latest?.content as Extract<DocumentPosting, { kind: K }> | undefined;
}

function addPosting(
  state: ProductionOrderState,
  target: LineTarget,
  content: PostingContent,
  extra: Partial<Posting>,
  round: { sourcesTaken: boolean },
): ProductionOrderState {
  const sequence = (state.postings.at(-1)?.sequence ?? 0) + 1;
  const line = state.postings.filter((p) => p.lineKey === target.key);
  const coveredThrough = Math.max(0, ...line.map((p) => p.coversEventsThrough));
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
    const amounts = amountsOf(p.content);
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


/**
 * What quality decisions hold of the order's good output (block less release), once the
 * receipt has put it in stock: the ERP cannot block stock it has not received. Lowered by a
 * release or a correction, the hold is reversed (in part, where the ERP moves part of it back).
 */
function qualityHold(state: ProductionOrderState, base: Pick<DocumentPosting, 'plant' | 'productionOrder' | 'erpOrderReference'>, inBaseUnit: (q: Decimal) => { quantity: Decimal; derivation: string }, unit: string): LineTarget[] {
  const released = state.released!;
  const held = state.quality.held ?? ZERO;
  const line = state.postings.filter((p) => p.lineKey === 'hold');
  if (isZero(held) && line.length === 0) return [];
  const receipt = state.postings.filter((p) => p.lineKey === 'receipt');
  if (!state.completedOn || receipt.length === 0 || receipt.some((p) => p.status !== 'Posted' && p.status !== 'Skipped')) return [];
  const { quantity, derivation } = inBaseUnit(held);
  return [
    {
      key: 'hold',
      source: 'hold',
      amounts: { quantity },
      derivation: `good output on hold by quality decisions: ${derivation}`,
      document: {
        kind: 'QualityHold',
        ...base,
        material: released.material,
        erpMaterial: erpMaterial(state, released.material),
        quantity,
        unit,
        ...(released.outputBatch ? { batch: released.outputBatch } : {}),
        ...(released.outputStorageLocation ? { storageLocation: released.outputStorageLocation } : {}),
        transactionDate: (state.lastEventAt ?? state.completedOn).slice(0, 10),
      },
    },
  ];
}
