/**
 * Shop-floor events as the MES, QMS and machines send them: one envelope, a `type`
 * discriminator, versioned. Every field is validated here and nowhere else. Names
 * follow ISA-95 where it has one (material consumed actual, production performance).
 */
import { z } from 'zod';
import { DECIMAL_PATTERN, Decimal, NonNegativeDecimal, equals } from './quantity';

/** Plant and order references become part of workflow ids, so they are kept to safe characters. */
export const Reference = z
  .string()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"');

/**
 * Text from the floor: ids, codes, names and reasons. Control characters (NUL included) are
 * refused, naming the character: they cannot be stored, shown or sent to an ERP as they are.
 */
export const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const found = /\p{Cc}/u.exec(value);
      if (found) {
        const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        ctx.addIssue({ code: 'custom', message: `must not contain control characters (U+${code} at position ${found.index + 1})` });
      }
    });

export const UnitOfMeasure = text(10);
export const MaterialCode = text(60);
const Operation = text(20);
const WorkCentre = text(40);
const Employee = text(40);
const ReasonCode = text(20);

const Envelope = z.object({
  version: z.literal('v1').default('v1'),
  eventId: text(200),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
  source: text(100),
  plant: Reference,
  productionOrder: Reference,
});

export const RoutingStep = z.object({ operation: Operation, workCentre: WorkCentre.optional() });
export type RoutingStep = z.infer<typeof RoutingStep>;

export const OrderReleased = Envelope.extend({
  type: z.literal('OrderReleased'),
  material: MaterialCode,
  plannedQuantity: NonNegativeDecimal,
  unit: UnitOfMeasure,
  /** The order's number in the ERP, where the MES numbers its work orders differently. */
  erpOrder: text(40).optional(),
  /** The batch (lot) the order's output is received into, where the ERP manages the product by batch. */
  outputBatch: text(40).optional(),
  /** Where the output is put away. */
  outputStorageLocation: text(40).optional(),
  /** The routing in sequence. When given, the last operation's good quantity is the order's output. */
  operations: z
    .array(RoutingStep)
    .min(1, 'must list at least one operation, or be left out')
    .max(100, 'must list at most 100 operations')
    .refine((steps) => new Set(steps.map((s) => s.operation)).size === steps.length, 'must not list an operation twice')
    .optional(),
});
export type OrderReleased = z.infer<typeof OrderReleased>;

/**
 * The order is cancelled (in the ERP's planning, or by the MES): from now on the order
 * refuses what would post to it, recorded as rejected events; a later release lifts it.
 */
export const OrderCancelled = Envelope.extend({
  type: z.literal('OrderCancelled'),
  reason: text(200).optional(),
});
export type OrderCancelled = z.infer<typeof OrderCancelled>;

export const OperationStarted = Envelope.extend({
  type: z.literal('OperationStarted'),
  operation: Operation,
  workCentre: WorkCentre.optional(),
  /** The machine the operation runs on; machine readings go to the order running there. */
  machine: text(40).optional(),
  employee: Employee.optional(),
});
export type OperationStarted = z.infer<typeof OperationStarted>;

export const OperationCompleted = Envelope.extend({
  type: z.literal('OperationCompleted'),
  operation: Operation,
  workCentre: WorkCentre.optional(),
  /** The machine it ran on: its counts stop going to this order. */
  machine: text(40).optional(),
});
export type OperationCompleted = z.infer<typeof OperationCompleted>;

/** The serial numbers of serialized units: one per unit, none twice. */
const SerialNumbers = z
  .array(text(40))
  .min(1, 'must name at least one serial number, or be left out')
  .max(1000, 'must name at most 1000 serial numbers')
  .refine((serials) => new Set(serials).size === serials.length, 'must not name a serial number twice');

/** Serial numbers, where given, name every unit of `units`. */
function oneSerialPerUnit(units: 'quantity' | 'good') {
  return (event: { serialNumbers?: string[] | undefined; quantity?: string; good?: string }, ctx: z.RefinementCtx) => {
    const count = event[units];
    if (!event.serialNumbers || count === undefined || !DECIMAL_PATTERN.test(count)) return;
    if (!equals(count, String(event.serialNumbers.length))) {
      ctx.addIssue({ code: 'custom', path: ['serialNumbers'], message: `names ${event.serialNumbers.length} serial numbers for a ${units === 'good' ? 'good quantity' : 'quantity'} of ${count}: one per unit` });
    }
  };
}

/** Production performance: conforming (good), non-conforming (scrap) and rework quantities. */
export const QuantityReported = Envelope.extend({
  type: z.literal('QuantityReported'),
  good: NonNegativeDecimal.default('0'),
  scrap: NonNegativeDecimal.default('0'),
  rework: NonNegativeDecimal.default('0'),
  unit: UnitOfMeasure,
  operation: Operation.optional(),
  workCentre: WorkCentre.optional(),
  /** Why units were scrapped or sent to rework. */
  reasonCode: ReasonCode.optional(),
  /** Serialized products: the serial number of each good unit (good = their number); they go into stock with the order's output. */
  serialNumbers: SerialNumbers.optional(),
}).superRefine(oneSerialPerUnit('good'));
export type QuantityReported = z.infer<typeof QuantityReported>;

