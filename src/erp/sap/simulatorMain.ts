/** The SAP S/4HANA simulator as its own process (`npm run simulator:sap`), for demos and compose: the first SAP connection's client. */
import { loadConfig } from '../../config';
import { sapModule } from './module';
import type { SapSettings } from './settings';

const config = loadConfig();
const connection = config.erp.connections.find((c) => c.erp === sapModule.erp);
if (!connection) throw new Error('no SAP S/4HANA connection is configured (ERP_CONNECTIONS)');
const settings = connection.settings as SapSettings;
sapModule
  .simulator!.start(settings, { port: connection.simulatorPort ?? 8091, host: config.erp.simulatorHost })
  .then((simulator) => {
    console.log(`SAP S/4HANA simulator on ${simulator.url}, client ${settings.client}; OData under ${simulator.url}/sap/opu/odata/sap/, ledger at ${simulator.url}/_simulator/ledger`);
    process.once('SIGTERM', () => void simulator.stop());
    process.once('SIGINT', () => void simulator.stop());
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
