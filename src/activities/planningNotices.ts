/**
 * Tells the floor what changed in the ERP's planning since it was last told: for each
 * changed order, the notice (released, changed, cancelled) goes to the order's workflow as
 * a floor event (a release starts the workflow) and to every MES that subscribes. What was
 * told is marked in the planning store only once both have it, so a retry tells the rest;
 * the order and the MES de-duplicate on the notice's id.
 */
import { ApplicationFailure } from '@temporalio/common';
import { type MasterDataChanges, type MasterDataNotice, masterDataNotice, subjectOf, topicOf } from '../domain/masterDataNotices';
import type { MasterDataStore } from '../masterData/store';
import type { ErpSystem } from '../domain/erpSystem';
import { type PlanningNotice, type PlanningNoticeType, floorEventOf, noticeType, orderFingerprint, planningNotice } from '../domain/planningNotices';
import { DeliveryRefused, type OrderDelivery } from '../delivery/orderDelivery';
import { type MesNotifier, NoticeNotDelivered, type Refusal } from '../notices/mesWebhooks';
import type { PlanningStore } from '../planning/store';

/** Orders told per activity; more are told by the next one at once. */
export const NOTICES_PER_CALL = 50;

export interface TellFloorInput {
  erpSystem: ErpSystem;
  erpConnection: string;
  plant: string;
}

export interface TellFloorResult {
  /** Orders told of, by notice. */
  told: Record<PlanningNoticeType, string[]>;
  /** There are more orders to tell of: call again at once. */
  more: boolean;
  /** Messages a MES refused (4xx): not sent again; people are told. */
  refused: Refusal[];
  /** Orders whose workflow could not take the notice (no connection serves the plant). */
  notDelivered: { erpOrder: string; reason: string }[];
}

export function createPlanningNoticeActivities({
  store,
  delivery,
  notifier,
  startsOrders,
  masterData,
}: {
  store: PlanningStore;
  delivery: OrderDelivery;
  notifier: MesNotifier;
  startsOrders: boolean;
  masterData: Pick<MasterDataStore, 'lookup' | 'erpWorkCentres'>;
}) {
  const send = async (notice: MasterDataNotice | PlanningNotice, address: Parameters<MesNotifier['send']>[1]) => {
    try {
      return (await notifier.send(notice, address)).refused;
    } catch (error) {
      if (error instanceof NoticeNotDelivered) throw ApplicationFailure.retryable(error.message, 'NoticeNotDelivered');
      throw error;
    }
  };
  return {
    /**
     * Tells the MES that subscribe of the master data a planning read changed: each material,
     * bill of materials and work centre as the bridge keeps it now. A retry sends only what a
     * MES has not taken (the message ids carry the content's fingerprint).
     */
    async tellFloorOfMasterData({ erpConnection, plant, changes }: { erpConnection: string; plant: string; changes: MasterDataChanges }): Promise<{ told: number; refused: Refusal[] }> {
      const at = new Date().toISOString();
      const where = { plant, erpConnection };
      const notices: MasterDataNotice[] = [];
      const { materials } = await masterData.lookup(plant, changes.materials);
      for (const code of changes.materials) {
        const material = materials[code];
        if (material) notices.push(masterDataNotice({ type: 'materialChanged', material }, where, at));
      }
      for (const parent of changes.boms) {
        const bom = (await masterData.lookup(plant, [], parent)).bom ?? [];
        const components = bom.map(({ component, quantityPer, yieldFactor, scrapAllowance }) => ({ component, quantityPer, yieldFactor, scrapAllowance }));
        notices.push(masterDataNotice({ type: 'bomChanged', parentMaterial: parent, components }, where, at));
      }
      if (changes.workCentres.length > 0) {
        for (const { plant: _plant, erpSystem: _erp, syncedAt: _at, ...workCentre } of (await masterData.erpWorkCentres(plant)).filter((w) => changes.workCentres.includes(w.code))) {
          notices.push(masterDataNotice({ type: 'workCentreChanged', workCentre }, where, at));
        }
      }
      const refused: Refusal[] = [];
      for (const notice of notices) refused.push(...(await send(notice, { subject: subjectOf(notice), topic: topicOf[notice.type] })));
      return { told: notices.length, refused };
    },

    async tellFloorOfPlanning({ erpSystem, erpConnection, plant }: TellFloorInput): Promise<TellFloorResult> {
      const result: TellFloorResult = { told: { orderReleased: [], orderChanged: [], orderCancelled: [] }, more: false, refused: [], notDelivered: [] };
      const orders = await store.toTell(erpSystem, plant, NOTICES_PER_CALL);
      for (const row of orders) {
        const fingerprint = row.order ? orderFingerprint(row.order) : (row.told?.fingerprint ?? 'gone');
        const type = noticeType(row.told, row.order && { status: row.order.status, fingerprint });
        if (type) {
          const notice = planningNotice(type, { plant, erpConnection, erpOrder: row.erpOrder, erpId: row.erpId, fingerprint, ...(row.order ? { order: row.order } : {}) }, new Date().toISOString());
          const event = startsOrders ? floorEventOf(notice) : undefined;
          // A release starts the order's workflow; no notice reopens a closed order (the floor is done with it).
          if (event) {
            const reason = await delivery.deliverUnlessClosed(event, { start: type === 'orderReleased' }).then(
              () => undefined,
              (error: unknown) => {
                if (error instanceof DeliveryRefused) return error.message;
                throw error;
              },
            );
            if (reason) result.notDelivered.push({ erpOrder: row.erpOrder, reason });
          }
          result.refused.push(...(await send(notice, { subject: notice.erpOrder, topic: 'planning' })));
          result.told[type].push(row.erpOrder);
        }
        await store.told(erpSystem, row.erpId, { changes: row.changes, ...(row.order ? { status: row.order.status, fingerprint } : {}) });
      }
      result.more = orders.length === NOTICES_PER_CALL;
      return result;
    },
  };
}

export type PlanningNoticeActivities = ReturnType<typeof createPlanningNoticeActivities>;
