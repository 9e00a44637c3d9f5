/** AFAS Profit's side of the contract suite (test/erpContract.ts): an environment on the simulator with its warehouse and steel. */
import Big from 'big.js';
import type { MaterialIssue } from '../../domain/postings';
import type { PostingRequest } from '../adapter';
import { type ContractFixture, issueReversalOf } from '../module';
import { afasConnection } from './connection';
import { AfasSettings } from './settings';
import { createAfasSimulator } from './simulator';

const TOKEN = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

export async function afasContractFixture(): Promise<ContractFixture> {
  const simulator = createAfasSimulator({ token: TOKEN });
  const url = await simulator.listen(0);
  simulator.seedWarehouse('HOOFD');
  simulator.seedItem('STEEL', 'kg');
  const settings = { ...AfasSettings.parse({ token: TOKEN, afasPlants: { P1: { warehouse: 'HOOFD', location: 'A1' } }, timeoutMs: 5000 }), baseUrl: url };
  const issue = (key: string, quantity: string, material = 'STEEL'): PostingRequest => ({
    idempotencyKey: key,
    content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: 'PO-1', erpOrderReference: 'PO-1', transactionDate: '2026-12-01', material, erpMaterial: material, quantity, unit: 'kg' },
  });
  return {
    connection: afasConnection(settings),
    settings,
    badCredentials: async () => afasConnection({ ...settings, token: 'b'.repeat(64) }),
    unreachable: async () => afasConnection({ ...settings, baseUrl: 'http://127.0.0.1:9/ProfitRestServices', timeoutMs: 1000 }),
    validPosting: async (key, variant = 0) => issue(key, String(12 + variant)),
    // An item AFAS does not know: a 500 with AFAS's validation message, for a person.
    invalidPosting: async (key) => issue(key, '5', 'NO-SUCH-ITEM'),
    reversalOf: issueReversalOf,
    loseNextAnswer: async () => simulator.loseNextAnswer(),
    failNext: async (status, retryAfterSeconds) => simulator.failNext(status, retryAfterSeconds),
    // As a person books it in Profit: the same item, warehouse and quantity, a description of their own.
    bookByHand: async (request) => {
      const c = request.content as MaterialIssue;
      const answer = await fetch(`${url}/connectors/FbStockMutation`, {
        method: 'POST',
        headers: { Authorization: (await import('./transport')).afasTokenHeader(TOKEN), 'Content-Type': 'application/json' },
        body: JSON.stringify({ FbStockMutation: { Element: { Fields: { VaOt: '42', ReId: 'HAND', VaIt: '2', ItCd: c.erpMaterial, War: 'HOOFD', Loc: 'A1', BiUn: c.unit, QuUn: c.quantity, Qu: c.quantity, Ds: 'booked by hand' } } } }),
      });
      if (!answer.ok) throw new Error(`the simulator refused the mutation booked by hand: ${await answer.text()}`);
    },
    documents: async () => {
      const rows = simulator.stockMutations;
      return rows
        .filter((r) => r.EntrySort === '42' && r.ItemCode === 'STEEL')
        .map((r) => {
          const back = rows.filter((b) => b.EntrySort === '41' && String(b.Description).endsWith(` back ${String(r.Id)}`)).reduce((sum, b) => sum.plus(String(b.Quantity)), new Big(0));
          return { id: `stock-mutation:${String(r.Id)}`, quantity: new Big(String(r.Quantity)).minus(back).toString() };
        });
    },
    stop: () => simulator.close(),
  };
}
