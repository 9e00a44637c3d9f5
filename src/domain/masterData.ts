/**
 * Master data the transformations need: per material, the unit the ERP keeps it in,
 * conversion factors from floor units, the ERP's precision and how its consumption
 * reaches the ERP (backflush mode); per bill-of-materials component, the quantity per
 * unit of the parent with its yield and scrap allowance. Pure functions only.
 */
import { z } from 'zod';
import { entryOf } from './keyed';
import { MaterialCode, Reference, TimeActivity, UnitOfMeasure } from './events';
import { type Decimal, NonNegativeDecimal, PositiveDecimal, add, compare, divide, isPositive, multiply, round, sum } from './quantity';

/**
 * How a material's consumption reaches the ERP, so it is never counted twice:
 * - actual: the bridge issues what the floor reports consumed;
 * - erp: the ERP backflushes it itself when output is booked; the bridge issues nothing;
 * - derived: the bridge issues what the output implies (BOM quantity ÷ yield × (1 + scrap allowance));
 * - none: not tracked in the ERP (free-issue and bulk material).
 */
export const BackflushMode = z.enum(['actual', 'erp', 'derived', 'none']);
export type BackflushMode = z.infer<typeof BackflushMode>;

export const MaterialMaster = z.strictObject({
  plant: Reference,
  material: MaterialCode,
  /** The ERP's item code, where it differs from the floor's material code. */
  erpMaterial: MaterialCode.optional(),
  /** The unit the ERP keeps the material in; every posting is converted to it. */
  baseUnit: UnitOfMeasure,
  /** 1 <floor unit> = factor <baseUnit>, e.g. { "g": "0.001", "t": "1000" } for a base unit of kg. */
  conversions: z.record(UnitOfMeasure, PositiveDecimal).default({}),
  /** Fraction digits the ERP keeps for this material (0 for pieces). Defaults to the ERP's own maximum. */
  decimals: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(6, 'must be at most 6').optional(),
  backflush: BackflushMode.default('actual'),
  /**
   * The ERP manages the material by batch (or serial number). False: it keeps one total of
   * the material, so consumption is planned and rounded once per unit and location, and the
   * floor's batches stay in the audit trail. Unset: not known, planned per batch. Read from
   * the ERP's items where the bridge reads them.
   */
  batchManaged: z.boolean().optional(),
  /**
   * What one base unit costs at standard, in the ERP's currency, and the part of it that is
   * material (the rest is conversion): what the period-end close values output at, and
   * consumption of it, and books the variances against.
   */
  standardCost: NonNegativeDecimal.optional(),
  standardMaterialCost: NonNegativeDecimal.optional(),
});
export type MaterialMaster = z.infer<typeof MaterialMaster>;

/** The fields of a BOM component; BomComponent adds the checks across them. */
export const BomComponentFields = z.strictObject({
    plant: Reference,
    parentMaterial: MaterialCode,
    component: MaterialCode,
    /** Component quantity (in its base unit) per one unit of the parent in the parent's base unit. */
    quantityPer: PositiveDecimal,
    /** Share of the input that ends up in good output: 0.95 means 5 % is lost, so 1/0.95 is consumed. */
    yieldFactor: PositiveDecimal.default('1'),
    /** Planned extra consumption on top: 0.02 adds 2 %. */
    scrapAllowance: NonNegativeDecimal.default('0'),
  });
export const BomComponent = BomComponentFields.refine((c) => compare(c.yieldFactor, '1') <= 0, { path: ['yieldFactor'], message: 'must be at most 1' });
export type BomComponent = z.infer<typeof BomComponent>;

/**
 * What an hour of a work centre costs, for the overhead its hours absorb: booked as a journal
 * entry, debit (work in progress) against credit (overhead absorbed), in the ERP's ledger.
 */
export const WorkCentreCost = z.strictObject({
  plant: Reference,
  workCentre: z.string().min(1).max(40),
  activity: TimeActivity,
  ratePerHour: NonNegativeDecimal,
  /** The ERP's journal (e.g. a memorial journal's code). */
  journal: z.string().trim().min(1).max(20),
  /** The ERP's general ledger accounts, as the ERP names them (e.g. their IDs). */
  debitAccount: z.string().trim().min(1).max(60),
  creditAccount: z.string().trim().min(1).max(60),
  costCentre: z.string().trim().min(1).max(40).optional(),
});
export type WorkCentreCost = z.infer<typeof WorkCentreCost>;

/** What a production order knows of master data: null marks a material looked up and not found. */
export interface OrderMasterData {
  materials: Record<string, MaterialMaster | null>;
  /** The header material's bill of materials. */
  bom: BomComponent[];
  /** The plant's work centre costs, as of the latest lookup (absent in lookups made before costing). */
  costs?: WorkCentreCost[];
}