/** A quantity of a material, from or into a batch and storage location. */
const MaterialQuantity = {
  material: MaterialCode,
  quantity: NonNegativeDecimal,
  unit: UnitOfMeasure,
  batch: text(40).optional(),
  storageLocation: text(40).optional(),
  operation: Operation.optional(),
};

/** Material actually consumed for the order (ISA-95 material consumed actual), not the BOM's theory. */
export const MaterialConsumed = Envelope.extend({
  type: z.literal('MaterialConsumed'),
  ...MaterialQuantity,
  /** Serialized components: the serial number of each unit consumed (quantity = their number). */
  serialNumbers: SerialNumbers.optional(),
}).superRefine(oneSerialPerUnit('quantity'));
export type MaterialConsumed = z.infer<typeof MaterialConsumed>;

/**
 * A by-product (or co-product) the order yielded besides its own material, e.g. offcuts or
 * regrind taken back into stock (ISA-95 material produced actual of another material).
 */
export const ByProductReported = Envelope.extend({
  type: z.literal('ByProductReported'),
  ...MaterialQuantity,
  /** Serialized by-products: the serial number of each unit (quantity = their number). */
  serialNumbers: SerialNumbers.optional(),
}).superRefine(oneSerialPerUnit('quantity'));
export type ByProductReported = z.infer<typeof ByProductReported>;

/**
 * Stock moved for the order between warehouses or storage locations: material staged to
 * the line, or what was left returned to stock (ISA-95 material transfer). A warehouse left
 * out is the order's own.
 */
export const StockTransferred = Envelope.extend({
  type: z.literal('StockTransferred'),
  material: MaterialQuantity.material,
  quantity: MaterialQuantity.quantity,
  unit: MaterialQuantity.unit,
  batch: MaterialQuantity.batch,
  fromWarehouse: text(40).optional(),
  fromStorageLocation: text(40).optional(),
  toWarehouse: text(40).optional(),
  toStorageLocation: text(40).optional(),
}).superRefine((event, ctx) => {
  if ((event.fromWarehouse ?? '') === (event.toWarehouse ?? '') && (event.fromStorageLocation ?? '') === (event.toStorageLocation ?? '')) {
    ctx.addIssue({ code: 'custom', path: ['toStorageLocation'], message: 'must differ from where the stock came from (a warehouse or a storage location)' });
  }
});
export type StockTransferred = z.infer<typeof StockTransferred>;

export const TimeActivity = z.enum(['setup', 'labour', 'machine']);
export type TimeActivity = z.infer<typeof TimeActivity>;

/** Hours worked on the order: a person's labour, a machine's run time, or setup. */
export const TimeBooked = Envelope.extend({
  type: z.literal('TimeBooked'),
  activity: TimeActivity,
  hours: NonNegativeDecimal,
  operation: Operation.optional(),
  employee: Employee.optional(),
  workCentre: WorkCentre.optional(),
}).superRefine((event, ctx) => {
  if (event.activity === 'labour' && !event.employee) {
    ctx.addIssue({ code: 'custom', path: ['employee'], message: 'is required for labour time: whose hours are these?' });
  }
  if (event.activity !== 'labour' && !event.workCentre) {
    ctx.addIssue({ code: 'custom', path: ['workCentre'], message: `is required for ${event.activity} time: which work centre ran?` });
  }
});
export type TimeBooked = z.infer<typeof TimeBooked>;

/**
 * An inspection's result. A rejection with a quantity moves that many good units to
 * scrap (or rework), so the conforming / non-conforming split follows the inspection.
 */
export const QualityResult = Envelope.extend({
  type: z.literal('QualityResult'),
  inspection: text(40),
  result: z.enum(['accepted', 'rejected']),
  quantity: NonNegativeDecimal.optional(),
  unit: UnitOfMeasure.optional(),
  /**
   * What becomes of the inspected units. scrap, rework: rejected units leave the good output.
   * block: the units stay good output but go on hold (the ERP keeps them blocked, e.g. in a
   * quarantine location); release: units on hold are accepted and taken off hold.
   */
  disposition: z.enum(['scrap', 'rework', 'block', 'release']).optional(),
  operation: Operation.optional(),
  characteristic: text(40).optional(),
  measuredValue: Decimal.optional(),
  reasonCode: ReasonCode.optional(),
  /** Serialized products: the serial numbers of the rejected units (quantity = their number); they leave the good output. */
  serialNumbers: SerialNumbers.optional(),
}).superRefine((event, ctx) => {
  if (event.quantity !== undefined && !event.unit) ctx.addIssue({ code: 'custom', path: ['unit'], message: 'is required with a quantity' });
  if (event.result === 'accepted' && event.disposition && event.disposition !== 'release') {
    ctx.addIssue({ code: 'custom', path: ['disposition'], message: `${event.disposition} applies to rejected units only` });
  }
  if (event.result === 'rejected' && event.disposition === 'release') ctx.addIssue({ code: 'custom', path: ['disposition'], message: 'release applies to accepted units only' });
  if ((event.disposition === 'block' || event.disposition === 'release') && event.quantity === undefined) {
    ctx.addIssue({ code: 'custom', path: ['quantity'], message: `is required with disposition ${event.disposition}` });
  }
  if ((event.disposition === 'block' || event.disposition === 'release') && event.serialNumbers) {
    ctx.addIssue({ code: 'custom', path: ['serialNumbers'], message: `a ${event.disposition} holds units by quantity; serialized units are not held by serial number yet` });
  }
  if (event.result === 'accepted' && event.serialNumbers) {
    ctx.addIssue({ code: 'custom', path: ['serialNumbers'], message: 'names rejected units only' });
  }
  if (event.serialNumbers && event.quantity === undefined) ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'is required with serialNumbers' });
  oneSerialPerUnit('quantity')(event, ctx);
});
export type QualityResult = z.infer<typeof QualityResult>;

