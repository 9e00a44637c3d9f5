/**
 * A small demo factory, all over HTTP like a real MES: master data for brackets, steel,
 * bolts and paint; the ERP plans a few shop orders with a two-step routing; the "MES"
 * releases them, books machine and labour hours, reports good and scrapped quantities
 * per operation (one report sent twice, as MES retries do), consumes steel partly in
 * grams, has an inspection reject a unit, completes the orders, and then corrects a
 * steel count on the first order after the fact.
 */
import { demoCall } from '../module';

export interface DemoFactoryOptions {
  starterUrl: string;
  exactSimulatorUrl: string;
  plant: string;
  orders: number;
  /** An Exact employee the simulator knows; labour time is booked on it. */
  employeeId: string;
  /** The demo MES's and operator's bearer tokens (undefined where the API is open). */
  sourceToken?: string | undefined;
  operatorToken?: string | undefined;
  log: (line: string) => void;
}

const ROUTING = [
  { operation: '0010', workCentre: 'SAW-01' },
  { operation: '0020', workCentre: 'WELD-01' },
];

export async function runDemoFactory(options: DemoFactoryOptions): Promise<string[]> {
  const { plant } = options;
  const send = (method: 'POST' | 'PUT', url: string, body: unknown, token?: string) => demoCall(method, url, body, token);
  const asMes = (body: unknown) => send('POST', `${options.starterUrl}/v1/events`, body, options.sourceToken);
  await send('PUT', `${options.starterUrl}/v1/master-data/materials`, [
    ...Array.from({ length: options.orders }, (_, i) => ({ plant, material: `BRACKET-${i + 1}`, baseUnit: 'pc', conversions: { box: '10' }, decimals: 0 })),
    { plant, material: 'STEEL-S235', baseUnit: 'kg', conversions: { g: '0.001' }, decimals: 3, backflush: 'actual' },
    { plant, material: 'BOLT-M8', baseUnit: 'pc', decimals: 0, backflush: 'derived' },
    { plant, material: 'PAINT-RAL9005', baseUnit: 'l', decimals: 2, backflush: 'erp' },
  ], options.operatorToken);
  // The saw's machine hours absorb overhead, booked against two GL accounts of the simulated ledger.
  const account = async (code: string) => ((await send('POST', `${options.exactSimulatorUrl}/_simulator/gl-accounts`, { code })) as { ID: string }).ID;
  const [wip, absorbed] = [await account('3100'), await account('4990')];
  await send('PUT', `${options.starterUrl}/v1/master-data/work-centre-costs`, { plant, workCentre: 'SAW-01', activity: 'machine', ratePerHour: '85.50', journal: '90', debitAccount: wip, creditAccount: absorbed }, options.operatorToken);
  const workflowIds: string[] = [];
  // Fresh shop order numbers each run: the dev server keeps earlier runs' orders.
  const firstNumber = (Math.floor(Date.now() / 1000) % 10_000_000) * 10;
  for (let i = 0; i < options.orders; i++) {
    const order = String(firstNumber + i);
    const material = `BRACKET-${i + 1}`;
    const planned = 100 + 20 * i;
    await send('PUT', `${options.starterUrl}/v1/master-data/boms/${plant}/${material}`, { components: [{ component: 'BOLT-M8', quantityPer: '2' }] }, options.operatorToken);
    await send('POST', `${options.exactSimulatorUrl}/_simulator/shop-orders`, {
      shopOrderNumber: Number(order),
      itemCode: material,
      plannedQuantity: planned,
      unit: 'pc',
      materials: [
        { itemCode: 'STEEL-S235', plannedQuantity: planned * 0.4, unit: 'kg' },
        { itemCode: 'BOLT-M8', plannedQuantity: planned * 2, unit: 'pc' },
        { itemCode: 'PAINT-RAL9005', plannedQuantity: planned * 0.01, unit: 'l', backflush: true },
      ],
      routing: ROUTING,
    });
    let minute = 0;
    const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date(Date.now() + 1000 * minute++).toISOString(), ...fields });
    const cutReport = e('cut', { type: 'QuantityReported', operation: '0010', good: String(planned), scrap: '2', unit: 'pc', reasonCode: 'BURR' });
    await asMes([
      e('released', { type: 'OrderReleased', material, plannedQuantity: String(planned), unit: 'pc', operations: ROUTING }),
      e('cut-start', { type: 'OperationStarted', operation: '0010', machine: 'SAW-01' }),
      e('steel-1', { type: 'MaterialConsumed', material: 'STEEL-S235', quantity: (planned * 0.4).toFixed(1), unit: 'kg', operation: '0010' }),
      e('steel-2', { type: 'MaterialConsumed', material: 'STEEL-S235', quantity: '1350', unit: 'g', operation: '0010' }),
      cutReport,
      cutReport, // resent by the MES: counted once
      e('saw-hours', { type: 'TimeBooked', activity: 'machine', hours: '1.5', operation: '0010', workCentre: 'SAW-01' }),
      e('cut-done', { type: 'OperationCompleted', operation: '0010' }),
      e('paint', { type: 'MaterialConsumed', material: 'PAINT-RAL9005', quantity: '0.9', unit: 'l', operation: '0020' }),
      e('weld', { type: 'QuantityReported', operation: '0020', good: String(planned / 10), unit: 'box' }),
      e('welder-hours', { type: 'TimeBooked', activity: 'labour', hours: '2.25', operation: '0020', employee: options.employeeId }),
      e('inspection', { type: 'QualityResult', inspection: `LOT-${order}`, result: 'rejected', quantity: '1', unit: 'pc', operation: '0020', disposition: 'scrap', reasonCode: 'POROSITY' }),
      e('weld-done', { type: 'OperationCompleted', operation: '0020' }),
      e('completed', { type: 'OrderCompleted' }),
    ]);
    workflowIds.push(`production-order/${plant}/${order}`);
    options.log(`demo factory: order ${order} (${material}) released, cut and welded, ${planned - 1} pc good, 1 rejected at inspection, completed`);
  }
  return workflowIds;
}

