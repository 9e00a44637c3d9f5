/**
 * The period-end close of an ERP connection: for every order completed in the month, its
 * work in progress at actual cost (the components its postings consumed, at their standard
 * cost, and the overhead its hours absorbed) moves to finished goods at standard cost (its
 * good output received × the standard cost of its material), and what is left, the
 * variance, goes to cost of sales, material and conversion apart. Pure: the orders come as
 * the state they closed with; what the ERP holds is what their postings carry (documents
 * less reversals, and the totals of postings compacted away).
 */
import { z } from 'zod';
import { entryOf } from './keyed';
import { AMOUNT_DECIMALS, type MaterialMaster } from './masterData';
import { erpMaterial, erpOrderReference } from './orderActions';
import type { DocumentPosting, PeriodCloseEntry, Posting } from './postings';
import type { ProductionOrderState } from './productionOrder';
import { type Decimal, ZERO, add, compare, isNegative, isPositive, isZero, multiply, negate, round, subtract, sum } from './quantity';

export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');
export type Period = z.infer<typeof Period>;

/** The first and last day of the month, YYYY-MM-DD. */
export function periodDays(period: Period): { from: string; to: string } {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { from: `${period}-01`, to: `${period}-${String(last).padStart(2, '0')}` };
}

/** The month before the one a moment falls in (a close on the 1st closes the month that ended). */
export function previousPeriod(at: Date): Period {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** One order's close entry has this key, whichever run of the close posts it: an order's share of a period is booked once. */
export function periodCloseKey(connection: string, period: Period, orderWorkflowId: string): string {
  return `period-close/${connection}/${period}#${orderWorkflowId}`;
}

/** What the ERP holds of each component the order consumed, in its base unit: issues (or a production's parts) less their reversals. */
function consumedByMaterial(state: ProductionOrderState): Map<string, Decimal> {
  const consumed = new Map<string, Decimal>();
  const count = (material: string, quantity: Decimal) => consumed.set(material, add(consumed.get(material) ?? ZERO, quantity));
  const carried = (content: DocumentPosting, sign: 1 | -1) => {
    const signed = (q: Decimal) => (sign === 1 ? q : negate(q));
    if (content.kind === 'MaterialIssue') count(content.material, signed(content.quantity));
    if (content.kind === 'FinishedGoodsReceipt') for (const c of content.components ?? []) count(c.material, signed(c.quantity));
  };
  for (const p of held(state.postings)) {
    if (p.content.kind === 'Reversal') carried(p.content.of, -1);
    else carried(p.content, 1);
  }
  // Postings compacted away left their line's totals; an issue line's key names its material.
  for (const [line, amounts] of Object.entries(state.archivedLines)) {
    for (const [name, quantity] of Object.entries(amounts)) {
      const issueLine = name === 'quantity' ? line : name.startsWith('component|') ? name.slice('component|'.length) : undefined;
      const material = issueLine?.startsWith('issue|') ? materialOfIssueLine(issueLine) : undefined;
      if (material && quantity) count(material, quantity);
    }
  }
  return consumed;
}

function materialOfIssueLine(line: string): string {
  const [, first, second] = line.split('|');
  return first === 'derived' ? second! : first!;
}

/** Postings the ERP holds: posted ones (a skipped posting never reached it through the bridge). */
function held(postings: readonly Posting[]): Posting[] {
  return postings.filter((p) => p.status === 'Posted');
}

function netOf(state: ProductionOrderState, lineKey: (key: string) => boolean, amount: 'quantity' | 'amount'): Decimal {
  const fromPostings = held(state.postings)
    .filter((p) => lineKey(p.lineKey))
    .map((p) => {
      const content = p.content.kind === 'Reversal' ? p.content.of : p.content;
      const value = (content as unknown as Record<string, Decimal | undefined>)[amount] ?? ZERO;
      return p.content.kind === 'Reversal' ? negate(value) : value;
    });
  const archived = Object.entries(state.archivedLines)
    .filter(([key]) => lineKey(key))
    .map(([, amounts]) => amounts[amount] ?? ZERO);
  return sum([...fromPostings, ...archived]);
}

const costed = (quantity: Decimal, master: MaterialMaster | null | undefined) => (master?.standardCost === undefined ? undefined : multiply(quantity, master.standardCost));

/**
 * The order's close entry for the period, or why it cannot be made: the order must have
 * completed in the period and received output, and the standard costs it is valued at must
 * be known (of its material, split into material and conversion, and of every component).
 */
export function periodCloseEntry(state: ProductionOrderState, period: Period): { entry: PeriodCloseEntry } | { problem: string } {
  const released = state.released;
  const { from, to } = periodDays(period);
  if (!released || !state.completedOn || state.completedOn < from || state.completedOn > to) return { problem: `not completed in ${period}` };
  const received = netOf(state, (k) => k === 'receipt', 'quantity');
  if (!isPositive(received)) return { problem: 'received no good output in the ERP' };
  const materials = state.masterData?.materials ?? {};
  const header = entryOf(materials, released.material);
  if (header?.standardCost === undefined || header.standardMaterialCost === undefined) {
    return { problem: `${released.material} has no standard cost, or no material part of it (master data: standardCost, standardMaterialCost)` };
  }
  const standardConversionPerUnit = subtract(header.standardCost, header.standardMaterialCost);
  if (isNegative(standardConversionPerUnit)) return { problem: `${released.material}'s standard material cost ${header.standardMaterialCost} is above its standard cost ${header.standardCost}` };
  const materialCosts: Decimal[] = [];
  for (const [material, quantity] of consumedByMaterial(state)) {
    const cost = costed(quantity, entryOf(materials, material));
    if (cost === undefined) return { problem: `component ${material} has no standard cost (master data: standardCost)` };
    materialCosts.push(cost);
  }
  const money = (a: Decimal) => round(a, AMOUNT_DECIMALS);
  return {
    entry: {
      kind: 'PeriodCloseEntry',
      plant: state.plant,
      productionOrder: state.productionOrder,
      erpOrderReference: erpOrderReference(state),
      transactionDate: to,
      period,
      material: released.material,
      erpMaterial: erpMaterial(state, released.material),
      quantity: received,
      unit: header.baseUnit,
      standardMaterial: money(multiply(received, header.standardMaterialCost)),
      standardConversion: money(multiply(received, standardConversionPerUnit)),
      actualMaterial: money(sum(materialCosts)),
      actualConversion: money(netOf(state, (k) => k.startsWith('overhead|'), 'amount')),
    },
  };
}

/** The accounts a close entry books, by their role; an adapter names the ERP's own. */
export type CloseAccount = 'workInProgress' | 'finishedGoods' | 'materialVariance' | 'conversionVariance';

export interface CloseBooking {
  account: CloseAccount;
  debit: Decimal;
  credit: Decimal;
  description: string;
}

/**
 * The balanced bookings of a close entry: finished goods debited at standard, work in
 * progress credited at actual, each variance (actual − standard) debited to cost of sales
 * where actual cost was higher, credited where lower. A zero variance books nothing.
 */
export function closeBookings(entry: PeriodCloseEntry): CloseBooking[] {
  const order = `order ${entry.erpOrderReference}`;
  const standard = add(entry.standardMaterial, entry.standardConversion);
  const actual = add(entry.actualMaterial, entry.actualConversion);
  const side = (amount: Decimal) => (isNegative(amount) ? { debit: ZERO, credit: negate(amount) } : { debit: amount, credit: ZERO });
  const bookings: CloseBooking[] = [
    { account: 'finishedGoods', ...side(standard), description: `${order}: ${entry.quantity} ${entry.unit} ${entry.erpMaterial} at standard` },
    { account: 'workInProgress', ...side(negate(actual)), description: `${order}: work in progress at actual cost` },
  ];
  const variances: [CloseAccount, Decimal, string][] = [
    ['materialVariance', subtract(entry.actualMaterial, entry.standardMaterial), 'material variance'],
    ['conversionVariance', subtract(entry.actualConversion, entry.standardConversion), 'conversion variance'],
  ];
  for (const [account, variance, what] of variances) {
    if (!isZero(variance)) bookings.push({ account, ...side(variance), description: `${order}: ${what}` });
  }
  return bookings.filter((b) => compare(b.debit, ZERO) !== 0 || compare(b.credit, ZERO) !== 0);
}
