/**
 * The part of Exact Online's REST contract that this bridge uses, as data: one table
 * that the simulator enforces and the adapter's bodies are built from. A test checks
 * every entry against Exact's published fact table (contracts/exact/endpoints.json).
 */
export type Edm = 'Edm.Guid' | 'Edm.String' | 'Edm.Int32' | 'Edm.Double' | 'Edm.DateTime' | 'Edm.Boolean' | 'Edm.Byte';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExactField {
  edm: Edm;
  /** Exact's "Mandatory" flag, enforced on POST for writable fields. */
  required?: boolean;
  /** Methods whose bodies may carry the field; absent means read-only (GET). */
  writable?: readonly HttpMethod[];
}

export interface ExactEndpoint {
  methods: readonly HttpMethod[];
  key: string;
  /** Exact's OData type name, used in its error messages. */
  typeName: string;
  fields: Readonly<Record<string, ExactField>>;
}

const guid: ExactField = { edm: 'Edm.Guid' };
const int: ExactField = { edm: 'Edm.Int32' };
const double: ExactField = { edm: 'Edm.Double' };
const text: ExactField = { edm: 'Edm.String' };
const date: ExactField = { edm: 'Edm.DateTime' };

export const exactContract = {
  'manufacturing/ShopOrders': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    key: 'ID',
    typeName: 'Exact.Web.Api.Models.Manufacturing.ShopOrder',
    fields: {
      // A client may choose the ID on POST; Exact assigns one when it is absent.
      ID: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Division: int,
      ShopOrderNumber: int,
      Description: { edm: 'Edm.String', writable: ['POST', 'PUT'] },
      Item: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      ItemCode: text,
      PlannedQuantity: { edm: 'Edm.Double', required: true, writable: ['POST', 'PUT'] },
      ProducedQuantity: double,
      Unit: text,
      Status: int,
      IsReleased: { edm: 'Edm.Byte', writable: ['POST', 'PUT'] },
    },
  },
  'manufacturing/ShopOrderReceipts': {
    methods: ['GET', 'POST'],
    key: 'StockTransactionId',
    typeName: 'Exact.Web.Api.Models.Manufacturing.ShopOrderReceipt',
    fields: {
      StockTransactionId: guid,
      Division: int,
      ShopOrder: { edm: 'Edm.Guid', required: true, writable: ['POST'] },
      ShopOrderNumber: int,
      Item: guid,
      ItemCode: text,
      Quantity: { edm: 'Edm.Double', required: true, writable: ['POST'] },
      Unit: text,
      TransactionDate: { edm: 'Edm.DateTime', required: true, writable: ['POST'] },
      StorageLocation: { edm: 'Edm.Guid', writable: ['POST'] },
      DraftStockTransactionID: { edm: 'Edm.Guid', writable: ['POST'] },
      HasReversibleQuantity: { edm: 'Edm.Boolean' },
      CreatedDate: date,
    },
  },
  'manufacturing/ShopOrderMaterialPlans': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    key: 'ID',
    typeName: 'Exact.Web.Api.Models.Manufacturing.ShopOrderMaterialPlan',
    fields: {
      ID: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Division: int,
      ShopOrder: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Item: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      ItemCode: text,
      PlannedQuantity: { edm: 'Edm.Double', writable: ['POST', 'PUT'] },
      Unit: text,
      Backflush: { edm: 'Edm.Byte', writable: ['POST', 'PUT'] },
      Type: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
      Status: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
    },
  },
  'manufacturing/MaterialIssues': {
    methods: ['GET', 'POST'],
    key: 'StockTransactionId',
    typeName: 'Exact.Web.Api.Models.Manufacturing.MaterialIssue',
    fields: {
      StockTransactionId: guid,
      ShopOrderMaterialPlan: { edm: 'Edm.Guid', required: true, writable: ['POST'] },
      ShopOrder: guid,
      ShopOrderNumber: int,
      Item: guid,
      ItemCode: text,
      Quantity: { edm: 'Edm.Double', required: true, writable: ['POST'] },
      Unit: text,
      TransactionDate: { edm: 'Edm.DateTime', required: true, writable: ['POST'] },
      StorageLocation: { edm: 'Edm.Guid', writable: ['POST'] },
      DraftStockTransactionID: { edm: 'Edm.Guid', writable: ['POST'] },
      Note: { edm: 'Edm.String', writable: ['POST'] },
      IsBackflush: { edm: 'Edm.Byte' },
      HasReversibleQuantity: { edm: 'Edm.Boolean' },
    },
  },
  'manufacturing/MaterialReversals': {
    methods: ['GET', 'POST'],
    key: 'ReversalStockTransactionId',
    typeName: 'Exact.Web.Api.Models.Manufacturing.MaterialReversal',
    fields: {
      ReversalStockTransactionId: guid,
      OriginalStockTransactionId: { edm: 'Edm.Guid', required: true, writable: ['POST'] },
      ShopOrder: guid,
      ShopOrderNumber: int,
      ShopOrderMaterialPlan: guid,
      ItemCode: text,
      Quantity: { edm: 'Edm.Double', writable: ['POST'] },
      Unit: text,
      TransactionDate: { edm: 'Edm.DateTime', required: true, writable: ['POST'] },
      StorageLocation: { edm: 'Edm.Guid', writable: ['POST'] },
      Note: { edm: 'Edm.String', writable: ['POST'] },
      IsBackflush: { edm: 'Edm.Boolean' },
    },
  },
  'manufacturing/ShopOrderReversals': {
    methods: ['GET', 'POST'],
    key: 'ReversalStockTransactionId',
    typeName: 'Exact.Web.Api.Models.Manufacturing.ShopOrderReversal',
    fields: {
      ReversalStockTransactionId: guid,
      OriginalStockTransactionId: { edm: 'Edm.Guid', required: true, writable: ['POST'] },
      ShopOrder: guid,
      ShopOrderNumber: int,
      ItemCode: text,
      Quantity: double,
      TransactionDate: { edm: 'Edm.DateTime', required: true, writable: ['POST'] },
      Note: { edm: 'Edm.String', writable: ['POST'] },
    },
  },
  'manufacturing/ShopOrderRoutingStepPlans': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    key: 'ID',
    typeName: 'Exact.Web.Api.Models.Manufacturing.ShopOrderRoutingStepPlan',
    fields: {
      ID: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Division: int,
      ShopOrder: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Operation: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      OperationCode: text,
      LineNumber: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
      Description: { edm: 'Edm.String', writable: ['POST', 'PUT'] },
      Workcenter: { edm: 'Edm.Guid', writable: ['POST', 'PUT'] },
      WorkcenterCode: text,
      Backflush: { edm: 'Edm.Byte', writable: ['POST', 'PUT'] },
      Status: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
    },
  },
  'manufacturing/Workcenters': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    key: 'ID',
    typeName: 'Exact.Web.Api.Models.Manufacturing.Workcenter',
    fields: {
      ID: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Division: int,
      Code: { edm: 'Edm.String', required: true, writable: ['POST', 'PUT'] },
      Description: { edm: 'Edm.String', required: true, writable: ['POST', 'PUT'] },
      Status: { edm: 'Edm.Int32', required: true, writable: ['POST', 'PUT'] },
      Type: { edm: 'Edm.Int32', required: true, writable: ['POST', 'PUT'] },
    },
  },
  'manufacturing/TimeTransactions': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    key: 'ID',
    typeName: 'Exact.Web.Api.Models.Manufacturing.TimeTransaction',
    fields: {
      ID: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Division: int,
      Activity: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
      Date: { edm: 'Edm.DateTime', writable: ['POST', 'PUT'] },
      Employee: { edm: 'Edm.Guid', required: true, writable: ['POST', 'PUT'] },
      Hours: { edm: 'Edm.Double', required: true, writable: ['POST', 'PUT'] },
      LaborHours: { edm: 'Edm.Double', writable: ['POST', 'PUT'] },
      IsOperationFinished: { edm: 'Edm.Byte', writable: ['POST', 'PUT'] },
      Notes: { edm: 'Edm.String', writable: ['POST', 'PUT'] },
      Quantity: { edm: 'Edm.Double', writable: ['POST', 'PUT'] },
      RoutingStepPlan: { edm: 'Edm.Guid', writable: ['POST', 'PUT'] },
      ShopOrder: { edm: 'Edm.Guid', writable: ['POST', 'PUT'] },
      Status: { edm: 'Edm.Int32', writable: ['POST', 'PUT'] },
      WorkCenter: { edm: 'Edm.Guid', writable: ['POST', 'PUT'] },
    },
  },
} as const satisfies Record<string, ExactEndpoint>;

export type ExactEntityPath = keyof typeof exactContract;

/** Exact's ShopOrders.Status values. */
export const ShopOrderStatus = { Open: 10, InProcess: 20, Finished: 30, Completed: 40 } as const;
/** Exact's TimeTransactions.Activity values. */
export const TimeActivityCode = { Setup: 10, Run: 20 } as const;
/** Exact's TimeTransactions.Status values; the API cannot approve (Final). */
export const TimeTransactionStatus = { Draft: 1, Rejected: 2, Submitted: 10, Final: 20 } as const;
/** Exact's ShopOrderMaterialPlans.Type values. */
export const MaterialPlanType = { Material: 1, ByProduct: 2 } as const;
