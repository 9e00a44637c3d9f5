/** A connection to one SAP S/4HANA client: where it is, who the bridge signs in as, and how the floor maps onto it. */
import { z } from 'zod';

const ActivityIndex = z.number().int().min(1).max(6);
/** Which of a confirmation's six activities (OpConfirmedWorkQuantity1..6) holds which hours: the work centre's standard value key decides. */
export const ActivityIndexes = z.strictObject({ setup: ActivityIndex, machine: ActivityIndex, labour: ActivityIndex });
export type ActivityIndexes = z.infer<typeof ActivityIndexes>;

const SapCode = (length: number, what: string) => z.string().min(1).max(length, `must be ${what} (at most ${length} characters)`);

export const SapPlant = z.strictObject({
  /** The SAP plant (Plant, four characters). */
  plant: SapCode(4, 'an SAP plant'),
  /** Where finished goods are received when the release names no storage location. */
  receiptStorageLocation: SapCode(4, 'an SAP storage location').optional(),
  /** Goods receipts of this plant land in quality inspection stock with an inspection lot (QM active, inspection type 04). */
  qualityManagement: z.boolean().default(false),
});
export type SapPlant = z.infer<typeof SapPlant>;

export const SapSettings = z.strictObject({
  /** The system's address, e.g. https://my-s4.example.com (services under /sap/opu/odata/sap/); absent: `npm start` runs the simulator. */
  baseUrl: z.url().optional(),
  /** The SAP client (sap-client), three digits. */
  client: z.string().regex(/^\d{3}$/, 'must be the SAP client, three digits (e.g. "100")'),
  /** The communication user of the communication arrangement, and its password. */
  user: z.string().min(1),
  password: z.string().min(1),
  /** Per floor plant, its SAP plant. */
  sapPlants: z.record(z.string(), SapPlant),
  /**
   * Which standard value parameters (the work centre's WorkCenterFormulaParam1..6, from its
   * standard value key) hold setup, machine and labour time: the activity of a confirmation
   * that takes those hours is the parameter's position. SAP's own: SAP_01, SAP_02, SAP_03.
   */
  activityParameters: z.strictObject({ setup: z.array(z.string().max(6)).min(1), machine: z.array(z.string().max(6)).min(1), labour: z.array(z.string().max(6)).min(1) }).default({ setup: ['SAP_01'], machine: ['SAP_02'], labour: ['SAP_03'] }),
  /** The activities where SAP's work centre does not tell (standard value key SAP1: 1, 2, 3). */
  activities: ActivityIndexes.default({ setup: 1, machine: 2, labour: 3 }),
  /** Per work centre, activities that override what its standard value key says. */
  workCentres: z.record(z.string(), ActivityIndexes).optional(),
  /** The unit SAP keeps hours in (OpWorkQuantityUnitN). */
  hoursUnit: SapCode(3, 'an SAP unit').default('H'),
  /** The usage decision taken when the floor blocks output of an inspection lot (code and code group of the plant's selected set). */
  usageDecision: z.strictObject({ code: SapCode(4, 'a usage decision code'), codeGroup: SapCode(8, 'a code group'), selectedSet: SapCode(8, 'a selected set') }).default({ code: 'A2', codeGroup: 'QM', selectedSet: '01' }),
  /**
   * How goods movements outside confirmations reach SAP: OData (API_MATERIAL_DOCUMENT_SRV) or
   * MBGMCR IDocs to /sap/bc/idoc_xml (found again by their header text all the same).
   */
  goodsMovements: z.enum(['odata', 'idoc']).default('odata'),
  /** The IDoc partners: the bridge's logical system and SAP's. */
  idocPartners: z.strictObject({ sender: SapCode(10, 'a logical system'), receiver: SapCode(10, 'a logical system') }).optional(),
  /** How often the planning sync also reads the plant's products, work centres and BOMs. */
  masterDataReadEveryMs: z.number().int().min(0).default(3_600_000),
  /** SAP units without decimals (T006): quantities in them are whole. */
  wholeUnits: z.array(SapCode(3, 'an SAP unit')).default(['PC', 'ST', 'EA', 'PCE', 'PAA', 'PAL', 'CS', 'BOX']),
  /** The floor plant whose released production orders are read from this client; absent: none are read. */
  planningPlant: z.string().min(1).max(40).optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Postings per second to the client, for all workers together. */
  maxPostingsPerSecond: z.number().positive().max(100).default(5),
});
export type SapSettings = z.infer<typeof SapSettings>;

/** A work centre's activities: configured for it, else as its standard value parameters say, else the connection's. */
export function activitiesOf(settings: Pick<SapSettings, 'activities' | 'workCentres' | 'activityParameters'>, workCentre: string | undefined, parameters: readonly string[] = []): ActivityIndexes {
  const configured = workCentre ? settings.workCentres?.[workCentre] : undefined;
  if (configured) return configured;
  const position = (activity: keyof ActivityIndexes) => {
    const at = parameters.findIndex((p) => settings.activityParameters[activity].includes(p));
    return at >= 0 ? at + 1 : settings.activities[activity];
  };
  return { setup: position('setup'), machine: position('machine'), labour: position('labour') };
}
