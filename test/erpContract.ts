/**
 * The contract every ERP adapter passes, run against its own simulator over real HTTP
 * (each module's `contract` fixture). What it holds an adapter to: exactly once however a
 * post is repeated, never adopting a like document it did not make, failures classified
 * the same way, reversal as the adapter declares it, and a check that tells a working
 * connection from a broken one, with the reason.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaterialIssue } from '../src/domain/postings';
import { ErpError, type PostingRequest } from '../src/erp/adapter';
import { withExchangeLog } from '../src/erp/http/exchangeLog';
import type { ContractFixture, ErpModule } from '../src/erp/module';

/** How the bridge's posting activity sends an attempt: after the first, it looks in the ERP first. */
async function attempt(fixture: ContractFixture, request: PostingRequest, later: boolean) {
  const { adapter } = fixture.connection;
  if (later) {
    const found = await adapter.findPosted(request);
    if (found) return found;
  }
  return adapter.post(request);
}

async function failure(work: Promise<unknown>): Promise<ErpError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ErpError);
  return error as ErpError;
}

export function erpContract(module: ErpModule): void {
  describe(`the ERP adapter contract: ${module.title} (${module.erp}) against its simulator`, () => {
    let fixture: ContractFixture;
    const key = () => `contract|${randomUUID()}`;
    beforeAll(async () => {
      fixture = await module.contract!();
    });
    afterAll(async () => fixture?.stop());

    it('declares its capabilities and the posting rules its orders follow', () => {
      const capabilities = fixture.connection.adapter.capabilities();
      expect(capabilities.postings.size).toBeGreaterThan(0);
      expect(capabilities.rules).toEqual(module.postingRules(fixture.settings));
    });

    it('gives one document for a post retried after its answer was lost', async () => {
      const request = await fixture.validPosting(key());
      const before = (await fixture.documents()).length;
      await fixture.loseNextAnswer();
      const lost = await failure(attempt(fixture, request, false));
      expect(lost.classification).toBe('retryable');
      const retried = await attempt(fixture, request, true);
      expect(retried.foundExisting).toBe(true);
      const documents = await fixture.documents();
      expect(documents).toHaveLength(before + 1);
      expect(documents.map((d) => d.id)).toContain(retried.erpDocumentId);
    });

    it("gives one document for an operator's retry of a post that had landed", async () => {
      const request = await fixture.validPosting(key(), 1);
      const first = await attempt(fixture, request, false);
      const before = (await fixture.documents()).length;
      // The operator's retry is a new activity (attempt 1), but the order knows it was sent: it looks first.
      const again = await attempt(fixture, request, true);
      expect(again).toEqual({ erpDocumentId: first.erpDocumentId, foundExisting: true });
      expect(await fixture.documents()).toHaveLength(before);
    });

    it('never adopts a near-identical document booked by hand or by another order', async () => {
      const request = await fixture.validPosting(key(), 2);
      await fixture.bookByHand(request);
      const other = { ...(await fixture.validPosting(key(), 2)) };
      await attempt(fixture, other, false);
      expect(await fixture.connection.adapter.findPosted(request)).toBeUndefined();
      const before = (await fixture.documents()).length;
      const posted = await attempt(fixture, request, true);
      expect(posted.foundExisting).toBe(false);
      expect(await fixture.documents()).toHaveLength(before + 1);
    });

    it('stops a posting the ERP refuses on validation for a person, and books nothing', async () => {
      const before = (await fixture.documents()).length;
      const refused = await failure(fixture.connection.adapter.post(await fixture.invalidPosting(key())));
      expect(refused.classification).toBe('needsPerson');
      expect(await fixture.documents()).toHaveLength(before);
    });

    it('retries 5xx, 429 and Retry-After, and books once when the ERP answers again', async () => {
      const request = await fixture.validPosting(key(), 3);
      await fixture.failNext(503, 7);
      const unavailable = await failure(attempt(fixture, request, false));
      expect(unavailable).toMatchObject({ classification: 'retryable', details: { status: 503, retryAfterMs: 7000 } });
      await fixture.failNext(429, 2);
      const limited = await failure(attempt(fixture, request, true));
      expect(limited).toMatchObject({ classification: 'retryable', details: { status: 429 } });
      expect(limited.details.retryAfterMs).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, limited.details.retryAfterMs));
      const posted = await attempt(fixture, request, true);
      expect(posted.foundExisting).toBe(false);
    });

    it('reverses in part and whole as it declares, and each reversal only once', async () => {
      const { rules } = fixture.connection.adapter.capabilities();
      const request = await fixture.validPosting(key(), 4);
      const posted = await attempt(fixture, request, false);
      const kind = request.content.kind;
      const part = rules.reversedInPart.includes(kind) ? 'part' : 'whole';
      const reversal = fixture.reversalOf(request, posted.erpDocumentId, key(), part);
      const reversed = await attempt(fixture, reversal, false);
      // A later attempt of the same reversal finds it: nothing is taken back twice.
      expect(await attempt(fixture, reversal, true)).toEqual({ erpDocumentId: reversed.erpDocumentId, foundExisting: true });
      const document = (await fixture.documents()).find((d) => d.id === posted.erpDocumentId)!;
      const original = Number((request.content as { quantity: string }).quantity);
      expect(Number(document.quantity)).toBeCloseTo(part === 'part' ? original * 0.75 : 0, 6);
      if (part === 'part') {
        const rest = fixture.reversalOf(request, posted.erpDocumentId, key(), 'whole');
        await attempt(fixture, { ...rest, content: { ...rest.content, of: { ...(rest.content as { of: object }).of, quantity: String(original * 0.75) } } as PostingRequest['content'] }, false);
        expect(Number((await fixture.documents()).find((d) => d.id === posted.erpDocumentId)!.quantity)).toBeCloseTo(0, 6);
      }
    });

    it('lists what the ERP holds of an order, where it can: its own document, its reversal, and one booked by hand', async () => {
      const { adapter } = fixture.connection;
      if (!adapter.documentsOf) {
        // Reconciliation says so for these connections, and schedules none.
        expect(['afas', 'loopback']).toContain(module.erp);
        return;
      }
      const request = await fixture.validPosting(key(), 6);
      const content = request.content as MaterialIssue;
      const posted = await attempt(fixture, request, false);
      const part = adapter.capabilities().rules.reversedInPart.includes(content.kind) ? 'part' : 'whole';
      const reversed = await attempt(fixture, fixture.reversalOf(request, posted.erpDocumentId, key(), part), false);
      await fixture.bookByHand(request);
      const held = await adapter.documentsOf({ plant: content.plant, productionOrder: content.productionOrder, erpOrderReference: content.erpOrderReference });
      expect(held.kinds).toContain(content.kind);
      const mine = held.documents.find((d) => d.id === posted.erpDocumentId);
      expect(mine).toMatchObject({ kind: content.kind, erpMaterial: content.erpMaterial });
      expect(Number(mine!.quantity)).toBeCloseTo(Number(content.quantity), 6);
      expect(held.documents.find((d) => d.id === reversed.erpDocumentId)).toMatchObject({ kind: content.kind, reverses: posted.erpDocumentId });
      const byHand = held.documents.filter((d) => !d.reverses && d.id !== posted.erpDocumentId && d.erpMaterial === content.erpMaterial && Number(d.quantity) === Number(content.quantity));
      expect(byHand.length).toBeGreaterThanOrEqual(1);
    });

    it('keeps the HTTP exchanges of an attempt for the audit trail, without credentials', async () => {
      const logged = await withExchangeLog(async () => attempt(fixture, await fixture.validPosting(key(), 5), true));
      expect(logged.error).toBeUndefined();
      expect(logged.exchanges.length).toBeGreaterThan(0);
      expect(JSON.stringify(logged.exchanges)).not.toMatch(/Bearer|authorization/i);
    });

    it('checks green on a good connection, and red with the reason on bad credentials or an unreachable ERP', async () => {
      expect(await fixture.connection.check()).toMatchObject({ ok: true });
      const refused = await (await fixture.badCredentials()).check();
      expect(refused.ok).toBe(false);
      expect(refused.detail).toMatch(/401|refused|token|credential/i);
      const unreachable = await (await fixture.unreachable()).check();
      expect(unreachable.ok).toBe(false);
      expect(unreachable.detail).toMatch(/did not answer|ECONNREFUSED|fetch failed/i);
    });
  });
}
