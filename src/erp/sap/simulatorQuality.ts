/**
 * The SAP simulator's quality management: inspection lots made by goods receipts of inspected
 * materials (origin 04), their characteristics and results (QE51N), usage decisions, and the
 * lot's stock postings (QA11) out of quality inspection stock, booked on the simulator's stock.
 */
import Big from 'big.js';
import { type MaterialDocumentRecord, type Movement, SapRefusal, type StockType } from './simulatorTypes';

export interface InspectionLotRecord {
  InspectionLot: string;
  Material: string;
  Plant: string;
  ManufacturingOrder: string;
  InspectionLotOrigin: string;
  InspectionLotQuantity: string;
  InspectionLotQuantityUnit: string;
  InspLotQtyToBePosted: string;
  InspLotQtyToFree: string;
  InspLotQtyToBlocked: string;
  InspLotQtyToScrap: string;
  InspectionLotHasUsageDecision: boolean;
  InspLotIsStockPostingCompleted: boolean;
  StorageLocation: string;
  Batch: string;
  decision?: Record<string, unknown>;
  characteristics: Record<string, unknown>[];
  results: Record<string, unknown>[];
  items: { InspectionLot: string; InspLotMatlDocItem: string; InspLotQtyPosted: string; UsageDecisionStockType: string; StorageLocation: string; MaterialDocumentItemText: string; MaterialDocument: string; MaterialDocumentYear: string }[];
}

/** What quality management books through: the simulator's stock and material documents. */
export interface StockBook {
  move(movement: Movement, stockType?: StockType): void;
  newDocument(code: string, day: string, text: string, movements: Movement[]): MaterialDocumentRecord;
  movementOf(item: Record<string, unknown>): Movement;
  /** Takes stock out altogether (scrap from a lot). */
  scrap(material: string, plant: string, storageLocation: string, batch: string, type: StockType, quantity: Big): void;
}

