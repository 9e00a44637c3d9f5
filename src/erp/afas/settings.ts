/** A connection to one AFAS Profit environment: where it is, its token, and how the floor maps onto it. */
import { z } from 'zod';

const Code = (length: number, what: string) => z.string().min(1).max(length, `must be ${what} (at most ${length} characters)`);

const Place = z.strictObject({ warehouse: Code(15, 'an AFAS warehouse'), location: Code(15, 'an AFAS location').default('*****') });

export const AfasPlant = z.strictObject({
  /** The AFAS warehouse (War) the plant's stock is in, and its location (Loc) where AFAS keeps locations. */
  warehouse: Code(15, 'an AFAS warehouse'),
  location: Code(15, 'an AFAS location').default('*****'),
  /** Where stock a quality decision blocks is kept: AFAS has no blocked stock status, so a quarantine warehouse or location. */
  quarantine: Place.optional(),
});
export type AfasPlant = z.infer<typeof AfasPlant>;

export const AfasSettings = z.strictObject({
  /** e.g. https://12345.rest.afas.online/ProfitRestServices; absent: `npm start` runs the simulator. */
  baseUrl: z.url().optional(),
  /** The app connector's token: its 64 hexadecimal data, or the whole <token> XML. */
  token: z.string().regex(/^([0-9A-Fa-f]{64}|<token>.*<\/token>)$/s, 'must be the token AFAS issued: 64 hexadecimal digits, or the whole <token>…</token>'),
  /** The partner's IntegrationId (nnnnn_nnnnnn), sent on every call. */
  integrationId: z.string().regex(/^\d{5}_\d{6}$/, 'must be an AFAS IntegrationId, nnnnn_nnnnnn').optional(),
  /** Per floor plant, its warehouse and location. */
  afasPlants: z.record(z.string(), AfasPlant),
  /** The reason (ReId) stock mutations are booked with. */
  stockMutationReason: Code(12, 'an AFAS reason').default('PROD'),
  /** The work types (Werksoort, an item of type 1) hours are booked on, per activity. */
  workTypes: z.strictObject({ setup: Code(40, 'a work type'), machine: Code(40, 'a work type'), labour: Code(40, 'a work type') }).default({ setup: 'INSTEL', machine: 'MACHINE', labour: 'ARBEID' }),
  /** The employee (EmId) machine and setup hours are booked on; labour names its own. */
  defaultEmployee: Code(15, 'an AFAS employee').optional(),
  /**
   * The GetConnectors the customer publishes for the bridge to find its earlier posts (AFAS
   * has no standard one for these; README: AFAS Profit lists their fields).
   */
  getConnectors: z
    .strictObject({ stockMutations: z.string().min(1), productions: z.string().min(1), realizations: z.string().min(1), warehouseTransfers: z.string().min(1).default('Shopfloor_WarehouseTransfers') })
    .default({ stockMutations: 'Shopfloor_StockMutations', productions: 'Shopfloor_Productions', realizations: 'Shopfloor_Realizations', warehouseTransfers: 'Shopfloor_WarehouseTransfers' }),
  /**
   * The customer's GetConnector of production orders (AFAS has no standard one), and which
   * of its fields hold what the floor needs; `statuses` maps its status values to the
   * bridge's (rows of other values are not read; absent: every row is a released order).
   */
  productionOrders: z
    .strictObject({
      getConnector: z.string().min(1),
      fields: z
        .strictObject({
          id: z.string().min(1).default('Id'),
          order: z.string().min(1).default('OrderNumber'),
          material: z.string().min(1).default('ItemCode'),
          description: z.string().min(1).default('Description'),
          quantity: z.string().min(1).default('Quantity'),
          produced: z.string().min(1).default('QuantityProduced'),
          unit: z.string().min(1).default('Unit'),
          status: z.string().min(1).default('Status'),
          start: z.string().min(1).default('StartDate'),
          finish: z.string().min(1).default('EndDate'),
        })
        .default({ id: 'Id', order: 'OrderNumber', material: 'ItemCode', description: 'Description', quantity: 'Quantity', produced: 'QuantityProduced', unit: 'Unit', status: 'Status', start: 'StartDate', finish: 'EndDate' }),
      statuses: z.record(z.string(), z.enum(['planned', 'released', 'inProcess', 'finished', 'completed'])).optional(),
    })
    .optional(),
  /**
   * How the order's productions name the production order (preparation, SoOr) in AFAS:
   * `link`: the floor's order is AFAS's (read through `productionOrders`), its number is the
   * preparation's; `create`: as link, and an order AFAS does not hold yet is created first
   * (FbAssemblyPrep, numbered with the order's reference). Absent: productions stand alone.
   */
  productionPreparations: z.enum(['link', 'create']).optional(),
  /** The floor plant whose master data (items, compositions) and production orders this environment holds; absent: none is read. */
  planningPlant: z.string().min(1).max(40).optional(),
  /** How often that master data is read again. */
  masterDataReadEveryMs: z.number().int().min(0).default(3_600_000),
  /** AFAS keeps processing after a client gives up (its own limit is 900 s): a post is looked up before it is sent again. Below the posting attempt's own timeout. */
  timeoutMs: z.number().int().positive().default(45_000),
  maxPostingsPerSecond: z.number().positive().max(8).default(2),
  /** The administration (UnId) journal entries are booked in, where the environment holds several. */
  administration: z.number().int().positive().optional(),
  /**
   * The period-end close (README: AFAS Profit, period-end close): the journal its entries
   * go to and the ledger accounts of the roles they book. Absent: AFAS takes no close
   * entries from the bridge.
   */
  periodClose: z
    .strictObject({
      journal: Code(6, 'an AFAS journal'),
      accounts: z.strictObject({
        workInProgress: Code(16, 'an AFAS ledger account'),
        finishedGoods: Code(16, 'an AFAS ledger account'),
        materialVariance: Code(16, 'an AFAS ledger account'),
        conversionVariance: Code(16, 'an AFAS ledger account'),
      }),
    })
    .optional(),
});
export type AfasSettings = z.infer<typeof AfasSettings>;

