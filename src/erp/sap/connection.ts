/** A connection to one SAP client: what the bridge does over it (post, take IDocs in, check). */
import type { OpenedConnection } from '../module';
import { createSapAdapter } from './adapter';
import { createSapContext } from './context';
import { loiproChannel } from './inbound';
import { createSapPlanningReader } from './planning';
import type { SapSettings } from './settings';
import { createSapTransport } from './transport';

export function sapConnection(settings: SapSettings & { baseUrl: string }): OpenedConnection {
  const transport = createSapTransport({ baseUrl: settings.baseUrl, client: settings.client, user: settings.user, password: settings.password, timeoutMs: settings.timeoutMs });
  const sap = createSapContext(transport, settings);
  const description = `SAP S/4HANA client ${settings.client} at ${new URL(settings.baseUrl).host}`;
  const planningPlant = settings.planningPlant;
  const plannedIn = planningPlant ? settings.sapPlants[planningPlant]?.plant : undefined;
  if (planningPlant && !plannedIn) throw new Error(`planningPlant ${planningPlant} has no SAP plant in sapPlants`);
  const planning = planningPlant && plannedIn ? { plant: planningPlant, reader: createSapPlanningReader(transport, plannedIn, { masterDataReadEveryMs: settings.masterDataReadEveryMs, wholeUnits: settings.wholeUnits }) } : undefined;
  return {
    adapter: createSapAdapter(sap, planning?.reader),
    description,
    ...(planning ? { planning } : {}),
    maxPostingsPerSecond: settings.maxPostingsPerSecond,
    inbound: { idoc: loiproChannel(settings) },
    async check() {
      const checkedAt = new Date().toISOString();
      try {
        const orders = await transport.rows('API_PRODUCTION_ORDER_2_SRV', 'A_ProductionOrder_2', { select: ['ManufacturingOrder'], top: 1 }, 1);
        return { ok: true, detail: `${description} answers (${orders.length ? 'production orders readable' : 'no production orders yet'})`, checkedAt };
      } catch (error) {
        return { ok: false, detail: `${description}: ${error instanceof Error ? error.message : String(error)}`, checkedAt };
      }
    },
    state: async () => ({ state: 'Connected', authentication: 'basic (communication user)', client: settings.client, user: settings.user }),
  };
}
