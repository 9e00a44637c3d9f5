/**
 * Shop-floor events as the MES sends them: one envelope, a `type` discriminator,
 * versioned. Every field is validated here and nowhere else.
 */
import { z } from 'zod';
import { Decimal, NonNegativeDecimal } from './quantity';

/** Plant and order references become part of workflow ids, so they are kept to safe characters. */
const Reference = z
  .string()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"');

export const UnitOfMeasure = z
  .string()
  .min(1, 'must not be empty')
  .max(10, 'must be at most 10 characters');

const Envelope = z.object({
  version: z.literal('v1').default('v1'),
  eventId: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
  source: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  plant: Reference,
  productionOrder: Reference,
});

export const OrderReleased = Envelope.extend({
  type: z.literal('OrderReleased'),
  material: z.string().min(1, 'must not be empty').max(60, 'must be at most 60 characters'),
  plannedQuantity: NonNegativeDecimal,
  unit: UnitOfMeasure,
});
export type OrderReleased = z.infer<typeof OrderReleased>;

export const QuantityReported = Envelope.extend({
  type: z.literal('QuantityReported'),
  good: NonNegativeDecimal.default('0'),
  scrap: NonNegativeDecimal.default('0'),
  unit: UnitOfMeasure,
  operation: z.string().max(20).optional(),
  workCentre: z.string().max(40).optional(),
});
export type QuantityReported = z.infer<typeof QuantityReported>;

/** Material actually consumed for the order (ISA-95 material consumed actual), not the BOM's theory. */
export const MaterialConsumed = Envelope.extend({
  type: z.literal('MaterialConsumed'),
  material: z.string().min(1, 'must not be empty').max(60, 'must be at most 60 characters'),
  quantity: NonNegativeDecimal,
  unit: UnitOfMeasure,
  batch: z.string().min(1).max(40).optional(),
  storageLocation: z.string().min(1).max(40).optional(),
  operation: z.string().max(20).optional(),
});
export type MaterialConsumed = z.infer<typeof MaterialConsumed>;

export const OrderCompleted = Envelope.extend({
  type: z.literal('OrderCompleted'),
});
export type OrderCompleted = z.infer<typeof OrderCompleted>;

export const FloorEvent = z.discriminatedUnion('type', [OrderReleased, QuantityReported, MaterialConsumed, OrderCompleted]);
export type FloorEvent = z.infer<typeof FloorEvent>;
export type FloorEventType = FloorEvent['type'];

export { Decimal };
