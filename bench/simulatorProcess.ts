/**
 * The Exact Online simulator as the benchmark runs it: a process of its own (its memory is
 * measured apart from the bridge's), with the shop orders of the run seeded and Exact's
 * budget as the scenario sets it (BENCH_RATE: perWindow/windowMs/perDay/dayMs).
 *   BENCH_SIMULATOR_PORT, BENCH_DIVISION, BENCH_TOKEN, BENCH_ORDERS=<first>-<last>, BENCH_RATE
 */
import { SIMULATOR_EMPLOYEE_ID, createExactSimulator } from '../src/erp/exact/simulator';

const [first, last] = (process.env.BENCH_ORDERS ?? '700000-700019').split('-').map(Number) as [number, number];
const [perWindow, windowMs, perDay, dayMs] = (process.env.BENCH_RATE ?? '1000000/60000/100000000/86400000').split('/').map(Number) as [number, number, number, number];
const simulator = createExactSimulator({
  division: Number(process.env.BENCH_DIVISION ?? 424242),
  accessTokens: [process.env.BENCH_TOKEN ?? 'bench-token'],
  employees: [SIMULATOR_EMPLOYEE_ID],
  rateLimit: { perWindow, windowMs, perDay, dayMs },
});
for (let order = first; order <= last; order++) {
  simulator.seedShopOrder({
    shopOrderNumber: order,
    itemCode: 'BENCH',
    plannedQuantity: 1000,
    unit: 'pc',
    materials: [
      { itemCode: 'STEEL', plannedQuantity: 1000, unit: 'kg' },
      { itemCode: 'PAINT', plannedQuantity: 100, unit: 'l' },
    ],
    routing: [{ operation: '0010', workCentre: 'PRESS' }],
  });
}
simulator
  .listen(Number(process.env.BENCH_SIMULATOR_PORT ?? 0), '127.0.0.1')
  .then((url) => console.log(`ready ${url}`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.once('SIGTERM', () => void simulator.close().then(() => process.exit(0)));
