/**
 * SAP's production orders for the floor's planning (API_PRODUCTION_ORDER_2_SRV): the
 * orders of the planning plant's SAP plant, their components (with reservation and
 * backflush flag) and operations, each set read on from the highest LastChangeDateTime
 * (YYYYMMDDhhmmss) the last read saw, one page of up to 200 a set, `$select`ed and ordered by
 * it. A set whose page came back full says there is more; the next read goes on from there.
 *
 * SAP's API tells no deletions; an order SAP closes (technically completed, closed,
 * deletion flag) is read as completed. Every `masterDataReadEveryMs` (and on a full read) it
 * also reads the plant's products, work centres and BOMs (masterData.ts).
 */
import type { PlannedComponent, PlannedOperation, PlannedOrder, PlannedOrderStatus, PlanningChanges } from '../../domain/planning';
import type { ErpPlanningReader } from '../adapter';
import { odataString } from '../http/odata';
import { readSapMasterData } from './masterData';
import type { SapTransport } from './transport';

const SERVICE = 'API_PRODUCTION_ORDER_2_SRV';
const PAGE = 200;
/** The highest LastChangeDateTime read of each set, and when master data was last read. */
type SapPlanningCursor = Record<'orders' | 'components' | 'operations', string> & { masterDataReadAt?: number };

interface OrderRow {
  ManufacturingOrder: string;
  Material: string;
  TotalQuantity: string;
  MfgOrderConfirmedYieldQty: string;
  ProductionUnit: string;
  OrderIsReleased: string;
  OrderIsPartiallyConfirmed: string;
  OrderIsConfirmed: string;
  OrderIsDelivered: string;
  OrderIsTechnicallyCompleted: string;
  OrderIsClosed: string;
  OrderIsMarkedForDeletion: string;
  MfgOrderPlannedStartDate: string | null;
  MfgOrderPlannedEndDate: string | null;
  LastChangeDateTime: string;
}
interface ComponentRow {
  Reservation: string;
  ReservationItem: string;
  ManufacturingOrder: string;
  Material: string;
  RequiredQuantity: string;
  BaseUnit: string;
  MatlCompIsMarkedForBackflush: boolean;
  GoodsMovementType: string;
  LastChangeDateTime: string;
}
interface OperationRow {
  OrderInternalBillOfOperations: string;
  OrderIntBillOfOperationsItem: string;
  ManufacturingOrder: string;
  ManufacturingOrderOperation: string;
  MfgOrderOperationText: string;
  WorkCenter: string;
  LastChangeDateTime: string;
}

const orderNumber = (value: string) => value.replace(/^0+(?=\d)/, '');
const day = (value: string | null) => {
  const ms = value && /\/Date\((-?\d+)\)\//.exec(value)?.[1];
  return ms ? new Date(Number(ms)).toISOString().slice(0, 10) : undefined;
};

function statusOf(o: OrderRow): PlannedOrderStatus {
  if (o.OrderIsTechnicallyCompleted === 'X' || o.OrderIsClosed === 'X' || o.OrderIsMarkedForDeletion === 'X') return 'completed';
  if (o.OrderIsDelivered === 'X' || o.OrderIsConfirmed === 'X') return 'finished';
  if (o.OrderIsPartiallyConfirmed === 'X') return 'inProcess';
  return o.OrderIsReleased === 'X' ? 'released' : 'planned';
}

