/**
 * `DEMO_ERP=afas npm start`'s demo factory on the AFAS simulator, all over HTTP like a real
 * MES: brackets cut and welded from steel and bolts; the "MES" reports consumption, output
 * per operation (one report sent twice) and hours, completes the orders, and corrects a steel
 * weighing after the fact (the production is taken back and booked again with what remains).
 * Standard costs and the laser's hourly rate are master data, so the laser's hours absorb
 * overhead (FiEntries) and the period-end close has entries to show.
 */
import { type DemoOptions, type ErpDemo, type RunningSimulator, demoCall } from '../module';
import type { AfasSettings } from './settings';
import type { AfasSimulator } from './simulator';

const ROUTING = [
  { operation: '10', workCentre: 'LASER' },
  { operation: '20', workCentre: 'WELD' },
];


export function afasDemo(running: RunningSimulator<AfasSettings>, options: DemoOptions): ErpDemo {
  const afas = running.handle as AfasSimulator;
  const { plant } = options;
  const events = (body: unknown) => demoCall('POST', `${options.starterUrl}/v1/events`, body, options.sourceToken);
  const firstNumber = (Math.floor(Date.now() / 1000) % 100_000) * 10;
  return {
    async runOrders() {
      afas.seedItem('STEEL-S235', 'kg', { decimals: 3 });
      afas.seedItem('BOLT-M8', 'pc');
      await demoCall('PUT', `${options.starterUrl}/v1/master-data/materials`, [
        ...Array.from({ length: options.orders }, (_, i) => ({ plant, material: `BRACKET-${i + 1}`, baseUnit: 'pc', decimals: 0, standardCost: '3.80', standardMaterialCost: '2.60' })),
        { plant, material: 'STEEL-S235', baseUnit: 'kg', conversions: { g: '0.001' }, decimals: 3, backflush: 'actual', standardCost: '2.40' },
        { plant, material: 'BOLT-M8', baseUnit: 'pc', decimals: 0, backflush: 'actual', standardCost: '0.85' },
      ], options.operatorToken);
      afas.seedJournal('MEM');
      afas.seedAccount('3100', '4990');
      await demoCall('PUT', `${options.starterUrl}/v1/master-data/work-centre-costs`, [{ plant, workCentre: 'LASER', activity: 'machine', ratePerHour: '64', journal: 'MEM', debitAccount: '3100', creditAccount: '4990' }], options.operatorToken);
      const workflowIds: string[] = [];
      for (let i = 0; i < options.orders; i++) {
        const order = `AF-${firstNumber + i}`;
        const material = `BRACKET-${i + 1}`;
        afas.seedItem(material, 'pc');
        const planned = 100 + 20 * i;
        let second = 0;
        const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date(Date.now() + 1000 * second++).toISOString(), ...fields });
        const cut = e('cut', { type: 'QuantityReported', operation: '10', good: String(planned), unit: 'pc' });
        await events([
          e('released', { type: 'OrderReleased', material, plannedQuantity: String(planned), unit: 'pc', operations: ROUTING }),
          e('steel-1', { type: 'MaterialConsumed', material: 'STEEL-S235', quantity: (planned * 0.4).toFixed(1), unit: 'kg', operation: '10' }),
          e('steel-2', { type: 'MaterialConsumed', material: 'STEEL-S235', quantity: '1350', unit: 'g', operation: '10' }),
          cut,
          cut, // resent by the MES: counted once
          e('laser-hours', { type: 'TimeBooked', activity: 'machine', hours: '1.5', operation: '10', workCentre: 'LASER' }),
          e('bolts', { type: 'MaterialConsumed', material: 'BOLT-M8', quantity: String(planned * 2), unit: 'pc', operation: '20' }),
          e('weld', { type: 'QuantityReported', operation: '20', good: String(planned), unit: 'pc' }),
          e('welder-hours', { type: 'TimeBooked', activity: 'labour', hours: '2.25', operation: '20', employee: 'E001' }),
          e('completed', { type: 'OrderCompleted' }),
        ]);
        workflowIds.push(`production-order/${plant}/${order}`);
        options.log(`demo factory: AFAS order ${order} (${material}) released, cut and welded, ${planned} pc produced, completed`);
      }
      return workflowIds;
    },

    async correctOrder(workflowId) {
      const order = workflowId.split('/').pop()!;
      await events({ eventId: `${order}-steel-2-fix`, type: 'EventCorrected', source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date().toISOString(), correctsEventId: `${order}-steel-2`, reason: 'scale recalibrated', replacement: { quantity: '850' } });
      options.log(`demo factory: order ${order}'s second steel weighing corrected from 1350 g to 850 g: its production is taken back and booked again with 0.5 kg less steel`);
    },

    async runMachineOrder(machine, seconds) {
      const order = `AF-${firstNumber + 99}`;
      const routing = [{ operation: '10', workCentre: `${machine}-WC` }];
      afas.seedItem('CLIP', 'pc');
      await demoCall('PUT', `${options.starterUrl}/v1/master-data/materials`, { plant, material: 'CLIP', baseUnit: 'pc', decimals: 0 }, options.operatorToken);
      const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date().toISOString(), ...fields });
      await events([e('released', { type: 'OrderReleased', material: 'CLIP', plannedQuantity: '50', unit: 'pc', operations: routing }), e('start', { type: 'OperationStarted', operation: '10', workCentre: routing[0]!.workCentre, machine })]);
      options.log(`demo factory: AFAS order ${order} (CLIP) runs on ${machine} for ${seconds} s; the press's counts come over OPC UA`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      await events([e('stop', { type: 'OperationCompleted', operation: '10', machine }), e('completed', { type: 'OrderCompleted' })]);
      return `production-order/${plant}/${order}`;
    },
  };
}
