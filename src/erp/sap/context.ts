/**
 * What every SAP posting kind works with: the transport, the connection's settings, the
 * floor plant's SAP plant, the production order as SAP holds it (header, operations and
 * components with their reservations and backflush flags) and the contract check every
 * body passes before it is sent.
 */
import Big from 'big.js';
import type { DocumentPosting } from '../../domain/postings';
import { ErpError } from '../adapter';
import { odataString } from '../http/odata';
import { mappedPlant } from '../module';
import { type SapService, contractProblems, sapContract } from './contract';
import type { SapPlant, SapSettings } from './settings';
import type { SapTransport } from './transport';

export interface SapOrderComponent {
  Reservation: string;
  ReservationItem: string;
  Material: string;
  ManufacturingOrderOperation: string;
  StorageLocation: string;
  Batch: string;
  RequiredQuantity: string;
  BaseUnit: string;
  MatlCompIsMarkedForBackflush: boolean;
  GoodsMovementType: string;
}

export interface SapOrder {
  ManufacturingOrder: string;
  Material: string;
  ProductionPlant: string;
  StorageLocation: string;
  TotalQuantity: string;
  ProductionUnit: string;
  OrderIsReleased: string;
  components: SapOrderComponent[];
}

export interface SapContext {
  transport: SapTransport;
  settings: SapSettings;
  /** The SAP plant of the posting's floor plant (a person must map an unknown one). */
  plantOf(document: Pick<DocumentPosting, 'plant'>): SapPlant;
  /** The order as SAP holds it, read once a while per order. */
  order(reference: string): Promise<SapOrder>;
  /** The standard value parameters of a work centre of the posting's plant (WorkCenterFormulaParam1..6), read once a while. */
  workCentreParameters(document: Pick<DocumentPosting, 'plant'>, workCentre: string): Promise<string[]>;
  /** Throws ValidationRejected, naming each property, when the contract refuses the body. */
  checked<T extends Record<string, unknown>>(service: SapService, entitySet: string, body: T, assigned?: readonly string[]): T;
}

/** SAP keeps three decimals in quantities and work (Edm.Decimal 13,3). */
export const SAP_DECIMALS = 3;

export function sapQuantity(value: string | Big): string {
  return new Big(value).round(SAP_DECIMALS, Big.roundHalfUp).toFixed(SAP_DECIMALS);
}

/** SAP's production order numbers are 12 digits with leading zeros inside; the floor may send them short. */
export function sapOrderNumber(reference: string): string {
  return /^\d{1,12}$/.test(reference) ? reference.padStart(12, '0') : reference;
}

export function createSapContext(transport: SapTransport, settings: SapSettings): SapContext {
  const orders = new Map<string, { order: SapOrder; at: number }>();
  const workCentres = new Map<string, { parameters: string[]; at: number }>();
  return {
    transport,
    settings,
    plantOf: (document) => mappedPlant(settings.sapPlants, document.plant, 'SAP plant', 'sapPlants'),
    async order(reference) {
      const number = sapOrderNumber(reference);
      const cached = orders.get(number);
      if (cached && Date.now() - cached.at < 60_000) return cached.order;
      const headers = await transport.rows<Omit<SapOrder, 'components'>>('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrder_2', {
        filter: `ManufacturingOrder eq '${number}'`,
        select: ['ManufacturingOrder', 'Material', 'ProductionPlant', 'StorageLocation', 'TotalQuantity', 'ProductionUnit', 'OrderIsReleased'],
        top: 1,
      });
      const header = headers[0];
      if (!header) throw new ErpError(`SAP holds no production order ${number}`, 'needsPerson', 'UnknownProductionOrder');
      const components = await transport.rows<SapOrderComponent>('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrderComponent_4', {
        filter: `ManufacturingOrder eq '${number}'`,
        select: ['Reservation', 'ReservationItem', 'Material', 'ManufacturingOrderOperation', 'StorageLocation', 'Batch', 'RequiredQuantity', 'BaseUnit', 'MatlCompIsMarkedForBackflush', 'GoodsMovementType'],
        top: 200,
      });
      const order = { ...header, components };
      if (orders.size >= 500) orders.delete(orders.keys().next().value!);
      orders.set(number, { order, at: Date.now() });
      return order;
    },
    async workCentreParameters(document, workCentre) {
      const plant = this.plantOf(document).plant;
      const key = `${plant}|${workCentre}`;
      const cached = workCentres.get(key);
      if (cached && Date.now() - cached.at < 600_000) return cached.parameters;
      const fields = [1, 2, 3, 4, 5, 6].map((n) => `WorkCenterFormulaParam${n}`);
      const rows = await transport.rows<Record<string, string>>('API_WORK_CENTERS', 'A_WorkCenters', { filter: `WorkCenter eq ${odataString(workCentre)} and Plant eq ${odataString(plant)}`, select: fields, top: 1 });
      const parameters = rows[0] ? fields.map((f) => rows[0]![f] ?? '') : [];
      if (workCentres.size >= 500) workCentres.delete(workCentres.keys().next().value!);
      workCentres.set(key, { parameters, at: Date.now() });
      return parameters;
    },
    checked(service, entitySet, body, assigned = []) {
      const problems = contractProblems(sapContract(service), entitySet, body, { assigned });
      if (problems.length > 0) {
        throw new ErpError(`the ${entitySet} the bridge would send breaks ${service}'s contract: ${problems.map((p) => `${p.property} ${p.reason}`).join('; ')}`, 'needsPerson', 'ValidationRejected');
      }
      return body;
    },
  };
}
