/**
 * SAP's production order download as IDocs (LOIPRO, sent by the ALE distribution of
 * released orders to the bridge's port): each order becomes an OrderReleased of the floor
 * plant the SAP plant maps to, with its routing, and its components and operations
 * (reservations, confirmation numbers) go to the planning the MES reads. The event's id is
 * the IDoc number and the order: an IDoc sent again changes nothing.
 */
import type { FloorEvent } from '../../domain/events';
import type { PlannedComponent, PlannedOperation, PlannedOrder } from '../../domain/planning';
import { type InboundChannel, type InboundMessage, InboundRefused } from '../module';
import { IdocError, type LoiproOrder, parseLoipro } from './idoc';
import type { SapSettings } from './settings';

/** The floor plant of an IDoc's plant (WERKS): the one mapped to that SAP plant, or the floor plant of that name. */
function floorPlantOf(settings: SapSettings, werks: string): string | undefined {
  const mapped = Object.entries(settings.sapPlants).find(([, p]) => p.plant === werks)?.[0];
  return mapped ?? (settings.sapPlants[werks] ? werks : undefined);
}

function planningOf(order: LoiproOrder): InboundMessage['planning'][number]['changes'] {
  const released = order.statuses.includes('I0002');
  const orders: PlannedOrder[] = [{ erpId: order.order, erpOrder: order.order, material: order.material, plannedQuantity: order.quantity, producedQuantity: '0', unit: order.unit, status: released ? 'released' : 'planned' }];
  const components: PlannedComponent[] = order.components.map((c, i) => ({
    erpId: c.reservation && c.reservationItem ? `${c.reservation}/${c.reservationItem}` : `${order.order}/${c.operation}/${c.position ?? i + 1}`,
    erpOrderId: order.order,
    line: i + 1,
    material: c.material,
    plannedQuantity: c.quantity,
    unit: c.unit,
    backflush: false,
    byProduct: c.movementType === '531',
  }));
  const operations: PlannedOperation[] = order.operations.map((o, i) => ({
    erpId: o.confirmationGroup ?? `${order.order}/${o.operation}`,
    erpOrderId: order.order,
    sequence: i + 1,
    operation: o.operation,
    ...(o.text ? { description: o.text } : {}),
    ...(o.workCentre ? { workCentre: o.workCentre } : {}),
    backflush: false,
  }));
  return { orders, components, operations, cursor: `idoc:${order.docnum}` };
}

export function loiproChannel(settings: SapSettings): InboundChannel {
  return {
    description: 'production orders released in SAP, as LOIPRO IDocs in XML',
    read(body, { source }) {
      let orders: LoiproOrder[];
      try {
        orders = parseLoipro(body);
      } catch (error) {
        if (error instanceof IdocError) throw new InboundRefused(error.field, error.message.slice(error.field.length + 2));
        throw error;
      }
      // When the floor learnt of the release: an IDoc may be sent again long after SAP created it (EDI_DC40-CREDAT).
      const occurredAt = new Date().toISOString();
      const events: FloorEvent[] = [];
      const planning: InboundMessage['planning'] = [];
      for (const order of orders) {
        const plant = floorPlantOf(settings, order.plant);
        if (!plant) throw new InboundRefused('E1AFKOL/WERKS', `SAP plant ${order.plant} is mapped to no floor plant of this connection (settings.sapPlants)`);
        planning.push({ plant, changes: planningOf(order) });
        // An order not (yet) released in SAP is planning only: the floor starts it once it is.
        if (!order.statuses.includes('I0002')) continue;
        events.push({
          type: 'OrderReleased',
          version: 'v1',
          eventId: `sap-idoc-${order.docnum}-${order.order}`,
          occurredAt,
          source,
          plant,
          productionOrder: order.order,
          erpOrder: order.order,
          material: order.material,
          plannedQuantity: order.quantity,
          unit: order.unit,
          ...(order.receiptStorageLocation ? { outputStorageLocation: order.receiptStorageLocation } : {}),
          ...(order.operations.length ? { operations: order.operations.map((o) => ({ operation: o.operation, ...(o.workCentre ? { workCentre: o.workCentre } : {}) })) } : {}),
        });
      }
      return { reference: orders.map((o) => o.docnum).filter((d, i, all) => all.indexOf(d) === i).join(','), events, planning };
    },
  };
}
