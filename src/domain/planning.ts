/**
 * Planning as the ERP holds it, for the floor: production orders with their bill of
 * materials and routing as planned for that order. Read from the ERP's change feeds
 * (its sync endpoints), kept in PostgreSQL, served to the MES by the starter API.
 */
import type { Decimal } from './quantity';

/** Where an order stands in the ERP's planning. */
export type PlannedOrderStatus = 'planned' | 'released' | 'inProcess' | 'finished' | 'completed';

export interface PlannedOrder {
  /** The ERP's own id of the order (e.g. a GUID). */
  erpId: string;
  /** The order number people and the MES use. */
  erpOrder: string;
  material: string;
  description?: string;
  plannedQuantity: Decimal;
  producedQuantity: Decimal;
  unit: string;
  status: PlannedOrderStatus;
  /** YYYY-MM-DD */
  plannedStart?: string;
  plannedFinish?: string;
}

/** A material the order consumes, or yields as a by-product. */
export interface PlannedComponent {
  erpId: string;
  erpOrderId: string;
  line?: number;
  material: string;
  plannedQuantity: Decimal;
  unit: string;
  /** The ERP issues it itself (backflush): the floor need not report it. */
  backflush: boolean;
  byProduct: boolean;
}

/** A step of the order's routing. */
export interface PlannedOperation {
  erpId: string;
  erpOrderId: string;
  sequence: number;
  operation: string;
  description?: string;
  workCentre?: string;
  plannedSetupHours?: Decimal;
  plannedRunHours?: Decimal;
  /** The ERP books this step's time itself. */
  backflush: boolean;
}

/** An item as the ERP keeps it: the unit and precision every posting of it must be in. */
export interface ErpItem {
  erpId: string;
  /** The ERP's item code (the floor's material code unless mapped). */
  code: string;
  description?: string;
  unit: string;
  /** The ERP takes fractions of it (otherwise whole units only). */
  fractionAllowed: boolean;
  batch: boolean;
  serial: boolean;
  stock: boolean;
}

/** A work centre as the ERP keeps it, with its cost rates per hour. */
export interface ErpWorkCentre {
  erpId: string;
  code: string;
  description?: string;
  costCentre?: string;
  setupLabourRate?: Decimal;
  runLabourRate?: Decimal;
  machineBurdenRate?: Decimal;
  generalBurdenRate?: Decimal;
}

/** A version of a make item's bill of materials; the default one is what new orders take. */
export interface ErpBomVersion {
  erpId: string;
  /** The ERP's id of the item it makes. */
  itemErpId: string;
  isDefault: boolean;
}

/** A line of a bill of materials version: the part's quantity per one unit of the parent, in the part's unit. */
export interface ErpBomLine {
  erpId: string;
  versionErpId: string;
  /** The ERP's item code of the part. */
  partCode: string;
  quantityPer: Decimal;
  /** Waste on top of the quantity: 0.05 for 5 %. */
  scrapAllowance: Decimal;
  byProduct: boolean;
}

/** The sets a planning read keeps, each read on from its own place in the ERP's change feed. */
export type PlanningSet = 'orders' | 'components' | 'operations' | 'workCentres' | 'bomLines';

/**
 * A full read: the ERP's change feeds tell no deletions, so now and then every set is read
 * again from its beginning. Rows read while it runs are marked with its id; a set it has
 * read to the end (`complete`) loses the rows it did not read: the ERP no longer holds them.
 */
export interface FullRead {
  id: string;
  complete: PlanningSet[];
  /** Every set is read to the end: the full read is over. */
  ended: boolean;
}

/** What changed in the ERP's planning (and the master data it rests on) since a cursor, and the cursor to read on from. */
export interface PlanningChanges {
  orders: PlannedOrder[];
  components: PlannedComponent[];
  operations: PlannedOperation[];
  /** Items and work centres changed, where the ERP's reader reads master data. */
  items?: ErpItem[];
  workCentres?: ErpWorkCentre[];
  /** Bill of materials versions and lines changed. */
  bomVersions?: ErpBomVersion[];
  bomLines?: ErpBomLine[];
  /** Present while a full read runs. */
  fullRead?: FullRead;
  /** Opaque to everyone but the adapter that made it. */
  cursor: string;
}

/** Rows a full read found gone from the ERP, per set. */
export type PlanningRemovals = Record<PlanningSet, number>;

/** An order with its components and routing, as the MES reads it. */
export interface PlannedOrderDetail extends PlannedOrder {
  plant: string;
  components: Omit<PlannedComponent, 'erpOrderId'>[];
  operations: Omit<PlannedOperation, 'erpOrderId'>[];
  /** When the bridge last read a change of it. */
  syncedAt: string;
}
