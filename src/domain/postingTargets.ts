/**
 * What the ERP must hold for an order: one cumulative target per line of the plan (an
 * issue per material, the receipt, a confirmation per operation, time, overhead, what
 * quality decisions hold…), in the ERP's units and precision, derived from what the floor
 * reported. postingPlan.ts plans the postings that bring the ERP there. The order of the
 * targets is the order postings are numbered in: it stays as it is for running orders.
 */
import { entryOf, hasEntry } from './keyed';
import { AMOUNT_DECIMALS, type BomComponent, backflushModeOf, derivedConsumption, erpDecimals, erpQuantity, toErpPrecision, toErpUnit } from './masterData';
import type { Amounts, ConsumedComponent, DocumentPosting, MaterialIssue, Posting } from './postings';
import { carriesConsumptionInReceipt, keepsKind, leavesToErp } from './postingRules';
import { type MaterialLine, type PlanningProblem, type ProductionOrderState, materialLineKey, postingRulesOf, timeKey } from './productionOrder';
import { erpEmployeeOf, erpMaterial, erpOrderReference } from './orderActions';
import { type Decimal, add, isZero, multiply, round, ZERO } from './quantity';

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

/** The lines the order's state asks of the ERP, and what keeps others from being planned; a line of a kind the ERP does not keep is a problem. */
export function lineTargets(state: ProductionOrderState): { targets: LineTarget[]; problems: PlanningProblem[] } {
  // States are immutable: one order's task asks this of the same state several times (plan, view, problems).
  let known = targetsOf.get(state);
  if (!known) targetsOf.set(state, (known = computeLineTargets(state)));
  return known;
}

const targetsOf = new WeakMap<ProductionOrderState, { targets: LineTarget[]; problems: PlanningProblem[] }>();

function computeLineTargets(state: ProductionOrderState): { targets: LineTarget[]; problems: PlanningProblem[] } {
  const rules = postingRulesOf(state);
  const all = allLineTargets(state);
  const { targets, problems } = carriesConsumptionInReceipt(rules) ? { ...all, targets: consumptionInReceipt(all.targets) } : all;
  const kept = targets.filter((t) => keepsKind(rules, t.document.kind));
  const refused = targets.filter((t) => !keepsKind(rules, t.document.kind) && !leavesToErp(rules, t.document.kind)).map((t) => ({ lineKey: t.key, message: `the order's ERP connection (${state.erpConnection ?? state.erpSystem}) keeps no ${t.document.kind}: nothing of this line is posted` }));
  return { targets: kept, problems: [...problems, ...refused] };
}

/**
 * For an ERP that books consumption with the output (consumptionInReceipt): the issue lines
 * ride in the receipt line, each component at its own cumulative total (so what a rounding
 * leaves is carried to the next document, as on its own line); before the receipt is due,
 * nothing is issued.
 */
function consumptionInReceipt(targets: readonly LineTarget[]): LineTarget[] {
  const issues = targets.filter((t) => t.document.kind === 'MaterialIssue');
  const rest = targets.filter((t) => t.document.kind !== 'MaterialIssue');
  const receipt = rest.find((t) => t.key === 'receipt');
  if (!receipt || receipt.document.kind !== 'FinishedGoodsReceipt' || issues.length === 0) return rest;
  const components = issues.map((t): ConsumedComponent => {
    const { kind: _kind, plant: _plant, productionOrder: _order, erpOrderReference: _reference, transactionDate: _date, ...component } = t.document as MaterialIssue;
    return { ...component, line: t.key };
  });
  const folded: LineTarget = {
    ...receipt,
    sources: [...(receipt.sources ?? [receipt.source]), ...issues.flatMap((t) => t.sources ?? [t.source])],
    amounts: { ...receipt.amounts, ...Object.fromEntries(issues.map((t) => [`component|${t.key}`, t.amounts.quantity!])) },
    derivation: `${receipt.derivation}; consuming ${issues.map((t) => t.derivation).join('; ')}`,
    document: { ...receipt.document, components },
  };
  return rest.map((t) => (t === receipt ? folded : t));
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

  const results = inspectionResults(state, base);
  targets.push(...results);
  // The hold goes after the results it may rest on: an ERP takes no results once a lot's decision is made.
  if (!state.postings.some((p) => p.content.kind === 'InspectionResult' && p.status === 'Pending') && results.every((r) => !r.dueWithoutAmounts?.(state.postings.filter((p) => p.lineKey === r.key)))) {
    targets.push(...qualityHold(state, base, inBaseUnit, toBase.unit));
  }

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


export function latestDocument<K extends DocumentPosting['kind']>(line: readonly Posting[], kind: K): Extract<DocumentPosting, { kind: K }> | undefined {
  const reversed = new Set(line.flatMap((p) => (p.reverses !== undefined ? [p.reverses] : [])));
  const latest = line.filter((p) => p.content.kind === kind && !reversed.has(p.sequence)).at(-1);
  return latest?.content as Extract<DocumentPosting, { kind: K }> | undefined;
}

/**
 * The latest result of each inspected characteristic, for a connection that records them,
 * once the receipt has put the output in stock (the ERP's inspection lot comes with it): a
 * result is posted once, and again when a correction changes it.
 */
function inspectionResults(state: ProductionOrderState, base: Pick<DocumentPosting, 'plant' | 'productionOrder' | 'erpOrderReference'>): LineTarget[] {
  const recorded = Object.entries(state.inspectionResults ?? {});
  if (recorded.length === 0) return [];
  const receipt = state.postings.filter((p) => p.lineKey === 'receipt');
  if (receipt.length === 0 || receipt.some((p) => p.status !== 'Posted' && p.status !== 'Skipped')) return [];
  return recorded.map(([key, r]) => {
    const document: DocumentPosting = {
      kind: 'InspectionResult',
      ...base,
      inspection: r.inspection,
      characteristic: r.characteristic,
      result: r.result,
      ...(r.measuredValue !== undefined ? { measuredValue: r.measuredValue } : {}),
      ...(r.operation ? { operation: r.operation } : {}),
      transactionDate: r.date,
    };
    const same = (p: Posting) => p.content.kind === 'InspectionResult' && p.content.result === r.result && p.content.measuredValue === r.measuredValue;
    return {
      key: `result|${key}`,
      source: `result|${key}`,
      amounts: {},
      derivation: `inspection ${r.inspection}, ${r.characteristic}: ${r.measuredValue ?? 'no value'}, ${r.result}`,
      document,
      // Posted once; again when a correction changed the value or the judgement.
      dueWithoutAmounts: (line) => !line.some((p) => same(p) && p.status !== 'Skipped') && !line.some((p) => p.status === 'Pending' || p.status === 'NeedsAttention'),
    };
  });
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
