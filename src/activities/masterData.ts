/**
 * The master data lookup a production order makes after its release and when it meets
 * a material it has not seen: the answer is recorded in the workflow's history, so the
 * order plans with the same master data on every replay.
 */
import type { CallBudget } from '../domain/callBudget';
import type { MasterDataLookup } from '../domain/masterData';
import type { MasterDataStore } from '../masterData/store';

export interface LoadMasterDataInput {
  plant: string;
  materials: string[];
  /** The header material, whose bill of materials is loaded with it (first lookup only). */
  bomOf?: string;
  /** The order's ERP connection, whose call budget comes back with the master data. */
  erpConnection?: string;
}

export interface MasterDataDependencies {
  store: MasterDataStore;
  /** A connection's call budget as this worker knows it, where its ERP has one. */
  budgetOf?: (erpConnection: string) => CallBudget | undefined;
}

export function createMasterDataActivities({ store, budgetOf }: MasterDataDependencies) {
  return {
    /** The master data an order plans with, and (so that an order that has not posted yet sizes its batch window too) its connection's call budget. */
    async loadMasterData({ plant, materials, bomOf, erpConnection }: LoadMasterDataInput): Promise<MasterDataLookup & { budget?: CallBudget }> {
      const lookup = await store.lookup(plant, materials, bomOf);
      const budget = erpConnection ? budgetOf?.(erpConnection) : undefined;
      return budget && budget.windows.length > 0 ? { ...lookup, budget } : lookup;
    },
  };
}

export type MasterDataActivities = ReturnType<typeof createMasterDataActivities>;
