/** The Exact Online simulator as its own process (`npm run simulator:exact`), for demos and compose: the first Exact connection's division. */
import { loadConfig } from '../../config';
import type { ExactSettings } from './connection';
import { exactModule } from './module';

const config = loadConfig();
const connection = config.erp.connections.find((c) => c.erp === exactModule.erp);
if (!connection) throw new Error('no Exact Online connection is configured (EXACT_* or ERP_CONNECTIONS)');
const settings = connection.settings as ExactSettings;
// It serves the division with the connection's fixed token, whatever address the connection names.
exactModule
  .simulator!.start({ ...settings, oauth: undefined }, { port: connection.simulatorPort ?? 8090, host: config.erp.simulatorHost })
  .then((simulator) => {
    console.log(`Exact Online simulator on ${simulator.url}, division ${settings.division}; ledger at ${simulator.url}/_simulator/ledger`);
    process.once('SIGTERM', () => void simulator.stop());
    process.once('SIGINT', () => void simulator.stop());
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
