/**
 * What SAP holds for a production order, for reconciliation: the material documents' items
 * that name the order (A_MaterialDocumentItem by ManufacturingOrder) of the movements the
 * bridge posts itself: 261/262 issues, 101/102 receipts, 531/532 by-products. Those a
 * confirmation booked (backflush, automatic goods receipt) belong to the confirmation, which
 * reconciliation does not compare: they are left out.
 */
import type { ComparedKind, HeldDocument, HeldDocuments, OrderInErp } from '../../domain/reconciliation';
import { add } from '../../domain/quantity';
import { odataString } from '../http/odata';
import { type SapContext, sapOrderNumber } from './context';
import { documentIds } from './postings/kind';

interface Item {
  MaterialDocument: string;
  MaterialDocumentYear: string;
  GoodsMovementType: string;
  Material: string;
  QuantityInEntryUnit: string;
  EntryUnit: string;
  ReversedMaterialDocument?: string;
  ReversedMaterialDocumentYear?: string;
}

/** The movement types compared: the kind each books, and whether it takes back another document. */
const MOVEMENTS: Record<string, { kind: ComparedKind; reversal: boolean }> = {
  '261': { kind: 'MaterialIssue', reversal: false },
  '262': { kind: 'MaterialIssue', reversal: true },
  '101': { kind: 'FinishedGoodsReceipt', reversal: false },
  '102': { kind: 'FinishedGoodsReceipt', reversal: true },
  '531': { kind: 'ByProductReceipt', reversal: false },
  '532': { kind: 'ByProductReceipt', reversal: true },
};

export async function sapDocumentsOf(order: OrderInErp, sap: SapContext): Promise<HeldDocuments> {
  const number = sapOrderNumber(order.erpOrderReference);
  const [items, confirmed] = await Promise.all([
    sap.transport.rows<Item>('API_MATERIAL_DOCUMENT_SRV', 'A_MaterialDocumentItem', {
      filter: `ManufacturingOrder eq ${odataString(number)}`,
      select: ['MaterialDocument', 'MaterialDocumentYear', 'GoodsMovementType', 'Material', 'QuantityInEntryUnit', 'EntryUnit', 'ReversedMaterialDocument', 'ReversedMaterialDocumentYear'],
    }),
    sap.transport.rows<{ MaterialDocument: string; MaterialDocumentYear: string }>('API_PROD_ORDER_CONFIRMATION_2_SRV', 'ProdnOrdConfMatlDocItm', {
      filter: `OrderID eq ${odataString(number)}`,
      select: ['MaterialDocument', 'MaterialDocumentYear'],
    }),
  ]);
  const ofConfirmations = new Set(confirmed.map((c) => documentIds.materialDocument(c.MaterialDocumentYear, c.MaterialDocument)));
  // One held document per material document and kind (the bridge posts one item each).
  const documents = new Map<string, HeldDocument>();
  for (const item of items) {
    const movement = MOVEMENTS[item.GoodsMovementType];
    const id = documentIds.materialDocument(item.MaterialDocumentYear, item.MaterialDocument);
    if (!movement || ofConfirmations.has(id)) continue;
    const key = `${id}|${movement.kind}`;
    const known = documents.get(key);
    if (known) {
      known.quantity = add(known.quantity, item.QuantityInEntryUnit);
      continue;
    }
    const reverses = movement.reversal && item.ReversedMaterialDocument ? documentIds.materialDocument(item.ReversedMaterialDocumentYear ?? '', item.ReversedMaterialDocument) : undefined;
    documents.set(key, { id, kind: movement.kind, ...(reverses ? { reverses } : {}), erpMaterial: item.Material, quantity: add('0', item.QuantityInEntryUnit), unit: item.EntryUnit });
  }
  return { kinds: ['MaterialIssue', 'FinishedGoodsReceipt', 'ByProductReceipt'], documents: [...documents.values()] };
}
