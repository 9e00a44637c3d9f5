/**
 * `npm start`'s demo factory on the SAP simulator (DEMO_ERP=sap), all over HTTP like a real
 * MES: SAP holds released production orders for plant 1010 with a two-step routing; steel
 * is backflushed by SAP with the saw's confirmation, bolts and paint the floor reports; the
 * "MES" books machine and labour hours, reports good and scrapped quantities per operation
 * (one report sent twice), has an inspection reject a unit and completes the orders; then
 * it corrects a count after the fact, and SAP's confirmation is cancelled and made anew. The
 * last order's steel is out of stock: its goods movement fails into COGI and its confirmation
 * waits for a person (README: SAP S/4HANA).
 */
import { type DemoOptions, type ErpDemo, type RunningSimulator, demoCall } from '../module';
import type { SapSettings } from './settings';
import type { SapSimulator } from './simulator';

const ROUTING = [
  { operation: '0010', workCentre: 'SAW-01' },
  { operation: '0020', workCentre: 'WELD-01' },
];


export function sapDemo(running: RunningSimulator<SapSettings>, options: DemoOptions): ErpDemo {
  const sap = running.handle as SapSimulator;
  const { plant } = options;
  const sapPlant = running.settings.sapPlants[plant]?.plant ?? '1010';
  const events = (body: unknown) => demoCall('POST', `${options.starterUrl}/v1/events`, body, options.sourceToken);
  // Fresh order numbers each run: the dev server keeps earlier runs' orders.
  const firstNumber = 1_000_000 + (Math.floor(Date.now() / 1000) % 100_000) * 10;
  return {
    async runOrders() {
      await demoCall('PUT', `${options.starterUrl}/v1/master-data/materials`, [
        ...Array.from({ length: options.orders }, (_, i) => ({ plant, material: `BRACKET-${i + 1}`, baseUnit: 'PC', decimals: 0 })),
        // SAP backflushes the steel with the saw's confirmation: the bridge issues none of it.
        { plant, material: 'STEEL-S235', baseUnit: 'KG', decimals: 3, backflush: 'erp' },
        { plant, material: 'STEEL-S355', baseUnit: 'KG', decimals: 3, backflush: 'erp' },
        { plant, material: 'BOLT-M8', baseUnit: 'PC', decimals: 0, backflush: 'actual' },
        { plant, material: 'PAINT-RAL9005', baseUnit: 'L', decimals: 2, backflush: 'actual' },
      ], options.operatorToken);
      // The last order's steel is out of stock in SAP: its backflush fails into COGI, and the saw's confirmation waits for a person.
      sap.failGoodsMovements('STEEL-S355', '');
      const workflowIds: string[] = [];
      for (let i = 0; i < options.orders; i++) {
        const order = String(firstNumber + i);
        const material = `BRACKET-${i + 1}`;
        const planned = 100 + 20 * i;
        const steel = i === options.orders - 1 && options.orders > 1 ? 'STEEL-S355' : 'STEEL-S235';
        sap.seedOrder({
          order,
          material,
          plant: sapPlant,
          quantity: String(planned),
          unit: 'PC',
          storageLocation: '0001',
          operations: ROUTING,
          components: [
            { material: steel, quantity: String(planned * 0.4), unit: 'KG', operation: '0010', backflush: true, storageLocation: '0001' },
            { material: 'BOLT-M8', quantity: String(planned * 2), unit: 'PC', operation: '0020', storageLocation: '0001' },
            { material: 'PAINT-RAL9005', quantity: String(planned * 0.01), unit: 'L', operation: '0020', storageLocation: '0001' },
          ],
        });
        let second = 0;
        const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date(Date.now() + 1000 * second++).toISOString(), ...fields });
        const cutReport = e('cut', { type: 'QuantityReported', operation: '0010', good: String(planned), scrap: '2', unit: 'PC', reasonCode: 'BURR' });
        await events([
          e('released', { type: 'OrderReleased', material, plannedQuantity: String(planned), unit: 'PC', operations: ROUTING }),
          e('cut-start', { type: 'OperationStarted', operation: '0010', workCentre: 'SAW-01' }),
          cutReport,
          cutReport, // resent by the MES: counted once
          e('saw-hours', { type: 'TimeBooked', activity: 'machine', hours: '1.5', operation: '0010', workCentre: 'SAW-01' }),
          e('cut-done', { type: 'OperationCompleted', operation: '0010' }),
          e('bolts', { type: 'MaterialConsumed', material: 'BOLT-M8', quantity: String(planned * 2), unit: 'PC', operation: '0020' }),
          e('paint', { type: 'MaterialConsumed', material: 'PAINT-RAL9005', quantity: '0.9', unit: 'L', operation: '0020' }),
          e('weld', { type: 'QuantityReported', operation: '0020', good: String(planned), unit: 'PC' }),
          e('welder-hours', { type: 'TimeBooked', activity: 'labour', hours: '2.25', operation: '0020', employee: '00001234' }),
          e('inspection', { type: 'QualityResult', inspection: `LOT-${order}`, result: 'rejected', quantity: '1', unit: 'PC', operation: '0020', disposition: 'scrap', reasonCode: 'PORO' }),
          e('weld-done', { type: 'OperationCompleted', operation: '0020' }),
          e('completed', { type: 'OrderCompleted' }),
        ]);
        workflowIds.push(`production-order/${plant}/${order}`);
        options.log(`demo factory: SAP order ${order} (${material}) released, cut (${steel} backflushed by SAP${steel === 'STEEL-S355' ? ', which has none in stock: COGI' : ''}) and welded, ${planned - 1} PC good, 1 rejected at inspection, completed`);
      }
      return workflowIds;
    },

    async correctOrder(workflowId) {
      const order = workflowId.split('/').pop()!;
      await events({
        eventId: `${order}-cut-fix`,
        type: 'EventCorrected',
        source: 'demo-mes',
        plant,
        productionOrder: order,
        occurredAt: new Date().toISOString(),
        correctsEventId: `${order}-cut`,
        reason: 'saw counter misread',
        replacement: { scrap: '1' },
      });
      options.log(`demo factory: order ${order}'s saw scrap corrected from 2 to 1: SAP's confirmation is cancelled (CancelProdnOrdConf, its backflushed steel with it) and confirmed anew`);
    },

    async runMachineOrder(machine, seconds) {
      const order = String(firstNumber + 99);
      const routing = [{ operation: '0010', workCentre: `${machine}-WC` }];
      // The press counts in pc, SAP in PC: the same unit, under SAP's name for it.
      await demoCall('PUT', `${options.starterUrl}/v1/master-data/materials`, { plant, material: 'CLIP', baseUnit: 'PC', conversions: { pc: '1' }, decimals: 0 }, options.operatorToken);
      sap.seedOrder({ order, material: 'CLIP', plant: sapPlant, quantity: '50', unit: 'PC', storageLocation: '0001', operations: routing });
      const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date().toISOString(), ...fields });
      await events([e('released', { type: 'OrderReleased', material: 'CLIP', plannedQuantity: '50', unit: 'PC', operations: routing }), e('start', { type: 'OperationStarted', operation: '0010', workCentre: routing[0]!.workCentre, machine })]);
      options.log(`demo factory: SAP order ${order} (CLIP) runs on ${machine} for ${seconds} s; the press's counts come over OPC UA`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      await events([e('stop', { type: 'OperationCompleted', operation: '0010', machine }), e('completed', { type: 'OrderCompleted' })]);
      return `production-order/${plant}/${order}`;
    },
  };
}
