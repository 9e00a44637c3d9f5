/**
 * AFAS Profit's planning and master data for the floor: items (Profit_Article: basic unit,
 * decimals, stock tracking) and compositions as bills of materials (Profit_Composition: the
 * parts per one of the composed item), read whole every `masterDataReadEveryMs` (or on a
 * full read); and, where the connection names one, the customer's GetConnector of production
 * orders (AFAS has no standard one), read whole at every turn through the field mapping in
 * its settings: an order it no longer shows is removed here too. Paged with skip/take and
 * always sorted, as AFAS wants.
 */
import Big from 'big.js';
import type { ErpBomLine, ErpBomVersion, ErpItem, PlannedOrder, PlanningSet } from '../../domain/planning';
import type { ErpPlanningReader } from '../adapter';
import type { AfasSettings } from './settings';
import type { AfasTransport } from './transport';

interface ArticleRow {
  ItemCode: string;
  Description?: string;
  UnitId: string;
  Blocked: boolean;
  Stock: boolean;
  BitDecimals: number;
}
interface CompositionRow {
  CompositionId: string;
  ItemCode: string;
  Quantity: number | string;
  PresentationSeqno: number;
  Blocked: boolean;
}

const PAGE = 1000;
const LIMIT = 20_000;
/** A large read is split into pages read side by side, at most this many at once (AFAS: "up to 5 simultaneous calls"). */
const PAGES_AT_ONCE = 5;

/** Every row of a GetConnector, sorted (AFAS pages reliably only so): the first page, then the rest five pages at a time. */
async function all<T>(transport: AfasTransport, connector: string, orderBy: string): Promise<T[]> {
  const rows = await transport.get<T>(connector, { orderBy, skip: 0, take: PAGE });
  for (let skip = PAGE; rows.length === skip && rows.length < LIMIT; skip += PAGE * PAGES_AT_ONCE) {
    const pages = await Promise.all(Array.from({ length: PAGES_AT_ONCE }, (_, i) => transport.get<T>(connector, { orderBy, skip: skip + i * PAGE, take: PAGE })));
    for (const page of pages) {
      rows.push(...page);
      if (page.length < PAGE) return rows;
    }
  }
  return rows;
}

type OrderSource = NonNullable<AfasSettings['productionOrders']>;

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
const day = (value: unknown) => (text(value) ? text(value).slice(0, 10) : undefined);
const decimal = (value: unknown) => new Big(text(value) || '0').toString();

/** The rows of the customer's production order GetConnector, as planned orders, through the connection's field mapping. */
async function productionOrders(transport: AfasTransport, source: OrderSource): Promise<PlannedOrder[]> {
  const f = source.fields;
  const rows = await all<Record<string, unknown>>(transport, source.getConnector, f.id);
  return rows.flatMap((row): PlannedOrder[] => {
    const status = source.statuses ? source.statuses[text(row[f.status])] : 'released';
    if (!status || !text(row[f.order]) || !text(row[f.material])) return [];
    const start = day(row[f.start]);
    const finish = day(row[f.finish]);
    return [
      {
        erpId: text(row[f.id]),
        erpOrder: text(row[f.order]),
        material: text(row[f.material]),
        ...(text(row[f.description]) ? { description: text(row[f.description]) } : {}),
        plannedQuantity: decimal(row[f.quantity]),
        producedQuantity: decimal(row[f.produced]),
        unit: text(row[f.unit]),
        status,
        ...(start ? { plannedStart: start } : {}),
        ...(finish ? { plannedFinish: finish } : {}),
      },
    ];
  });
}

export function createAfasPlanningReader(transport: AfasTransport, options: { masterDataReadEveryMs: number; productionOrders?: OrderSource | undefined }): ErpPlanningReader {
  return {
    async changesSince(cursorText, asked = {}) {
      const cursor = cursorText ? (JSON.parse(cursorText) as { masterDataReadAt?: number }) : {};
      const due = asked.fullRead === true || cursor.masterDataReadAt === undefined || Date.now() - cursor.masterDataReadAt >= options.masterDataReadEveryMs;
      const orders = options.productionOrders ? await productionOrders(transport, options.productionOrders) : [];
      // The orders are read whole each turn: what the connector no longer shows is gone.
      const ordersRead = (also: PlanningSet[], id: string) => ({ fullRead: { id, complete: [...(options.productionOrders ? (['orders'] as const) : []), ...also], ended: true } });
      if (!due) return { orders, components: [], operations: [], ...(options.productionOrders ? ordersRead([], `afas-orders-${Date.now()}`) : {}), cursor: JSON.stringify(cursor), more: false };
      const [articles, compositions] = await Promise.all([all<ArticleRow>(transport, 'Profit_Article', 'ItemCode'), all<CompositionRow>(transport, 'Profit_Composition', 'CompositionId')]);
      const items: ErpItem[] = articles
        .filter((a) => !a.Blocked)
        .map((a) => ({ erpId: a.ItemCode, code: a.ItemCode, ...(a.Description ? { description: a.Description } : {}), unit: a.UnitId, fractionAllowed: Number(a.BitDecimals) > 0, batch: false, serial: false, stock: a.Stock }));
      const live = compositions.filter((c) => !c.Blocked);
      const bomVersions: ErpBomVersion[] = [...new Set(live.map((c) => c.CompositionId))].map((id) => ({ erpId: id, itemErpId: id, isDefault: true }));
      const bomLines: ErpBomLine[] = live.map((c) => ({
        erpId: `${c.CompositionId}/${c.PresentationSeqno}/${c.ItemCode}`,
        versionErpId: c.CompositionId,
        partCode: c.ItemCode,
        // AFAS answers numbers in JSON: read as written, into a decimal.
        quantityPer: new Big(String(c.Quantity)).toString(),
        scrapAllowance: '0',
        byProduct: false,
      }));
      const readAt = Date.now();
      return { orders, components: [], operations: [], items, bomVersions, bomLines, ...ordersRead(['bomLines'], `afas-master-data-${readAt}`), cursor: JSON.stringify({ masterDataReadAt: readAt }), more: false };
    },
  };
}
