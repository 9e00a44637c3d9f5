/**
 * The master data lookup a production order makes after its release and when it meets
 * a material it has not seen: the answer is recorded in the workflow's history, so the
 * order plans with the same master data on every replay.
 */
import type { MasterDataLookup } from '../domain/masterData';
import type { MasterDataStore } from '../masterData/store';

export interface LoadMasterDataInput {
  plant: string;
  materials: string[];
  /** The header material, whose bill of materials is loaded with it (first lookup only). */
  bomOf?: string;
}

export function createMasterDataActivities({ store }: { store: MasterDataStore }) {
  return {
    async loadMasterData({ plant, materials, bomOf }: LoadMasterDataInput): Promise<MasterDataLookup> {
      return store.lookup(plant, materials, bomOf);
    },
  };
}

export type MasterDataActivities = ReturnType<typeof createMasterDataActivities>;
