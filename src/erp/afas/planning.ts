/**
 * AFAS Profit's master data for the floor, through its standard GetConnectors: items
 * (Profit_Article: basic unit, decimals, stock tracking) and compositions as bills of
 * materials (Profit_Composition: the parts per one of the composed item). Read whole every
 * `masterDataReadEveryMs` (or on a full read), paged with skip/take and always sorted, as
 * AFAS wants. AFAS has no standard GetConnector for production orders, so no orders are read
 * [not yet: a customer GetConnector named in the connection's settings].
 */
import Big from 'big.js';
import type { ErpBomLine, ErpBomVersion, ErpItem } from '../../domain/planning';
import type { ErpPlanningReader } from '../adapter';
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

async function all<T>(transport: AfasTransport, connector: string, orderBy: string): Promise<T[]> {
  const rows: T[] = [];
  for (let skip = 0; rows.length < LIMIT; skip += PAGE) {
    const page = await transport.get<T>(connector, { orderBy, skip, take: PAGE });
    rows.push(...page);
    if (page.length < PAGE) break;
  }
  return rows;
}

export function createAfasPlanningReader(transport: AfasTransport, options: { masterDataReadEveryMs: number }): ErpPlanningReader {
  return {
    async changesSince(cursorText, asked = {}) {
      const cursor = cursorText ? (JSON.parse(cursorText) as { masterDataReadAt?: number }) : {};
      const due = asked.fullRead === true || cursor.masterDataReadAt === undefined || Date.now() - cursor.masterDataReadAt >= options.masterDataReadEveryMs;
      if (!due) return { orders: [], components: [], operations: [], cursor: JSON.stringify(cursor), more: false };
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
      return { orders: [], components: [], operations: [], items, bomVersions, bomLines, fullRead: { id: `afas-master-data-${readAt}`, complete: ['bomLines'], ended: true }, cursor: JSON.stringify({ masterDataReadAt: readAt }), more: false };
    },
  };
}
