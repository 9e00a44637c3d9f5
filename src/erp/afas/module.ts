/**
 * AFAS Profit as a module of the bridge: a connection is one AFAS environment, signed in
 * with an app connector's token, the floor's plants mapped to warehouses. It posts through
 * UpdateConnectors (adapter.ts) and finds its earlier posts through the GetConnectors the
 * customer publishes for it.
 */
import type { ContractFixture, ErpModule } from '../module';
import { afasPostingRules } from './adapter';
import { afasConnection } from './connection';
import { afasDemo } from './demoFactory';
import { AfasSettings } from './settings';
import { createAfasSimulator } from './simulator';

export const afasModule: ErpModule<AfasSettings> = {
  erp: 'afas',
  title: 'AFAS Profit',
  settings: AfasSettings,
  postingRules: (settings) => afasPostingRules(settings),

  async open(settings, context) {
    if (!settings.baseUrl) throw new Error(`ERP connection ${context.id}: baseUrl is required (e.g. https://12345.rest.afas.online/ProfitRestServices)`);
    if (settings.productionPreparations === 'create' && !settings.productionOrders) {
      throw new Error(`ERP connection ${context.id}: productionPreparations: create needs productionOrders, the GetConnector that shows whether AFAS holds an order already`);
    }
    return afasConnection({ ...settings, baseUrl: settings.baseUrl }, context);
  },

  simulator: {
    wanted: (settings) => settings.baseUrl === undefined,
    async start(settings, options) {
      const simulator = createAfasSimulator({ token: settings.token, getConnectors: settings.getConnectors });
      for (const plant of Object.values(settings.afasPlants)) for (const warehouse of [plant.warehouse, plant.quarantine?.warehouse]) if (warehouse) simulator.seedWarehouse(warehouse);
      for (const workType of Object.values(settings.workTypes)) simulator.seedWorkType(workType);
      if (settings.periodClose) {
        simulator.seedJournal(settings.periodClose.journal);
        simulator.seedAccount(...Object.values(settings.periodClose.accounts));
      }
      const url = await simulator.listen(options.port ?? 0, options.host);
      return { url, settings: { ...settings, baseUrl: url }, handle: simulator, stop: () => simulator.close() };
    },
  },

  demo: (simulator, options) => afasDemo(simulator, options),

  contract: async (): Promise<ContractFixture> => (await import('./contractFixture')).afasContractFixture(),
};