/** The MES finds it weighed steel wrong on the first order, after the ERP has it: the bridge reverses the difference. */
export async function correctFirstOrder(options: DemoFactoryOptions, workflowId: string): Promise<void> {
  const order = workflowId.split('/').pop()!;
  await demoCall('POST', `${options.starterUrl}/v1/events`, {
    eventId: `${order}-steel-2-fix`,
    type: 'EventCorrected',
    source: 'demo-mes',
    plant: options.plant,
    productionOrder: order,
    occurredAt: new Date().toISOString(),
    correctsEventId: `${order}-steel-2`,
    reason: 'scale recalibrated',
    replacement: { quantity: '850' },
  }, options.sourceToken);
  options.log(`demo factory: order ${order}'s second steel weighing corrected from 1350 g to 850 g`);
}


/**
 * An order on the demo press: the MES releases it and starts its operation on the press;
 * for `seconds` the press's PLC counts parts (over OPC UA), which go to the order; then the
 * MES completes the operation and the order. Returns the order's workflow id.
 */
export async function runMachineOrder(options: DemoFactoryOptions, machine: string, seconds: number): Promise<string> {
  const { plant } = options;
  const order = String((Math.floor(Date.now() / 1000) % 10_000_000) * 10 + 9);
  const routing = [{ operation: '0010', workCentre: `${machine}-WC` }];
  await demoCall('PUT', `${options.starterUrl}/v1/master-data/materials`, { plant, material: 'CLIP', baseUnit: 'pc', decimals: 0 }, options.operatorToken);
  await demoCall('POST', `${options.exactSimulatorUrl}/_simulator/shop-orders`, { shopOrderNumber: Number(order), itemCode: 'CLIP', plannedQuantity: 50, unit: 'pc', routing });
  const e = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'demo-mes', plant, productionOrder: order, occurredAt: new Date().toISOString(), ...fields });
  await demoCall('POST', `${options.starterUrl}/v1/events`, [
    e('released', { type: 'OrderReleased', material: 'CLIP', plannedQuantity: '50', unit: 'pc', operations: routing }),
    e('start', { type: 'OperationStarted', operation: '0010', workCentre: routing[0]!.workCentre, machine }),
  ], options.sourceToken);
  options.log(`demo factory: order ${order} (CLIP) runs on ${machine} for ${seconds} s; the press's counts come over OPC UA`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await demoCall('POST', `${options.starterUrl}/v1/events`, [e('stop', { type: 'OperationCompleted', operation: '0010', machine }), e('completed', { type: 'OrderCompleted' })], options.sourceToken);
  return `production-order/${plant}/${order}`;
}
