/** A connection to one AFAS Profit environment: what the bridge does over it (post, check). */
import { connectionUnavailableAlert } from '../../domain/alerts';
import type { ErpError } from '../adapter';
import type { ConnectionContext, OpenedConnection } from '../module';
import { createAfasAdapter } from './adapter';
import { createAfasContext } from './context';
import { createAfasPlanningReader } from './planning';
import type { AfasSettings } from './settings';
import { createAfasTransport } from './transport';

export function afasConnection(settings: AfasSettings & { baseUrl: string }, context: Partial<Pick<ConnectionContext, 'id' | 'raiseAlert'>> = {}): OpenedConnection {
  const description = `AFAS Profit at ${new URL(settings.baseUrl).host}`;
  // Maintenance is one calm alert for the window, not one per posting that meets it.
  let announcedUntil = 0;
  const onMaintenance = (error: ErpError) => {
    const until = Date.now() + (error.details.retryAfterMs ?? 0);
    if (Date.now() < announcedUntil || !context.raiseAlert) return;
    announcedUntil = until;
    const alert = connectionUnavailableAlert({ id: context.id ?? description, description }, error.message, new Date(until));
    context.raiseAlert(alert).catch((failure: unknown) => console.error(`the alert "${alert.title}" could not be raised: ${String(failure)}`));
  };
  const transport = createAfasTransport({ baseUrl: settings.baseUrl, token: settings.token, integrationId: settings.integrationId, timeoutMs: settings.timeoutMs, onMaintenance });
  const planning = settings.planningPlant ? { plant: settings.planningPlant, reader: createAfasPlanningReader(transport, { masterDataReadEveryMs: settings.masterDataReadEveryMs, productionOrders: settings.productionOrders }) } : undefined;
  return {
    adapter: createAfasAdapter(createAfasContext(transport, settings), planning?.reader),
    description,
    ...(planning ? { planning } : {}),
    maxPostingsPerSecond: settings.maxPostingsPerSecond,
    async check() {
      const checkedAt = new Date().toISOString();
      try {
        // A cheap read of the bridge's own GetConnector: it must be published for any post to be recognised again.
        await transport.get(settings.getConnectors.stockMutations, { orderBy: 'Id', take: 1 });
        // Every warehouse the plants post into must be AFAS's, and open.
        const wanted = [...new Set(Object.values(settings.afasPlants).flatMap((p) => [p.warehouse, ...(p.quarantine ? [p.quarantine.warehouse] : [])]))];
        const held = await transport.get<{ Warehouse: string; Blocked?: boolean }>('Profit_Warehouses', { orderBy: 'Warehouse', take: 1000 });
        const missing = wanted.filter((w) => !held.some((h) => h.Warehouse === w && h.Blocked !== true));
        if (missing.length > 0) return { ok: false, detail: `${description}: no open warehouse ${missing.join(', ')} in Profit_Warehouses (afasPlants names it)`, checkedAt };
        return { ok: true, detail: `${description} answers (GetConnector ${settings.getConnectors.stockMutations} readable, warehouses ${wanted.join(', ')} open)`, checkedAt };
      } catch (error) {
        return { ok: false, detail: `${description}: ${error instanceof Error ? error.message : String(error)}`, checkedAt };
      }
    },
    state: async () => ({ state: 'Connected', authentication: 'AfasToken', ...(settings.integrationId ? { integrationId: settings.integrationId } : {}) }),
  };
}
