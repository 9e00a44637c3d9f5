/**
 * Actual cost: the hours a work centre spends on an order absorb its overhead at the
 * work centre's rate, booked in Exact as balanced journal entries, to the cent and once.
 */
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionOrderWorkflowId, statusQuery } from '../src/workflows/productionOrder/workflow';
import { type Bridge, eventually, floorEvents, newPlant, startBridge } from './harness';

describe('overhead absorbed by work centre hours, as Exact journal entries', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridge();
  });
  afterAll(async () => {
    await bridge?.teardown();
  });

  it('books hours × rate once, carries the cents a rounding leaves, and takes back what a correction lowers', async () => {
    const plant = newPlant();
    const order = '6101';
    bridge.simulator.seedShopOrder({ shopOrderNumber: 6101, itemCode: 'BRACKET', plannedQuantity: 10, unit: 'pc', routing: [{ operation: '0010', workCentre: 'SAW-01' }] });
    const wip = bridge.simulator.seedGlAccount('3100');
    const absorbed = bridge.simulator.seedGlAccount('4990');
    bridge.simulator.seedCostCentre('PROD');
    const costs = [
      { plant, workCentre: 'SAW-01', activity: 'machine', ratePerHour: '85.50', journal: '90', debitAccount: wip, creditAccount: absorbed, costCentre: 'PROD' },
      { plant, workCentre: 'SAW-01', activity: 'setup', ratePerHour: '40', journal: '90', debitAccount: wip, creditAccount: absorbed },
    ];
    expect((await bridge.put('/v1/master-data/work-centre-costs', costs)).status).toBe(200);
    const refused = await bridge.put('/v1/master-data/work-centre-costs', { ...costs[0], ratePerHour: '-1', activity: 'coffee' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['activity', 'ratePerHour']);
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'generaljournalentry/GeneralJournalEntries', times: 1 });

    const at = (id: string, fields: object) => ({ eventId: `${order}-${id}`, source: 'test-mes', plant, productionOrder: order, occurredAt: '2026-11-25T10:00:00+01:00', type: 'TimeBooked', operation: '0010', workCentre: 'SAW-01', ...fields });
    const release = { ...floorEvents(plant, order).released('10'), operations: [{ operation: '0010', workCentre: 'SAW-01' }] };
    for (const event of [release, at('m1', { activity: 'machine', hours: '1.333' }), at('s1', { activity: 'setup', hours: '0.25' })]) {
      expect((await bridge.postEvent(event)).status).toBe(202);
    }
    const handle = bridge.env.client.workflow.getHandle(productionOrderWorkflowId(plant, order));
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.filter((p) => p.content.kind === 'OverheadAllocation').length === 2);
    // 1.333 h more: 2.666 h × 85.50 = 227.943, so 227.94 in all; the first 113.97 (of 113.9715) leaves a cent's remainder that the total carries.
    expect((await bridge.postEvent(at('m2', { activity: 'machine', hours: '1.333' }))).status).toBe(202);
    await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.filter((p) => p.content.kind === 'OverheadAllocation').length === 3);
    // The second machine booking was 0.333 h too much; the counter-entry's answer is lost.
    bridge.simulator.injectFault({ kind: 'dropResponse', method: 'POST', path: 'generaljournalentry/GeneralJournalEntries', times: 1 });
    const fix = { ...at('m2-fix', {}), type: 'EventCorrected', correctsEventId: `${order}-m2`, reason: 'machine idled', replacement: { hours: '1' } };
    expect((await bridge.postEvent(fix)).status).toBe(202);
    const settled = await eventually(() => handle.query(statusQuery), (v) => v.erpSyncStatus === 'InSync' && v.postings.some((p) => p.content.kind === 'Reversal' && p.content.of.kind === 'OverheadAllocation'));
    expect(settled.erpSyncStatus).toBe('InSync');

    const entries = (await bridge.ledger()).filter((e) => e.entity === 'generaljournalentry/GeneralJournalEntries').map((e) => e.record);
    const lines = entries.flatMap((e) => e.GeneralJournalEntryLines as Record<string, unknown>[]);
    const total = (account: string, costCentre?: string) =>
      lines.filter((l) => l.GLAccount === account && (costCentre === undefined || l.CostCenter === costCentre)).reduce((t, l) => t.plus(String(l.AmountFC)), new Big(0)).toString();
    // Machine: 2.333 h × 85.50 = 199.4715 → 199.47; setup: 0.25 h × 40 = 10.
    expect(total(wip)).toBe('209.47');
    expect(total(absorbed)).toBe('-209.47');
    expect(total(wip, 'PROD')).toBe('199.47');
    // Every entry balances, carries its posting key in the lines' Notes, and no key twice.
    for (const entry of entries) {
      const own = entry.GeneralJournalEntryLines as Record<string, unknown>[];
      expect(own.reduce((t, l) => t.plus(String(l.AmountFC)), new Big(0)).eq(0)).toBe(true);
      expect(new Set(own.map((l) => l.Notes)).size).toBe(1);
    }
    const keys = entries.map((e) => (e.GeneralJournalEntryLines as Record<string, unknown>[])[0]!.Notes);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k) => String(k).startsWith(`production-order/${plant}/${order}#`))).toBe(true);
    const attempts = await bridge.audit.attemptsFor(plant, order);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'OverheadAllocation')).toBe(true);
    expect(attempts.some((a) => a.outcome === 'found-existing' && a.posting.kind === 'Reversal' && a.posting.of.kind === 'OverheadAllocation')).toBe(true);
  });

  it('closes no period in Exact, which closes its own: the close is refused, naming why', async () => {
    const { body } = await bridge.get('/v1/erp/connections');
    const id = (body.connections as { id: string }[])[0]!.id;
    const refused = await bridge.post(`/v1/erp/connections/${id}/period-close`, { period: '2026-11' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/takes no period-end close entries/);
    expect((await bridge.post('/v1/erp/connections/no-such/period-close', { period: '2026-11' })).status).toBe(404);
  });
});
