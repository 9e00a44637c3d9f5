/** The Exact Online simulator as its own process (`npm run simulator:exact`), for demos and compose: the first Exact connection's division. */
import { loadConfig } from '../../config';
import type { ExactSettings } from './connection';
import { exactModule } from './module';
import type { ExactSimulator } from './simulator';

const config = loadConfig();
const connection = config.erp.connections.find((c) => c.erp === exactModule.erp);
if (!connection) throw new Error('no Exact Online connection is configured (EXACT_* or ERP_CONNECTIONS)');
const settings = connection.settings as ExactSettings;
// It serves the division with the connection's fixed token, whatever address the connection names.
exactModule
  .simulator!.start({ ...settings, oauth: undefined }, { port: connection.simulatorPort ?? 8090, host: config.erp.simulatorHost })
  .then((simulator) => {
    console.log(`Exact Online simulator on ${simulator.url}, division ${settings.division}; ledger at ${simulator.url}/_simulator/ledger`);
    // EXACT_SIMULATOR_SEED=demo (compose's simulator profile): the shop orders the README's examples send events for.
    if (process.env.EXACT_SIMULATOR_SEED === 'demo') {
      const exact = simulator.handle as ExactSimulator;
      for (let order = 14700; order < 14710; order++) {
        exact.seedShopOrder({ shopOrderNumber: order, itemCode: 'BRACKET', plannedQuantity: 100, unit: 'pc', routing: [{ operation: '0010', workCentre: 'SAW-01' }, { operation: '0020', workCentre: 'WELD-01' }] });
      }
      console.log('Seeded shop orders 14700 to 14709 (BRACKET, sawn and welded) for the demo');
    }
    process.once('SIGTERM', () => void simulator.stop());
    process.once('SIGINT', () => void simulator.stop());
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