export function createSapQualityBooks(stock: StockBook) {
  const lots: InspectionLotRecord[] = [];
  /** Per plant|material inspected on receipt: the master inspection characteristics of its inspection plan. */
  const inspected = new Map<string, string[]>();
  let nextLot = 10000000;

  /** A receipt of a material SAP inspects lands in quality inspection stock, under a new lot. */
  function receive(movement: Movement, orderNumber: string): StockType | undefined {
    const plan = inspected.get(`${movement.Plant}|${movement.Material}`);
    if (movement.GoodsMovementType !== '101' || !plan) return undefined;
    const lot = String(nextLot++).padStart(12, '0');
    lots.push({
      InspectionLot: lot,
      characteristics: plan.map((mic, i) => ({ InspectionLot: lot, InspPlanOperationInternalID: '00000001', InspectionCharacteristic: String((i + 1) * 10).padStart(4, '0'), InspectionSpecification: mic, InspectionSpecificationText: `${mic} (simulated plan)`, InspectionSpecificationPlant: movement.Plant, InspSpecIsQuantitative: true })),
      results: [],
      Material: movement.Material,
      Plant: movement.Plant,
      ManufacturingOrder: orderNumber,
      InspectionLotOrigin: '04',
      InspectionLotQuantity: movement.QuantityInEntryUnit,
      InspectionLotQuantityUnit: movement.EntryUnit,
      InspLotQtyToBePosted: movement.QuantityInEntryUnit,
      InspLotQtyToFree: '0',
      InspLotQtyToBlocked: '0',
      InspLotQtyToScrap: '0',
      InspectionLotHasUsageDecision: false,
      InspLotIsStockPostingCompleted: false,
      StorageLocation: movement.StorageLocation,
      Batch: movement.Batch,
      items: [],
    });
    return 'quality';
  }

  return {
    lots,
    receive,
    inspect(plant: string, material: string, characteristics: string[] = []) {
      inspected.set(`${plant}|${material}`, characteristics);
    },
    /** Goods movements of the material fail in confirmations (into COGI), with this message ('': SAP's deficit message); undefined: they post again. */

    /** A summarised result of a lot's characteristic (QE51N): recorded, or changed, until the usage decision is made. */
    recordResult(body: Record<string, unknown>, change: boolean) {
      const lot = lots.find((l) => l.InspectionLot === body.InspectionLot);
      if (!lot) throw new SapRefusal('QA/010', `Inspection lot ${String(body.InspectionLot)} does not exist`, 404);
      const same = (r: Record<string, unknown>) => r.InspPlanOperationInternalID === body.InspPlanOperationInternalID && r.InspectionCharacteristic === body.InspectionCharacteristic;
      if (!lot.characteristics.some(same)) throw new SapRefusal('QE/006', `Characteristic ${String(body.InspectionCharacteristic)} of operation ${String(body.InspPlanOperationInternalID)} does not exist in lot ${lot.InspectionLot}`, 404);
      if (lot.InspectionLotHasUsageDecision) throw new SapRefusal('QE/201', `Results for inspection lot ${lot.InspectionLot} cannot be changed: the usage decision has been made`);
      const existing = lot.results.find(same);
      if (existing && !change) throw new SapRefusal('QE/112', `Characteristic ${String(body.InspectionCharacteristic)} of lot ${lot.InspectionLot} already has a result`);
      if (!existing && change) throw new SapRefusal('QE/113', `Characteristic ${String(body.InspectionCharacteristic)} of lot ${lot.InspectionLot} has no result to change`, 404);
      if (existing) Object.assign(existing, body);
      else lot.results.push({ ...body, InspectionResultStatus: '5' });
      return existing ?? lot.results.at(-1)!;
    },

    usageDecision(body: Record<string, unknown>) {
      const lot = lots.find((l) => l.InspectionLot === body.InspectionLot);
      if (!lot) throw new SapRefusal('QA/010', `Inspection lot ${String(body.InspectionLot)} does not exist`, 404);
      if (lot.InspectionLotHasUsageDecision) throw new SapRefusal('QA/117', `The usage decision for inspection lot ${lot.InspectionLot} has already been made`);
      if (!body.InspectionLotUsageDecisionCode) throw new SapRefusal('QA/105', 'Enter a usage decision code');
      lot.decision = { ...body, InspectionLotUsageDecidedOn: `/Date(${Date.now()})/` };
      lot.InspectionLotHasUsageDecision = true;
      return lot.decision;
    },

    /** A stock posting of an inspection lot (QA11): quality inspection stock to where the decision sends it. */
    postLotStock(body: Record<string, unknown>) {
      const lot = lots.find((l) => l.InspectionLot === body.InspectionLot);
      if (!lot) throw new SapRefusal('QA/010', `Inspection lot ${String(body.InspectionLot)} does not exist`, 404);
      if (!lot.InspectionLotHasUsageDecision) throw new SapRefusal('QA/094', `Make the usage decision for inspection lot ${lot.InspectionLot} first`);
      const item = String(body.InspLotMatlDocItem ?? '');
      if (lot.items.some((i) => i.InspLotMatlDocItem === item)) throw new SapRefusal('QA/120', `Item ${item} of inspection lot ${lot.InspectionLot} already exists`);
      const quantity = new Big(String(body.InspLotQtyPosted ?? '0'));
      if (quantity.lte(0)) throw new SapRefusal('QA/121', 'Enter a quantity to post');
      if (quantity.gt(lot.InspLotQtyToBePosted)) throw new SapRefusal('QA/114', `The quantity ${quantity.toString()} exceeds the ${lot.InspLotQtyToBePosted} of lot ${lot.InspectionLot} still to be posted`);
      const target = { LMENGE01: { type: '321', field: 'InspLotQtyToFree' }, LMENGE04: { type: '350', field: 'InspLotQtyToBlocked' }, LMENGE02: { type: '555', field: 'InspLotQtyToScrap' } }[String(body.UsageDecisionStockType ?? '')] as
        | { type: string; field: 'InspLotQtyToFree' | 'InspLotQtyToBlocked' | 'InspLotQtyToScrap' }
        | undefined;
      if (!target) throw new SapRefusal('QA/122', `Stock type ${String(body.UsageDecisionStockType)} is not a posting target of the usage decision`);
      const movement = stock.movementOf({ Material: lot.Material, Plant: lot.Plant, StorageLocation: lot.StorageLocation, Batch: lot.Batch, GoodsMovementType: target.type, EntryUnit: lot.InspectionLotQuantityUnit, QuantityInEntryUnit: quantity.toString(), MaterialDocumentItemText: body.MaterialDocumentItemText });
      if (target.type === '555') {
        // Scrap from quality inspection stock: out of stock altogether.
        stock.scrap(lot.Material, lot.Plant, lot.StorageLocation, lot.Batch, 'quality', quantity);
      } else {
        stock.move(movement);
      }
      const document = stock.newDocument('04', `/Date(${Date.now()})/`, '', [movement]);
      lot.InspLotQtyToBePosted = new Big(lot.InspLotQtyToBePosted).minus(quantity).toString();
      lot[target.field] = new Big(lot[target.field]).plus(quantity).toString();
      lot.InspLotIsStockPostingCompleted = new Big(lot.InspLotQtyToBePosted).eq(0);
      const record = {
        InspectionLot: lot.InspectionLot,
        InspLotMatlDocItem: item,
        InspLotQtyPosted: quantity.toFixed(3),
        UsageDecisionStockType: String(body.UsageDecisionStockType),
        StorageLocation: lot.StorageLocation,
        MaterialDocumentItemText: String(body.MaterialDocumentItemText ?? ''),
        MaterialDocument: document.MaterialDocument,
        MaterialDocumentYear: document.MaterialDocumentYear,
      };
      lot.items.push(record);
      return record;
    },
  };
}