/** What a master data lookup finds: null for a material the cache does not hold. */
export interface MasterDataLookup {
  materials: Record<string, MaterialMaster | null>;
  /** The bill of materials, when one was asked for (empty when the parent has none). */
  bom?: BomComponent[];
  /** Every work centre cost of the plant (a lookup answers with all of them). */
  costs?: WorkCentreCost[];
}

/** Overhead is booked to the cent; the remainder of a rounding stays in the cumulative total. */
export const AMOUNT_DECIMALS = 2;

export type Conversion = { quantity: Decimal; unit: string } | { problem: string };

/** A floor quantity in the ERP's unit for the material; unchanged where no master data is known. */
export function toErpUnit(quantity: Decimal, unit: string, master: MaterialMaster | null | undefined): Conversion {
  if (!master || unit === master.baseUnit) return { quantity, unit: master?.baseUnit ?? unit };
  const factor = entryOf(master.conversions, unit);
  if (!factor) {
    return { problem: `master data of ${master.material} has no conversion from "${unit}" to its base unit "${master.baseUnit}"` };
  }
  return { quantity: multiply(quantity, factor), unit: master.baseUnit };
}

/** The precision the ERP keeps a material's quantities in. */
export function erpDecimals(master: MaterialMaster | null | undefined, erpMaximum: number): number {
  return master?.decimals === undefined ? erpMaximum : Math.min(master.decimals, erpMaximum);
}

/**
 * Rounds a cumulative total to the ERP's precision. Postings carry the difference between
 * the rounded total and what is already posted, so a remainder too small to post now is
 * carried into the next posting, never lost.
 */
export function toErpPrecision(total: Decimal, master: MaterialMaster | null | undefined, erpMaximum: number): Decimal {
  return round(total, erpDecimals(master, erpMaximum));
}

/**
 * A cumulative floor total as the ERP gets it: converted to the base unit and rounded to
 * the ERP's precision, with the derivation in words for the audit trail.
 */
export function erpQuantity(total: Decimal, unit: string, master: MaterialMaster | null | undefined, erpMaximum: number): { quantity: Decimal; unit: string; derivation: string } | { problem: string } {
  const converted = toErpUnit(total, unit, master);
  if ('problem' in converted) return converted;
  const decimals = erpDecimals(master, erpMaximum);
  const quantity = round(converted.quantity, decimals);
  const conversion = converted.unit === unit ? `${total} ${unit}` : `${total} ${unit} × ${entryOf(master!.conversions, unit)} = ${converted.quantity} ${converted.unit}`;
  const rounding = quantity === converted.quantity ? '' : `, rounded to ${decimals} decimals: ${quantity} ${converted.unit}`;
  return { quantity, unit: converted.unit, derivation: `${conversion}${rounding}` };
}

/** Component consumption implied by output: produced × quantity per ÷ yield × (1 + scrap allowance). */
export function derivedConsumption(producedInParentBaseUnit: Decimal, component: BomComponent): Decimal {
  const gross = multiply(producedInParentBaseUnit, multiply(component.quantityPer, add('1', component.scrapAllowance)));
  return divide(gross, component.yieldFactor);
}

export function backflushModeOf(master: MaterialMaster | null | undefined): BackflushMode {
  return master?.backflush ?? 'actual';
}

/**
 * The BOM of a parent from the lines of the ERP's default version (by-products left out,
 * part codes already mapped to floor materials). A part on several lines becomes one
 * component: the quantities add up, and where their waste differs it is folded into the
 * quantity. Lines without a quantity (text and phantom lines) carry nothing to consume.
 */
export function bomFromErpLines(plant: string, parentMaterial: string, lines: readonly { material: string; quantityPer: Decimal; scrapAllowance: Decimal }[]): BomComponent[] {
  const byMaterial = new Map<string, { quantityPer: Decimal; scrapAllowance: Decimal }[]>();
  for (const line of lines.filter((l) => isPositive(l.quantityPer))) byMaterial.set(line.material, [...(byMaterial.get(line.material) ?? []), line]);
  return [...byMaterial].map(([component, parts]) => {
    const sameWaste = parts.every((p) => compare(p.scrapAllowance, parts[0]!.scrapAllowance) === 0);
    const { quantityPer, scrapAllowance } = sameWaste
      ? { quantityPer: sum(parts.map((p) => p.quantityPer)), scrapAllowance: parts[0]!.scrapAllowance }
      : { quantityPer: sum(parts.map((p) => multiply(p.quantityPer, add('1', p.scrapAllowance)))), scrapAllowance: '0' };
    return BomComponent.parse({ plant, parentMaterial, component, quantityPer, scrapAllowance });
  });
}
