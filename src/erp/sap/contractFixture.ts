/** SAP S/4HANA's side of the contract suite (test/erpContract.ts): a client on the simulator with one released order and its steel. */
import Big from 'big.js';
import type { MaterialIssue } from '../../domain/postings';
import type { PostingRequest } from '../adapter';
import { type ContractFixture, issueReversalOf } from '../module';
import { sapConnection } from './connection';
import { documentIds } from './postings/kind';
import { SapSettings } from './settings';
import { createSapSimulator } from './simulator';

const CLIENT = '100';
const USER = 'SHOPFLOOR_COMM';
const PASSWORD = 'contract-secret';

export async function sapContractFixture(): Promise<ContractFixture> {
  const simulator = createSapSimulator({ client: CLIENT, user: USER, password: PASSWORD });
  const url = await simulator.listen(0);
  const order = simulator.seedOrder({ order: '1000123', material: 'FRAME', plant: '1010', quantity: '40', unit: 'PC', storageLocation: '0001', operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'STEEL', quantity: '100', unit: 'KG', operation: '0010', storageLocation: '0001' }] });
  simulator.seedOrder({ order: '1000124', material: 'FRAME', plant: '1010', quantity: '40', unit: 'PC', released: false, operations: [{ operation: '0010', workCentre: 'WELD-01' }], components: [{ material: 'STEEL', quantity: '100', unit: 'KG', operation: '0010' }] });
  const settings = { ...SapSettings.parse({ client: CLIENT, user: USER, password: PASSWORD, sapPlants: { P1: { plant: '1010' } }, timeoutMs: 5000 }), baseUrl: url };
  const issue = (key: string, quantity: string, erpOrderReference = '1000123'): PostingRequest => ({
    idempotencyKey: key,
    content: { kind: 'MaterialIssue', basis: 'actual', plant: 'P1', productionOrder: erpOrderReference, erpOrderReference, transactionDate: '2026-12-01', material: 'STEEL', erpMaterial: 'STEEL', quantity, unit: 'KG' },
  });
  return {
    connection: sapConnection(settings),
    settings,
    badCredentials: async () => sapConnection({ ...settings, password: 'not-the-password' }),
    unreachable: async () => sapConnection({ ...settings, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 }),
    validPosting: async (key, variant = 0) => issue(key, String(12 + variant)),
    // An order not released in SAP takes no goods issue: no retry cures it.
    invalidPosting: async (key) => issue(key, '5', '1000124'),
    reversalOf: issueReversalOf,
    loseNextAnswer: async () => simulator.loseNextAnswer(),
    failNext: async (status, retryAfterSeconds) => simulator.failNext(status, retryAfterSeconds),
    // As a person books it in MIGO: the same order, reservation, material and quantity, a header text of their own.
    bookByHand: async (request) => {
      const c = request.content as MaterialIssue;
      simulator.books.postDocument({
        GoodsMovementCode: '03',
        MaterialDocumentHeaderText: 'booked by hand',
        to_MaterialDocumentItem: { results: [{ Material: c.erpMaterial, Plant: '1010', StorageLocation: '0001', GoodsMovementType: '261', ManufacturingOrder: order.order, Reservation: order.reservation, ReservationItem: '0001', EntryUnit: c.unit, QuantityInEntryUnit: c.quantity }] },
      });
    },
    documents: async () => {
      const items = simulator.books.documents.flatMap((d) => d.items.map((i) => ({ ...i, id: documentIds.materialDocument(d.MaterialDocumentYear, d.MaterialDocument), number: d.MaterialDocument })));
      return items
        .filter((i) => i.GoodsMovementType === '261' && i.ManufacturingOrder === order.order)
        .map((i) => {
          const reversed = items.filter((r) => r.ReversedMaterialDocument === i.number).reduce((sum, r) => sum.plus(r.QuantityInEntryUnit), new Big(0));
          return { id: i.id, quantity: new Big(i.QuantityInEntryUnit).minus(reversed).toString() };
        });
    },
    stop: () => simulator.close(),
  };
}
