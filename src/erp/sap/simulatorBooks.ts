/**
 * What the SAP simulator holds, as SAP's tables would: production orders with operations
 * (their confirmation numbers) and components (reservations, backflush flags),
 * confirmations, material documents, stock per material, plant, storage location, batch and
 * stock type, and the goods movements that failed (COGI); inspection lots and master data
 * in books of their own (simulatorQuality.ts, simulatorMasterData.ts). Business rules refuse
 * what SAP refuses, with SAP's message class and number; the HTTP side (simulator.ts) turns
 * them into OData answers.
 */
import Big from 'big.js';
import { createSapMasterDataBooks } from './simulatorMasterData';
import { createSapQualityBooks } from './simulatorQuality';
import { type MaterialDocumentRecord, type Movement, SapRefusal, type StockType } from './simulatorTypes';

export interface OrderSeed {
  order: string;
  material: string;
  plant: string;
  quantity: string;
  unit: string;
  storageLocation?: string;
  released?: boolean;
  operations: { operation: string; workCentre: string; text?: string }[];
  components?: { material: string; quantity: string; unit: string; operation: string; backflush?: boolean; storageLocation?: string; batch?: string }[];
}

export interface ConfirmationRecord {
  [field: string]: unknown;
  ConfirmationGroup: string;
  ConfirmationCount: string;
  OrderID: string;
  OrderOperation: string;
  ExternalSystemConfirmation: string | null;
  IsReversed: boolean;
  IsReversal: boolean;
  items: (Movement & { MaterialDocument: string; MaterialDocumentYear: string; MaterialDocumentItem: string })[];
}

export interface FailedMovement {
  confirmation: string;
  movement: Movement;
  message: string;
}

/** Movement types: which stock they take from and put into (undefined: none), and the type that reverses them. */
const MOVEMENTS: Record<string, { from?: StockType; to?: StockType; reversal: string; codes: string[]; order?: boolean }> = {
  '101': { to: 'unrestricted', reversal: '102', codes: ['02'], order: true },
  '102': { from: 'unrestricted', reversal: '101', codes: ['02', '06'], order: true },
  '261': { from: 'unrestricted', reversal: '262', codes: ['03'], order: true },
  '262': { to: 'unrestricted', reversal: '261', codes: ['03', '06'], order: true },
  '531': { to: 'unrestricted', reversal: '532', codes: ['05'], order: true },
  '532': { from: 'unrestricted', reversal: '531', codes: ['05', '06'], order: true },
  '311': { from: 'unrestricted', to: 'unrestricted', reversal: '312', codes: ['04'] },
  '312': { from: 'unrestricted', to: 'unrestricted', reversal: '311', codes: ['04', '06'] },
  '343': { from: 'blocked', to: 'unrestricted', reversal: '344', codes: ['04'] },
  '344': { from: 'unrestricted', to: 'blocked', reversal: '343', codes: ['04'] },
  '321': { from: 'quality', to: 'unrestricted', reversal: '322', codes: ['04'] },
  '350': { from: 'quality', to: 'blocked', reversal: '349', codes: ['04'] },
  '555': { from: 'blocked', reversal: '556', codes: ['04'] },
};
/** InventoryStockType as SAP writes it on items: 01 unrestricted, 02 quality inspection, 07 blocked. */
const STOCK_TYPE_CODE: Record<StockType, string> = { unrestricted: '01', quality: '02', blocked: '07' };