export function createSapPlanningReader(transport: SapTransport, sapPlant: string, options: { masterDataReadEveryMs: number; wholeUnits: readonly string[] }): ErpPlanningReader {
  return {
    async changesSince(cursorText, asked = {}) {
      const cursor: SapPlanningCursor = cursorText ? (JSON.parse(cursorText) as SapPlanningCursor) : { orders: '0', components: '0', operations: '0' };
      const changed = (set: 'orders' | 'components' | 'operations', plantField: string) => `${plantField} eq ${odataString(sapPlant)} and LastChangeDateTime gt ${odataString(cursor[set])}`;
      const [orders, components, operations] = await Promise.all([
        transport.rows<OrderRow>(SERVICE, 'A_ProductionOrder_2', {
          filter: changed('orders', 'ProductionPlant'),
          select: ['ManufacturingOrder', 'Material', 'TotalQuantity', 'MfgOrderConfirmedYieldQty', 'ProductionUnit', 'OrderIsReleased', 'OrderIsPartiallyConfirmed', 'OrderIsConfirmed', 'OrderIsDelivered', 'OrderIsTechnicallyCompleted', 'OrderIsClosed', 'OrderIsMarkedForDeletion', 'MfgOrderPlannedStartDate', 'MfgOrderPlannedEndDate', 'LastChangeDateTime'],
          orderby: 'LastChangeDateTime',
          top: PAGE,
        }, PAGE),
        transport.rows<ComponentRow>(SERVICE, 'A_ProductionOrderComponent_4', {
          filter: changed('components', 'Plant'),
          select: ['Reservation', 'ReservationItem', 'ManufacturingOrder', 'Material', 'RequiredQuantity', 'BaseUnit', 'MatlCompIsMarkedForBackflush', 'GoodsMovementType', 'LastChangeDateTime'],
          orderby: 'LastChangeDateTime',
          top: PAGE,
        }, PAGE),
        transport.rows<OperationRow>(SERVICE, 'A_ProductionOrderOperation_2', {
          filter: changed('operations', 'ProductionPlant'),
          select: ['OrderInternalBillOfOperations', 'OrderIntBillOfOperationsItem', 'ManufacturingOrder', 'ManufacturingOrderOperation', 'MfgOrderOperationText', 'WorkCenter', 'LastChangeDateTime'],
          orderby: 'LastChangeDateTime',
          top: PAGE,
        }, PAGE),
      ]);
      // Master data is read whole now and then (and on a full read asked for): what it did not meet is gone from SAP.
      const masterDataDue = asked.fullRead === true || cursor.masterDataReadAt === undefined || Date.now() - cursor.masterDataReadAt >= options.masterDataReadEveryMs;
      const masterData = masterDataDue ? await readSapMasterData(transport, sapPlant, options.wholeUnits) : undefined;
      const readAt = Date.now();
      const highest = (rows: { LastChangeDateTime: string }[], from: string) => rows.reduce((max, r) => (r.LastChangeDateTime > max ? r.LastChangeDateTime : max), from);
      const changes: PlanningChanges & { more: boolean } = {
        orders: orders.map((o): PlannedOrder => {
          const [start, finish] = [day(o.MfgOrderPlannedStartDate), day(o.MfgOrderPlannedEndDate)];
          return {
            erpId: orderNumber(o.ManufacturingOrder),
            erpOrder: orderNumber(o.ManufacturingOrder),
            material: o.Material,
            plannedQuantity: o.TotalQuantity,
            producedQuantity: o.MfgOrderConfirmedYieldQty || '0',
            unit: o.ProductionUnit,
            status: statusOf(o),
            ...(start ? { plannedStart: start } : {}),
            ...(finish ? { plannedFinish: finish } : {}),
          };
        }),
        components: components.map(
          (c, i): PlannedComponent => ({
            erpId: `${c.Reservation}/${c.ReservationItem}`,
            erpOrderId: orderNumber(c.ManufacturingOrder),
            line: Number(c.ReservationItem) || i + 1,
            material: c.Material,
            plannedQuantity: c.RequiredQuantity,
            unit: c.BaseUnit,
            backflush: c.MatlCompIsMarkedForBackflush,
            byProduct: c.GoodsMovementType === '531',
          }),
        ),
        operations: operations.map(
          (o): PlannedOperation => ({
            erpId: `${o.OrderInternalBillOfOperations}/${o.OrderIntBillOfOperationsItem}`,
            erpOrderId: orderNumber(o.ManufacturingOrder),
            sequence: Number(o.OrderIntBillOfOperationsItem),
            operation: o.ManufacturingOrderOperation,
            ...(o.MfgOrderOperationText ? { description: o.MfgOrderOperationText } : {}),
            ...(o.WorkCenter ? { workCentre: o.WorkCenter } : {}),
            backflush: false,
          }),
        ),
        ...(masterData ? { ...masterData, fullRead: { id: `sap-master-data-${readAt}`, complete: ['workCentres', 'bomLines'], ended: true } } : {}),
        cursor: JSON.stringify({
          orders: highest(orders, cursor.orders),
          components: highest(components, cursor.components),
          operations: highest(operations, cursor.operations),
          ...(masterData ? { masterDataReadAt: readAt } : cursor.masterDataReadAt !== undefined ? { masterDataReadAt: cursor.masterDataReadAt } : {}),
        } satisfies SapPlanningCursor),
        more: orders.length === PAGE || components.length === PAGE || operations.length === PAGE,
      };
      return changes;
    },
  };
}
