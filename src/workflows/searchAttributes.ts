/**
 * Typed search attributes: what operators filter on in the Web UI and
 * `temporal workflow list --query`. The dev server registers exactly this list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ProductionOrderKey = defineSearchAttributeKey('ProductionOrder', SearchAttributeType.KEYWORD);
export const PlantKey = defineSearchAttributeKey('Plant', SearchAttributeType.KEYWORD);
export const ErpSystemKey = defineSearchAttributeKey('ErpSystem', SearchAttributeType.KEYWORD);
/** The ERP connection an order posts to (e.g. division-a): several may share an ERP. */
export const ErpConnectionKey = defineSearchAttributeKey('ErpConnection', SearchAttributeType.KEYWORD);
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const ErpSyncStatusKey = defineSearchAttributeKey('ErpSyncStatus', SearchAttributeType.KEYWORD);
/** On machine workflows: the machine; they carry Plant, and ProductionOrder while an order runs on them. */
export const MachineKey = defineSearchAttributeKey('Machine', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [ProductionOrderKey, PlantKey, ErpSystemKey, ErpConnectionKey, OrderStatusKey, ErpSyncStatusKey, MachineKey];
