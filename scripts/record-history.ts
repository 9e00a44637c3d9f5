/**
 * `npm run record-history -- <name>`: runs one production order through everything the
 * workflow does (routing, master data lookups, conversions, derived consumption, a
 * by-product, stock staged to the line, serialized components, a machine's counts, hours and overhead, an
 * inspection, a lost acknowledgement, a posting Exact refuses (its alert, an operator's skip),
 * a correction that reverses, completion, close) and
 * saves its history, the machine's and the planning sync's, as
 * test/histories/productionOrder-<name>.json, machine-<name>.json and
 * erpPlanning-<name>.json. The replay test then holds every later change of the workflows
 * to them: record new ones whenever a change is gated by patched(), and keep the old ones.
 *
 * Uses TEMPORAL_ADDRESS and DATABASE_URL when set; otherwise an in-memory dev server and
 * the embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { startEmbedded } from '../src/embedded';
import { type ExactSimulator, SIMULATOR_EMPLOYEE_ID } from '../src/erp/exact/simulator';
import { projectRoot } from '../src/projectRoot';
import { erpPlanningWorkflowId, planningStatusQuery, syncNowSignal } from '../src/workflows/erpPlanning/workflow';
import { machineWorkflowId } from '../src/workflows/machine/workflow';
import { productionOrderWorkflowId, skipPostingUpdate, statusQuery } from '../src/workflows/productionOrder/workflow';

async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error('usage: npm run record-history -- <name>   (lower-case letters, digits and "-")');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig(process.env, {
    TEMPORAL_TASK_QUEUE: `record-${randomUUID()}`,
    ORDER_CLOSE_AFTER: '2s',
    MACHINE_HAND_OVER_EVERY: '1s',
    POSTING_BATCH_WINDOW: '300ms',
    AUTH: 'open',
    POSTING_RETRY_INITIAL_INTERVAL: '100ms',
    EXACT_DEFAULT_EMPLOYEE_ID: SIMULATOR_EMPLOYEE_ID,
    EXACT_PLANNING_PLANT: 'REC',
    PLANNING_SYNC_EVERY: '1 hour',
  });
  const embedded = await startEmbedded(config);
  const { client, bridge } = embedded;
  const simulator = [...embedded.simulators.values()][0]!.handle as ExactSimulator;

  const plant = 'REC';
  const order = String(Date.now() % 1_000_000_000);
  simulator.seedShopOrder({
    shopOrderNumber: Number(order), itemCode: 'BRACKET', plannedQuantity: 24, unit: 'pc',
    materials: [
      { itemCode: 'STEEL', plannedQuantity: 10, unit: 'kg' },
      { itemCode: 'SHEET', plannedQuantity: 8, unit: 'kg' },
      { itemCode: 'SWARF', plannedQuantity: 0, unit: 'kg', byProduct: true },
      { itemCode: 'SENSOR', plannedQuantity: 2, unit: 'pc', serialNumbers: ['S-1', 'S-2', 'S-3'] },
    ],
    routing: [{ operation: '0010', workCentre: 'SAW-01' }, { operation: '0020', workCentre: 'WELD-01' }],
  });
  simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialIssues' });
  simulator.seedStorageLocation('RACK-1');
  simulator.seedStorageLocation('LINE-SIDE');
  await bridge.masterData.upsertMaterials([
    { plant, material: 'BRACKET', baseUnit: 'pc', conversions: { box: '12' }, decimals: 0, backflush: 'actual' },
    { plant, material: 'STEEL', baseUnit: 'kg', conversions: { g: '0.001' }, decimals: 3, backflush: 'actual' },
    { plant, material: 'SHEET', baseUnit: 'kg', conversions: {}, decimals: 2, backflush: 'derived' },
    { plant, material: 'SWARF', baseUnit: 'kg', conversions: {}, decimals: 2, backflush: 'actual' },
    { plant, material: 'SENSOR', baseUnit: 'pc', conversions: {}, decimals: 0, backflush: 'actual' },
  ]);
  await bridge.masterData.upsertWorkCentreCosts([
    { plant, workCentre: 'SAW-01', activity: 'machine', ratePerHour: '85.50', journal: '90', debitAccount: simulator.seedGlAccount('3100'), creditAccount: simulator.seedGlAccount('4990') },
  ]);
  await bridge.masterData.replaceBom(plant, 'BRACKET', [{ plant, parentMaterial: 'BRACKET', component: 'SHEET', quantityPer: '0.3', yieldFactor: '0.95', scrapAllowance: '0.02' }]);

  const at = (hour: number) => `2026-11-25T${String(hour).padStart(2, '0')}:00:00+01:00`;
  const e = (id: string, hour: number, fields: object) => ({ eventId: `${order}-${id}`, source: 'record-history', plant, productionOrder: order, occurredAt: at(hour), ...fields });
  const send = async (events: object[]) => {
    const response = await fetch(`${bridge.starterUrl}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
    if (response.status !== 202) throw new Error(`the starter API answered ${response.status}: ${await response.text()}`);
  };
  const handle = client.workflow.getHandle(productionOrderWorkflowId(plant, order));
  const inSync = async () => {
    // Exact's 60 calls a minute may hold the postings back for up to a minute.
    for (let i = 0; i < 1200; i++) {
      if ((await handle.query(statusQuery)).erpSyncStatus === 'InSync') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`order ${order} did not reach InSync: ${JSON.stringify(await handle.query(statusQuery))}`);
  };

  await send([
    e('rel', 6, { type: 'OrderReleased', material: 'BRACKET', plannedQuantity: '24', unit: 'pc', outputBatch: `L-${order}`, operations: [{ operation: '0010', workCentre: 'SAW-01' }, { operation: '0020', workCentre: 'WELD-01' }] }),
    e('start', 7, { type: 'OperationStarted', operation: '0010', machine: 'SAW-01' }),
    e('steel', 7, { type: 'MaterialConsumed', material: 'STEEL', quantity: '2500.4', unit: 'g' }),
    e('swarf', 7, { type: 'ByProductReported', material: 'SWARF', quantity: '0.35', unit: 'kg' }),
    e('sensors', 7, { type: 'MaterialConsumed', material: 'SENSOR', quantity: '2', unit: 'pc', serialNumbers: ['S-1', 'S-2'] }),
    e('stage', 7, { type: 'StockTransferred', material: 'STEEL', quantity: '3', unit: 'kg', fromStorageLocation: 'RACK-1', toStorageLocation: 'LINE-SIDE' }),
  ]);
  // The saw's PLC: 25 good and 1 scrap in 1.75 running hours, a resent reading and a refused one.
  const reading = (hour: number, minute: number, fields: object) =>
    bridge.delivery.deliverReading(plant, 'SAW-01', { at: `2026-11-25T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+01:00`, source: 'record-history', ...fields });
  await reading(7, 0, { good: 100, scrap: 0, state: 'running' });
  await reading(8, 0, { good: 112 });
  await reading(8, 0, { good: 112 });
  await reading(8, 10, { good: 'many' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await reading(8, 45, { good: 125, scrap: 1, state: 'idle' });
  await send([
    e('done10', 9, { type: 'OperationCompleted', operation: '0010', machine: 'SAW-01' }),
    e('q20', 11, { type: 'QuantityReported', operation: '0020', good: '2', unit: 'box' }),
    e('s20', 11, { type: 'TimeBooked', activity: 'setup', hours: '0.5', operation: '0020', workCentre: 'WELD-01' }),
    e('qc', 12, { type: 'QualityResult', inspection: 'LOT-1', result: 'rejected', quantity: '1', unit: 'pc', operation: '0020', disposition: 'scrap' }),
  ]);
  await inSync();
  // Glue Exact does not plan on the order: the posting stops, an alert goes out, and an operator skips it.
  await send([e('glue', 12, { type: 'MaterialConsumed', material: 'GLUE', quantity: '0.2', unit: 'kg' })]);
  let stopped: number | undefined;
  for (let i = 0; i < 600 && stopped === undefined; i++) {
    stopped = (await handle.query(statusQuery)).postings.find((p) => p.status === 'NeedsAttention')?.sequence;
    if (stopped === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (stopped === undefined) throw new Error('the glue posting never stopped');
  await handle.executeUpdate(skipPostingUpdate, { args: [{ sequence: stopped, reason: 'booked by hand in Exact' }] });
  await inSync();
  await send([
    e('fix', 13, { type: 'EventCorrected', correctsEventId: `${order}-steel`, reason: 'scale recalibrated', replacement: { quantity: '2200' } }),
    e('fix-sensors', 13, { type: 'EventCorrected', correctsEventId: `${order}-sensors`, reason: 'S-2 went back to the shelf', replacement: { quantity: '1', serialNumbers: ['S-1'] } }),
    e('done20', 14, { type: 'OperationCompleted', operation: '0020' }), e('done', 15, { type: 'OrderCompleted' }),
  ]);
  await handle.result();

  const machine = client.workflow.getHandle(machineWorkflowId(plant, 'SAW-01'));
  // The planning sync has read at start; a planner's change and a syncNow make it read again, and an operator asks for a full read.
  const planning = client.workflow.getHandle(erpPlanningWorkflowId('exact', plant));
  simulator.updateShopOrder(Number(order), { plannedQuantity: 30 });
  await planning.signal(syncNowSignal);
  for (let i = 0; i < 100 && (await planning.query(planningStatusQuery)).reads < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const firstFullRead = (await planning.query(planningStatusQuery)).fullRead?.id;
  await planning.signal(syncNowSignal, { fullRead: true });
  const fullReadEnded = async () => {
    const { fullRead } = await planning.query(planningStatusQuery);
    return fullRead !== undefined && fullRead.id !== firstFullRead && fullRead.endedAt !== undefined;
  };
  for (let i = 0; i < 100 && !(await fullReadEnded()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const [workflow, recorded] of [['productionOrder', handle], ['machine', machine], ['erpPlanning', planning]] as const) {
    const file = path.join(projectRoot, 'test', 'histories', `${workflow}-${name}.json`);
    writeFileSync(file, historyToJSON(await recorded.fetchHistory()));
    // The workflow's id and task queue name what it starts (its alerts' workflow ids): the replay needs them as recorded.
    writeFileSync(`${file}.meta`, `${JSON.stringify({ workflowId: recorded.workflowId, taskQueue: config.temporal.taskQueue })}\n`);
    console.log(`Recorded ${recorded.workflowId} into ${path.relative(projectRoot, file)}`);
  }
  console.log(`The simulator holds: ${simulator.ledger().map((l) => `${l.action} ${l.entity}`).join(', ')}`);

  await embedded.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
