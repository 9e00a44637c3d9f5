/**
 * SAP S/4HANA as a module of the bridge: a connection is one client (sap-client) of one
 * system, signed in as the communication user of its communication arrangement, with the
 * floor's plants mapped to SAP plants. It posts over the OData v2 APIs (adapter.ts), takes
 * production orders in as LOIPRO IDocs (inbound.ts) and can send goods movements as MBGMCR.
 */
import type { ContractFixture, ErpModule } from '../module';
import { SAP_POSTING_RULES } from './adapter';
import { sapConnection } from './connection';
import { sapDemo } from './demoFactory';
import { SapSettings } from './settings';
import { createSapSimulator } from './simulator';

export const sapModule: ErpModule<SapSettings> = {
  erp: 'sap',
  title: 'SAP S/4HANA',
  settings: SapSettings,
  postingRules: () => SAP_POSTING_RULES,

  async open(settings, context) {
    if (!settings.baseUrl) throw new Error(`ERP connection ${context.id}: baseUrl is required (the address of the SAP system, e.g. https://my-s4.example.com)`);
    return sapConnection({ ...settings, baseUrl: settings.baseUrl });
  },

  simulator: {
    wanted: (settings) => settings.baseUrl === undefined,
    async start(settings, options) {
      const simulator = createSapSimulator({ client: settings.client, user: settings.user, password: settings.password, ...options.tuning });
      const url = await simulator.listen(options.port ?? 0, options.host);
      return { url, settings: { ...settings, baseUrl: url }, handle: simulator, stop: () => simulator.close() };
    },
  },

  demo: (simulator, options) => sapDemo(simulator, options),

  contract: async (): Promise<ContractFixture> => (await import('./contractFixture')).sapContractFixture(),
};
