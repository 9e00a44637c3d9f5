/** What the SAP simulator's books share: stock types, SAP's refusals, goods movements and material documents. */
export type StockType = 'unrestricted' | 'quality' | 'blocked';

export class SapRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly lock = false,
  ) {
    super(message);
  }
}

export interface Movement {
  Material: string;
  Plant: string;
  StorageLocation: string;
  Batch: string;
  GoodsMovementType: string;
  EntryUnit: string;
  QuantityInEntryUnit: string;
  ManufacturingOrder: string;
  Reservation: string;
  ReservationItem: string;
  IssuingOrReceivingStorageLoc: string;
  MaterialDocumentItemText: string;
  InventoryStockType: string;
  ReversedMaterialDocument: string;
  ReversedMaterialDocumentYear: string;
  ReversedMaterialDocumentItem: string;
  GoodsMovementIsCancelled: boolean;
  /** The serial numbers of the units moved (to_SerialNumbers). */
  serialNumbers: string[];
}

export interface MaterialDocumentRecord {
  MaterialDocument: string;
  MaterialDocumentYear: string;
  GoodsMovementCode: string;
  PostingDate: string;
  DocumentDate: string;
  MaterialDocumentHeaderText: string;
  ReferenceDocument: string;
  items: (Movement & { MaterialDocumentItem: string })[];
}

