/** What every AFAS posting kind works with: the transport, the settings, the plant's warehouse, and the contract check every body passes. */
import type { DocumentPosting } from '../../domain/postings';
import { ErpError } from '../adapter';
import { type AfasConnector, afasContractProblems } from './contract';
import { mappedPlant } from '../module';
import type { AfasPlant, AfasSettings } from './settings';
import type { AfasTransport } from './transport';

export interface AfasContext {
  transport: AfasTransport;
  settings: AfasSettings;
  plantOf(document: Pick<DocumentPosting, 'plant'>): AfasPlant;
  /** Posts a body its connector's schema accepts; a refused one is never sent (ValidationRejected, naming each field). */
  update(connector: AfasConnector, body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export function createAfasContext(transport: AfasTransport, settings: AfasSettings): AfasContext {
  return {
    transport,
    settings,
    plantOf: (document) => mappedPlant(settings.afasPlants, document.plant, 'AFAS warehouse', 'afasPlants'),
    update(connector, body) {
      const problems = afasContractProblems(connector, 'POST', body);
      if (problems.length > 0) throw new ErpError(`the ${connector} the bridge would send breaks AFAS's schema: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, 'needsPerson', 'ValidationRejected');
      return transport.update(connector, body);
    },
  };
}