export const OrderCompleted = Envelope.extend({
  type: z.literal('OrderCompleted'),
});
export type OrderCompleted = z.infer<typeof OrderCompleted>;

/** The fields a correction may replace; the corrected event must still be valid for its type. */
export const CorrectionReplacement = z
  .strictObject({
    good: NonNegativeDecimal.optional(),
    scrap: NonNegativeDecimal.optional(),
    rework: NonNegativeDecimal.optional(),
    quantity: NonNegativeDecimal.optional(),
    hours: NonNegativeDecimal.optional(),
    unit: UnitOfMeasure.optional(),
    material: MaterialCode.optional(),
    batch: text(40).optional(),
    storageLocation: text(40).optional(),
    serialNumbers: SerialNumbers.optional(),
    fromWarehouse: text(40).optional(),
    fromStorageLocation: text(40).optional(),
    toWarehouse: text(40).optional(),
    toStorageLocation: text(40).optional(),
    operation: Operation.optional(),
    workCentre: WorkCentre.optional(),
    employee: Employee.optional(),
    reasonCode: ReasonCode.optional(),
    disposition: z.enum(['scrap', 'rework', 'block', 'release']).optional(),
  })
  .refine((r) => Object.keys(r).length > 0, 'must replace at least one field; leave replacement out to cancel the event');
export type CorrectionReplacement = z.infer<typeof CorrectionReplacement>;

/**
 * Corrects an earlier QuantityReported, MaterialConsumed, ByProductReported, StockTransferred, TimeBooked or QualityResult by
 * its eventId: with a replacement, the original counts as if it had carried those fields;
 * without one, it is cancelled. Whatever the ERP already holds of it is reversed.
 */
export const EventCorrected = Envelope.extend({
  type: z.literal('EventCorrected'),
  correctsEventId: text(200),
  reason: text(200),
  replacement: CorrectionReplacement.optional(),
});
export type EventCorrected = z.infer<typeof EventCorrected>;

export const FloorEvent = z.discriminatedUnion('type', [
  OrderReleased,
  OrderCancelled,
  OperationStarted,
  OperationCompleted,
  QuantityReported,
  MaterialConsumed,
  ByProductReported,
  StockTransferred,
  TimeBooked,
  QualityResult,
  OrderCompleted,
  EventCorrected,
]);
export type FloorEvent = z.infer<typeof FloorEvent>;
export type FloorEventType = FloorEvent['type'];

/** Events whose quantities a later EventCorrected may change. */
export type CorrectableEvent = QuantityReported | MaterialConsumed | ByProductReported | StockTransferred | TimeBooked | QualityResult;
export const correctableEventTypes: readonly FloorEventType[] = ['QuantityReported', 'MaterialConsumed', 'ByProductReported', 'StockTransferred', 'TimeBooked', 'QualityResult'];

export { Decimal };

/** How far from the bridge's clock a floor time may lie: events and readings outside are refused. */
export interface TimeWindow {
  pastMs: number;
  aheadMs: number;
}

export const DEFAULT_TIME_WINDOW: TimeWindow = { pastMs: 400 * 86_400_000, aheadMs: 10 * 60_000 };

/**
 * Why a floor time (occurredAt, a reading's time) is not plausible at `now`, or undefined.
 * A date in year 9999 would date later receipts and reversals and give a machine millions
 * of hours; one years back is a wrong clock, not a late report.
 */
export function implausibleTime(at: string, now: number, window: TimeWindow = DEFAULT_TIME_WINDOW): string | undefined {
  const time = Date.parse(at);
  const [from, to] = [new Date(now - window.pastMs), new Date(now + window.aheadMs)];
  if (time >= from.getTime() && time <= to.getTime()) return undefined;
  const span = `${Math.round(window.pastMs / 86_400_000)} days back to ${Math.round(window.aheadMs / 60_000)} minutes ahead of the bridge's clock`;
  return `must lie between ${from.toISOString()} and ${to.toISOString()} (${span}); check the sender's clock`;
}
