/**
 * Reads the ERP's planning changes, and the items, work centres and bills of materials
 * they rest on, and keeps them for the floor. The changes go straight to PostgreSQL
 * (planning to its tables, the rest to the master data cache); only a summary returns to
 * the workflow, so its history stays small however large the ERP's planning is.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ErpSystem } from '../domain/erpSystem';
import { type MasterDataChanges, carriedChanges } from '../domain/masterDataNotices';
import type { PlanningRemovals } from '../domain/planning';
import type { ErpConnections } from '../erp/connections';
import type { MasterDataStore } from '../masterData/store';
import type { PlanningStore } from '../planning/store';
import { toActivityFailure } from './erpPostings';

export interface SyncPlanningInput {
  erpSystem: ErpSystem;
  /** The connection whose planning is read (absent in syncs started before connections: the one of their ERP). */
  erpConnection?: string;
  plant: string;
  /** Where the last read stopped; undefined reads everything. */
  cursor?: string;
  /** Start a full read now (an operator asked): what the ERP deleted is removed when it ends. */
  fullRead?: boolean;
}

export interface SyncPlanningResult {
  cursor: string;
  /** The ERP holds more changes than one read takes: read again at once. */
  more: boolean;
  orders: number;
  components: number;
  operations: number;
  items?: number;
  workCentres?: number;
  /** Bills of materials replaced by the ERP's default version. */
  boms?: number;
  /** Orders now released for production (up to 20), for the workflow's details. */
  released: string[];
  /** While a full read runs: its id, whether this read ended it, and the rows it found gone from the ERP. */
  fullRead?: { id: string; ended: boolean; removed: PlanningRemovals };
  /** The master data this read changed, by the floor's codes, for the MES that subscribe (at most CHANGES_CARRIED of each). */
  masterDataChanged?: MasterDataChanges;
}

export function createPlanningActivities({ connections, store, masterData }: { connections: Pick<ErpConnections, 'byId' | 'forErp'>; store: PlanningStore; masterData: MasterDataStore }) {
  return {
    async syncErpPlanning({ erpSystem, erpConnection, plant, cursor, fullRead }: SyncPlanningInput): Promise<SyncPlanningResult> {
      const reader = (erpConnection ? connections.byId(erpConnection) : connections.forErp(erpSystem))?.planning?.reader;
      if (!reader) throw ApplicationFailure.nonRetryable(`no connection on this worker reads planning of ${erpConnection ?? erpSystem}`, 'PlanningNotSupported');
      let result;
      try {
        result = await reader.changesSince(cursor, { fullRead: fullRead === true });
      } catch (error) {
        throw toActivityFailure(error);
      }
      // Applying a change twice leaves the same rows: a retry after a failed write is harmless.
      const removed = await store.apply(erpSystem, plant, result);
      const materials = await masterData.applyErpItems(plant, erpSystem, result.items ?? []);
      const boms = await masterData.applyErpBoms(plant, erpSystem, { versions: result.bomVersions ?? [], lines: result.bomLines ?? [], items: result.items ?? [], fullRead: result.fullRead });
      const workCentresRemoved = await masterData.upsertErpWorkCentres(plant, erpSystem, result.workCentres ?? [], result.fullRead);
      const masterDataChanged = carriedChanges({ materials, boms: boms.replaced, workCentres: (result.workCentres ?? []).map((w) => w.code) });
      return {
        cursor: result.cursor,
        more: result.more,
        orders: result.orders.length,
        components: result.components.length,
        operations: result.operations.length,
        ...(result.items ? { items: result.items.length } : {}),
        ...(result.workCentres ? { workCentres: result.workCentres.length } : {}),
        ...(boms.replaced.length > 0 ? { boms: boms.replaced.length } : {}),
        released: result.orders.filter((o) => o.status === 'released').map((o) => o.erpOrder).slice(0, 20),
        ...(result.fullRead ? { fullRead: { id: result.fullRead.id, ended: result.fullRead.ended, removed: { ...removed, workCentres: workCentresRemoved, bomLines: boms.linesRemoved } } } : {}),
        ...(masterDataChanged ? { masterDataChanged } : {}),
      };
    },
  };
}

export type PlanningActivities = ReturnType<typeof createPlanningActivities>;
