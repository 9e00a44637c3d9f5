/** Exact Online's side of the contract suite (test/erpContract.ts): a division on the simulator with one shop order and its steel. */
import type { MaterialIssue } from '../../domain/postings';
import type { PostingRequest } from '../adapter';
import { type ContractFixture, issueReversalOf } from '../module';
import { inMemoryErrorBudget } from './errorBudget';
import { ExactSettings, exactConnection } from './connection';
import { fixedExactToken } from './oauth';
import { createExactSimulator } from './simulator';
import { createExactTransport } from './transport';

const DIVISION = 770_001;
const TOKEN = 'exact-contract-token';
const SHOP_ORDER = 88_001;

export async function exactContractFixture(): Promise<ContractFixture> {
  const simulator = createExactSimulator({ division: DIVISION, accessTokens: [TOKEN] });
  const url = await simulator.listen(0);
  const shopOrder = simulator.seedShopOrder({ shopOrderNumber: SHOP_ORDER, itemCode: 'FRAME', plannedQuantity: 40, materials: [{ itemCode: 'STEEL', plannedQuantity: 100, unit: 'kg' }] });
  const connect = (baseUrl: string, token: string, timeoutMs = 5000) => {
    const settings = ExactSettings.parse({ baseUrl, division: DIVISION, accessToken: token, timeoutMs });
    return exactConnection(settings, createExactTransport({ baseUrl, division: DIVISION, tokens: fixedExactToken(token), timeoutMs, errorBudget: inMemoryErrorBudget(100) }));
  };
  const issue = (key: string, quantity: string, material = 'STEEL'): PostingRequest => ({
    idempotencyKey: key,
    content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: String(SHOP_ORDER), erpOrderReference: String(SHOP_ORDER), transactionDate: '2026-12-01', material, erpMaterial: material, quantity, unit: 'kg' },
  });
  const fault = (f: Parameters<typeof simulator.injectFault>[0]) => simulator.injectFault(f);
  return {
    connection: connect(url, TOKEN),
    settings: ExactSettings.parse({ baseUrl: url, division: DIVISION, accessToken: TOKEN }),
    badCredentials: async () => connect(url, 'a-token-exact-never-issued'),
    unreachable: async () => connect('http://127.0.0.1:9', TOKEN, 1000),
    validPosting: async (key, variant = 0) => issue(key, String(12 + variant)),
    // An item Exact does not know: no retry cures it.
    invalidPosting: async (key) => issue(key, '5', 'NO-SUCH-ITEM'),
    reversalOf: issueReversalOf,
    loseNextAnswer: async () => {
      fault({ kind: 'dropResponse', method: 'POST', path: 'manufacturing/MaterialIssues' });
    },
    failNext: async (status, retryAfterSeconds) => {
      fault({ kind: 'status', status, method: 'POST', path: 'manufacturing/MaterialIssues', ...(retryAfterSeconds ? { retryAfterSeconds } : {}) });
    },
    bookByHand: async (request) => {
      const c = request.content as MaterialIssue;
      const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/json' };
      const plans = (await (await fetch(`${url}/api/v1/${DIVISION}/manufacturing/ShopOrderMaterialPlans?$filter=${encodeURIComponent(`ShopOrder eq guid'${String(shopOrder.ID)}'`)}&$select=ID`, { headers })).json()) as { d: { results: { ID: string }[] } };
      // As a person books it in Exact's screens: the same order, item and quantity, a note of their own.
      const answer = await fetch(`${url}/api/v1/${DIVISION}/manufacturing/MaterialIssues`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ShopOrderMaterialPlan: plans.d.results[0]!.ID, Quantity: Number(c.quantity), TransactionDate: '2026-12-01T00:00:00', Note: 'booked by hand' }),
      });
      if (!answer.ok) throw new Error(`the simulator refused the issue booked by hand: ${await answer.text()}`);
    },
    documents: async () => {
      const ledger = simulator.ledger();
      return ledger
        .filter((e) => e.entity === 'manufacturing/MaterialIssues' && e.action === 'created')
        .map((e) => {
          const id = String(e.record.StockTransactionId);
          const reversed = ledger.filter((r) => r.entity === 'manufacturing/MaterialReversals' && r.record.OriginalStockTransactionId === id).reduce((sum, r) => sum + Number(r.record.Quantity), 0);
          return { id, quantity: String(Number(e.record.Quantity) - reversed) };
        });
    },
    stop: () => simulator.close(),
  };
}