export function createSapBooks(options: { strictStock?: boolean } = {}) {
  const orders = new Map<string, { header: Record<string, unknown>; operations: Record<string, unknown>[]; components: Record<string, unknown>[] }>();
  const confirmations: ConfirmationRecord[] = [];
  const documents: MaterialDocumentRecord[] = [];
  const stock = new Map<string, Big>();
  const failed: FailedMovement[] = [];
  const failing = new Map<string, string>();
  const locks = new Map<string, { user: string; until: number }>();
  const masterData = createSapMasterDataBooks();
  let nextDocument = 4900000000;
  let nextGroup = 1000;
  let nextReservation = 1000;

  /** SAP's change stamp, YYYYMMDDhhmmss. */
  const changedNow = () => new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const stockKey = (material: string, plant: string, sloc: string, batch: string, type: StockType) => [material, plant, sloc, batch, type].join('|');
  const quantityOf = (key: string) => stock.get(key) ?? new Big(0);

  function lockOf(object: string): { user: string } | undefined {
    const lock = locks.get(object);
    if (lock && lock.until > Date.now()) return lock;
    locks.delete(object);
    return undefined;
  }

  function orderOf(number: string) {
    const order = orders.get(number);
    if (!order) throw new SapRefusal('C6/003', `Order ${number} does not exist`);
    return order;
  }

  /** Books a movement on stock, or refuses it as SAP would (a deficit, a lock). */
  function move(movement: Movement, stockType: StockType | undefined = undefined) {
    const rule = MOVEMENTS[movement.GoodsMovementType];
    if (!rule) throw new SapRefusal('M7/095', `Movement type ${movement.GoodsMovementType} is not defined`);
    const lock = lockOf(`material:${movement.Material}`);
    if (lock) throw new SapRefusal('M3/897', `Plant data of material ${movement.Material} is locked by user ${lock.user}`, 400, true);
    const quantity = new Big(movement.QuantityInEntryUnit);
    if (quantity.lte(0)) throw new SapRefusal('M7/081', 'Enter a quantity');
    const { Material: m, Plant: p, StorageLocation: s, Batch: b } = movement;
    if (rule.from) {
      const from = stockKey(m, p, s, b, rule.from);
      if (options.strictStock && quantityOf(from).lt(quantity)) {
        throw new SapRefusal('M7/021', `Deficit of SL ${rule.from === 'unrestricted' ? 'Unrestricted-use' : rule.from === 'blocked' ? 'Blocked stock' : 'Quality inspection'} ${quantity.minus(quantityOf(from)).toString()} ${movement.EntryUnit} : ${m} ${p} ${s}`);
      }
      stock.set(from, quantityOf(from).minus(quantity));
    }
    if (rule.to) {
      const target = stockType ?? rule.to;
      const to = stockKey(m, p, rule.from && movement.IssuingOrReceivingStorageLoc ? movement.IssuingOrReceivingStorageLoc : s, b, target);
      stock.set(to, quantityOf(to).plus(quantity));
      movement.InventoryStockType = STOCK_TYPE_CODE[target];
    }
  }

  function newDocument(code: string, day: string, text: string, movements: Movement[]): MaterialDocumentRecord {
    const number = String(nextDocument++);
    const record: MaterialDocumentRecord = {
      MaterialDocument: number,
      MaterialDocumentYear: new Date(Number(/\d+/.exec(day)?.[0] ?? Date.now())).getUTCFullYear().toString(),
      GoodsMovementCode: code,
      PostingDate: day,
      DocumentDate: day,
      MaterialDocumentHeaderText: text,
      ReferenceDocument: '',
      items: movements.map((m, i) => ({ ...m, MaterialDocumentItem: String(i + 1).padStart(4, '0') })),
    };
    documents.push(record);
    return record;
  }

  /** An item of a request as SAP keeps it: every text field a string, none missing. */
  const TEXT_FIELDS = ['Material', 'Plant', 'StorageLocation', 'Batch', 'GoodsMovementType', 'EntryUnit', 'ManufacturingOrder', 'Reservation', 'ReservationItem', 'IssuingOrReceivingStorageLoc', 'MaterialDocumentItemText', 'ReversedMaterialDocument', 'ReversedMaterialDocumentYear', 'ReversedMaterialDocumentItem'] as const;
  const movementOf = (item: Record<string, unknown>): Movement =>
    ({
      ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, String(item[field] ?? '')])),
      QuantityInEntryUnit: String(item.QuantityInEntryUnit ?? '0'),
      InventoryStockType: '',
      GoodsMovementIsCancelled: false,
      serialNumbers: ((item.to_SerialNumbers as { results?: { SerialNumber?: string }[] } | undefined)?.results ?? []).map((s) => String(s.SerialNumber ?? '')),
    }) as Movement;

  /** A material with a serial number profile in its plant moves by serial numbers, one per unit. */
  function checkSerials(movement: Movement, at: string) {
    const product = masterData.productOf(movement.Material, movement.Plant);
    if (!product?.SerialNumberProfile) return;
    const units = new Big(movement.QuantityInEntryUnit);
    if (!units.eq(movement.serialNumbers.length)) throw new SapRefusal('M7/574', `${at}: material ${movement.Material} is serialized (profile ${String(product.SerialNumberProfile)}): enter ${units.toString()} serial numbers, not ${movement.serialNumbers.length}`);
  }

  /** A reversal with reference takes back at most what the item it names still holds. */
  function checkReference(movement: Movement) {
    if (!movement.ReversedMaterialDocument) return;
    const original = documents.find((d) => d.MaterialDocument === movement.ReversedMaterialDocument && d.MaterialDocumentYear === movement.ReversedMaterialDocumentYear);
    const item = original?.items.find((i) => i.MaterialDocumentItem === (movement.ReversedMaterialDocumentItem || '0001'));
    if (!item) throw new SapRefusal('M7/060', `Material document ${movement.ReversedMaterialDocument} ${movement.ReversedMaterialDocumentYear} item ${movement.ReversedMaterialDocumentItem} does not exist`);
    if (MOVEMENTS[item.GoodsMovementType]?.reversal !== movement.GoodsMovementType) throw new SapRefusal('M7/318', `Movement type ${movement.GoodsMovementType} does not reverse ${item.GoodsMovementType}`);
    const reversed = documents
      .flatMap((d) => d.items)
      .filter((i) => i.ReversedMaterialDocument === movement.ReversedMaterialDocument && i.ReversedMaterialDocumentYear === movement.ReversedMaterialDocumentYear && i.ReversedMaterialDocumentItem === item.MaterialDocumentItem)
      .reduce((sum, i) => sum.plus(i.QuantityInEntryUnit), new Big(0));
    const left = new Big(item.QuantityInEntryUnit).minus(reversed);
    if (item.GoodsMovementIsCancelled || new Big(movement.QuantityInEntryUnit).gt(left)) throw new SapRefusal('M7/022', `Only ${left.toString()} ${item.EntryUnit} of material document ${movement.ReversedMaterialDocument} item ${item.MaterialDocumentItem} are left to reverse`);
  }

  const quality = createSapQualityBooks({
    move,
    newDocument,
    movementOf,
    scrap(material, plant, storageLocation, batch, type, quantity) {
      const from = stockKey(material, plant, storageLocation, batch, type);
      stock.set(from, quantityOf(from).minus(quantity));
    },
  });

  function checkOrderMovement(movement: Movement) {
    const rule = MOVEMENTS[movement.GoodsMovementType];
    if (!rule?.order) return;
    if (!movement.ManufacturingOrder) throw new SapRefusal('M7/146', `Enter an order for movement type ${movement.GoodsMovementType}`);
    const order = orderOf(movement.ManufacturingOrder);
    if (order.header.OrderIsReleased !== 'X') throw new SapRefusal('M7/352', `Order ${movement.ManufacturingOrder} is not released`);
    if (movement.Reservation) {
      const component = order.components.find((c) => c.Reservation === movement.Reservation && c.ReservationItem === movement.ReservationItem);
      if (!component) throw new SapRefusal('M7/034', `Reservation ${movement.Reservation} ${movement.ReservationItem} does not exist`);
      if (component.Material !== movement.Material) throw new SapRefusal('M7/365', `Reservation item ${movement.Reservation} ${movement.ReservationItem} is for material ${String(component.Material)}, not ${movement.Material}`);
    }
  }

  return {
    orders,
    ...masterData,
    confirmations,
    documents,
    failed,
    lots: quality.lots,
    inspect: quality.inspect,
    recordResult: quality.recordResult,
    usageDecision: quality.usageDecision,
    postLotStock: quality.postLotStock,
    seedOrder(seed: OrderSeed) {
      const number = seed.order.padStart(12, '0');
      const routing = String(nextGroup++).padStart(10, '0');
      const operations = seed.operations.map((o, i) => ({
        OrderInternalBillOfOperations: routing,
        OrderIntBillOfOperationsItem: String(i + 1).padStart(8, '0'),
        ManufacturingOrder: number,
        ManufacturingOrderSequence: '0',
        ManufacturingOrderOperation: o.operation.padStart(4, '0'),
        MfgOrderOperationText: o.text ?? `Operation ${o.operation}`,
        WorkCenter: o.workCentre,
        ProductionPlant: seed.plant,
        OperationIsReleased: seed.released === false ? '' : 'X',
        OperationUnit: seed.unit,
        OpPlannedTotalQuantity: seed.quantity,
        /** The confirmation number (RUECK) each operation is confirmed under. */
        ConfirmationGroup: String(nextGroup++).padStart(10, '0'),
        LastChangeDateTime: changedNow(),
      }));
      const reservation = String(nextReservation++).padStart(10, '0');
      const components = (seed.components ?? []).map((c, i) => ({
        Reservation: reservation,
        ReservationItem: String(i + 1).padStart(4, '0'),
        ReservationRecordType: '',
        Material: c.material,
        Plant: seed.plant,
        ManufacturingOrder: number,
        ManufacturingOrderOperation: c.operation.padStart(4, '0'),
        StorageLocation: c.storageLocation ?? '',
        Batch: c.batch ?? '',
        RequiredQuantity: c.quantity,
        BaseUnit: c.unit,
        MatlCompIsMarkedForBackflush: c.backflush === true,
        GoodsMovementType: '261',
        WithdrawnQuantity: '0',
        LastChangeDateTime: changedNow(),
      }));
      const header = {
        ManufacturingOrder: number,
        ManufacturingOrderType: 'YBM1',
        Material: seed.material,
        ProductionPlant: seed.plant,
        Plant: seed.plant,
        StorageLocation: seed.storageLocation ?? '',
        TotalQuantity: seed.quantity,
        ProductionUnit: seed.unit,
        OrderIsReleased: seed.released === false ? '' : 'X',
        OrderIsDeleted: '',
        MfgOrderConfirmedYieldQty: '0',
        LastChangeDateTime: changedNow(),
      };
      orders.set(number, { header, operations, components });
      return { order: number, reservation, operations: operations.map((o) => ({ operation: o.ManufacturingOrderOperation, confirmationGroup: o.ConfirmationGroup })) };
    },
    seedStock(material: string, plant: string, storageLocation: string, quantity: string, options: { batch?: string; type?: StockType } = {}) {
      const key = stockKey(material, plant, storageLocation, options.batch ?? '', options.type ?? 'unrestricted');
      stock.set(key, quantityOf(key).plus(quantity));
    },
    failGoodsMovements(material: string, message?: string) {
      if (message === undefined) failing.delete(material);
      else failing.set(material, message);
    },
    lock(object: `material:${string}` | `order:${string}`, forMs: number, user = 'JSMITH') {
      locks.set(object, { user, until: Date.now() + forMs });
    },
    stockOf(material: string, type: StockType = 'unrestricted', plant?: string): string {
      let total = new Big(0);
      for (const [key, quantity] of stock) {
        const [m, p, , , t] = key.split('|');
        if (m === material && t === type && (plant === undefined || p === plant)) total = total.plus(quantity);
      }
      return total.toString();
    },
    stockRows() {
      return [...stock].map(([key, quantity]) => {
        const [material, plant, storageLocation, batch, stockType] = key.split('|');
        return { material, plant, storageLocation, batch, stockType, quantity: quantity.toString() };
      });
    },

    /** A confirmation (CO11N): its goods movements post with it, or fail into COGI while it is saved. */
    confirm(body: Record<string, unknown>): { record: ConfirmationRecord; messages: { code: string; message: string; severity: string }[] } {
      const number = String(body.OrderID ?? '');
      if (!number) throw new SapRefusal('RU/004', 'Enter an order number');
      const order = orderOf(number);
      const lock = lockOf(`order:${number}`);
      if (lock) throw new SapRefusal('CO/049', `Order ${number} is currently being processed by user ${lock.user}`, 400, true);
      if (order.header.OrderIsReleased !== 'X') throw new SapRefusal('RU/111', `Order ${number} is not released`);
      const operation = order.operations.find((o) => o.ManufacturingOrderOperation === body.OrderOperation);
      if (!operation) throw new SapRefusal('RU/102', `Operation ${String(body.OrderOperation)} of order ${number} does not exist`);
      const group = String(operation.ConfirmationGroup);
      const count = String(confirmations.filter((c) => c.ConfirmationGroup === group).length + 1).padStart(8, '0');
      const unit = String(body.ConfirmationUnit ?? order.header.ProductionUnit);
      if (body.ConfirmationUnit !== undefined && unit !== order.header.ProductionUnit) throw new SapRefusal('RU/353', `Unit ${unit} cannot be converted into the operation's unit ${String(order.header.ProductionUnit)}`);
      const itemRows = ((body.to_ProdnOrdConfMatlDocItm as { results?: Record<string, unknown>[] } | undefined)?.results ?? []).map(movementOf);
      const messages: { code: string; message: string; severity: string }[] = [];
      const posted: Movement[] = [];
      for (const movement of itemRows) {
        movement.ManufacturingOrder ||= number;
        try {
          checkOrderMovement(movement);
          // SAP makes no automatic goods movement of a serialized material: it always goes to COGI.
          checkSerials(movement, `Goods movement ${movement.GoodsMovementType}`);
          const reason = failing.get(movement.Material);
          // An empty reason: SAP's own deficit message for this movement.
          if (reason !== undefined) throw new SapRefusal('M7/021', reason || `Deficit of SL Unrestricted-use ${movement.QuantityInEntryUnit} ${movement.EntryUnit} : ${movement.Material} ${movement.Plant} ${movement.StorageLocation}`);
          move(movement);
          posted.push(movement);
        } catch (error) {
          if (!(error instanceof SapRefusal)) throw error;
          const message = `${error.code} ${error.message}`;
          failed.push({ confirmation: `${group}/${count}`, movement, message });
          messages.push({ code: error.code, message: `Goods movement ${movement.GoodsMovementType} of ${movement.Material} not posted (COGI): ${error.message}`, severity: 'warning' });
        }
      }
      const day = String(body.PostingDate ?? `/Date(${Date.now()})/`);
      const document = posted.length ? newDocument('02', day, '', posted) : undefined;
      const record: ConfirmationRecord = {
        ...body,
        ConfirmationGroup: group,
        ConfirmationCount: count,
        OrderID: number,
        OrderOperation: String(body.OrderOperation),
        ConfirmationUnit: unit,
        ExternalSystemConfirmation: (body.ExternalSystemConfirmation as string | undefined) ?? null,
        IsReversed: false,
        IsReversal: false,
        IsFinalConfirmation: body.FinalConfirmationType === 'X',
        ConfirmationEntryDate: `/Date(${Date.now()})/`,
        items: document ? document.items.map((i) => ({ ...i, MaterialDocument: document.MaterialDocument, MaterialDocumentYear: document.MaterialDocumentYear })) : [],
      };
      delete record.to_ProdnOrdConfMatlDocItm;
      confirmations.push(record);
      order.header.MfgOrderConfirmedYieldQty = new Big(String(order.header.MfgOrderConfirmedYieldQty)).plus(String(body.ConfirmationYieldQuantity ?? '0')).toString();
      order.header.OrderIsPartiallyConfirmed = 'X';
      order.header.LastChangeDateTime = changedNow();
      return { record, messages };
    },

    cancelConfirmation(group: string, count: string, externalKey: string | undefined, day: string): ConfirmationRecord {
      const original = confirmations.find((c) => c.ConfirmationGroup === group && c.ConfirmationCount === count);
      if (!original) throw new SapRefusal('RU/016', `Confirmation ${group} ${count} does not exist`);
      if (original.IsReversed || original.IsReversal) throw new SapRefusal('RU/024', `Confirmation ${group} ${count} has already been cancelled`);
      const reversedItems = original.items.map((item) => {
        const back = { ...movementOf(item as unknown as Record<string, unknown>), GoodsMovementType: MOVEMENTS[item.GoodsMovementType]!.reversal, ReversedMaterialDocument: item.MaterialDocument, ReversedMaterialDocumentYear: item.MaterialDocumentYear, ReversedMaterialDocumentItem: item.MaterialDocumentItem };
        move(back);
        return back;
      });
      // What failed with it is no longer to be posted.
      for (let i = failed.length - 1; i >= 0; i--) if (failed[i]!.confirmation === `${group}/${count}`) failed.splice(i, 1);
      const document = reversedItems.length ? newDocument('06', day, '', reversedItems) : undefined;
      original.IsReversed = true;
      const record: ConfirmationRecord = {
        ...original,
        ConfirmationCount: String(confirmations.filter((c) => c.ConfirmationGroup === group).length + 1).padStart(8, '0'),
        ExternalSystemConfirmation: externalKey ?? null,
        IsReversed: false,
        IsReversal: true,
        items: document ? document.items.map((i) => ({ ...i, MaterialDocument: document.MaterialDocument, MaterialDocumentYear: document.MaterialDocumentYear })) : [],
      };
      confirmations.push(record);
      const order = orderOf(original.OrderID);
      order.header.MfgOrderConfirmedYieldQty = new Big(String(order.header.MfgOrderConfirmedYieldQty)).minus(String(original.ConfirmationYieldQuantity ?? '0')).toString();
      return record;
    },

    /** COGI: a person fixed the cause and reprocesses what failed; what posts now joins its confirmation. */
    reprocessFailedMovements(): number {
      let posted = 0;
      for (let i = 0; i < failed.length; ) {
        const entry = failed[i]!;
        if (failing.has(entry.movement.Material)) {
          i++;
          continue;
        }
        move(entry.movement);
        const [group, count] = entry.confirmation.split('/');
        const confirmation = confirmations.find((c) => c.ConfirmationGroup === group && c.ConfirmationCount === count)!;
        const document = newDocument('02', `/Date(${Date.now()})/`, '', [entry.movement]);
        confirmation.items.push(...document.items.map((item) => ({ ...item, MaterialDocument: document.MaterialDocument, MaterialDocumentYear: document.MaterialDocumentYear })));
        failed.splice(i, 1);
        posted++;
      }
      return posted;
    },

    postDocument(body: Record<string, unknown>): MaterialDocumentRecord {
      const code = String(body.GoodsMovementCode ?? '');
      const movements = ((body.to_MaterialDocumentItem as { results?: Record<string, unknown>[] } | undefined)?.results ?? []).map(movementOf);
      if (movements.length === 0) throw new SapRefusal('M7/053', 'Enter at least one item');
      for (const [i, movement] of movements.entries()) {
        const rule = MOVEMENTS[movement.GoodsMovementType];
        if (!rule) throw new SapRefusal('M7/095', `Item ${i + 1}: movement type ${movement.GoodsMovementType} is not defined`);
        if (!rule.codes.includes(code)) throw new SapRefusal('M7/317', `Item ${i + 1}: movement type ${movement.GoodsMovementType} is not allowed with goods movement code ${code}`);
        if (!movement.Material || !movement.Plant) throw new SapRefusal('M7/018', `Item ${i + 1}: enter material and plant`);
        if (rule.from && rule.to && rule.from === rule.to && !movement.IssuingOrReceivingStorageLoc) throw new SapRefusal('M7/018', `Item ${i + 1}: enter the receiving storage location`);
        checkOrderMovement(movement);
        checkReference(movement);
        checkSerials(movement, `Item ${i + 1}`);
      }
      // All or nothing, as one LUW: check every item's stock before any is booked.
      const snapshot = new Map(stock);
      const lotsBefore = quality.lots.length;
      try {
        for (const movement of movements) move(movement, quality.receive(movement, movement.ManufacturingOrder));
      } catch (error) {
        stock.clear();
        for (const [k, v] of snapshot) stock.set(k, v);
        quality.lots.length = lotsBefore;
        throw error;
      }
      return newDocument(code, String(body.PostingDate ?? `/Date(${Date.now()})/`), String(body.MaterialDocumentHeaderText ?? ''), movements);
    },

    cancelDocument(year: string, number: string, day: string): MaterialDocumentRecord {
      const original = documents.find((d) => d.MaterialDocumentYear === year && d.MaterialDocument === number);
      if (!original) throw new SapRefusal('M7/060', `Material document ${number} ${year} does not exist`);
      if (original.items.every((i) => i.GoodsMovementIsCancelled)) throw new SapRefusal('M7/064', `Material document ${number} ${year} has already been cancelled`);
      const back = original.items.map((item) => ({
        ...item,
        GoodsMovementType: MOVEMENTS[item.GoodsMovementType]!.reversal,
        // A transfer goes back from where it went.
        StorageLocation: item.IssuingOrReceivingStorageLoc || item.StorageLocation,
        IssuingOrReceivingStorageLoc: item.IssuingOrReceivingStorageLoc ? item.StorageLocation : '',
        ReversedMaterialDocument: number,
        ReversedMaterialDocumentYear: year,
        ReversedMaterialDocumentItem: item.MaterialDocumentItem,
      }));
      for (const movement of back) move(movement);
      for (const item of original.items) item.GoodsMovementIsCancelled = true;
      return newDocument('06', day, '', back);
    },

  };
}

export type SapBooks = ReturnType<typeof createSapBooks>;
