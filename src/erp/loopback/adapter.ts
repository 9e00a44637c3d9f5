/**
 * The loopback ERP's adapter: stock documents posted with the posting key as their
 * reference, and found again by it. The ERP de-duplicates nothing itself, so any later
 * attempt looks up the reference first; a like document without our reference (booked by
 * hand, or by another order) is never taken for ours.
 */
import type { FinishedGoodsReceipt, MaterialIssue, PostingContent } from '../../domain/postings';
import type { PostingRules } from '../../domain/postingRules';
import { type ErpAdapter, ErpError, type PostingRequest, type PostingResult } from '../adapter';
import type { Send } from '../http/transport';
import type { LoopbackRecord } from './simulator';

export const LOOPBACK_POSTING_RULES: PostingRules = { quantityDecimals: 3, hoursDecimals: 2, reversedInPart: ['MaterialIssue'], kinds: ['MaterialIssue', 'FinishedGoodsReceipt', 'Reversal'] };

export function createLoopbackAdapter(http: Send, baseUrl: string): ErpAdapter {
  const api = `${baseUrl.replace(/\/$/, '')}/api`;
  const json = { Accept: 'application/json', 'Content-Type': 'application/json' };

  function bodyOf(content: PostingContent, key: string): Record<string, unknown> {
    const stock = (c: MaterialIssue | FinishedGoodsReceipt) => ({ order: c.erpOrderReference, material: c.erpMaterial, quantity: c.quantity, unit: c.unit });
    switch (content.kind) {
      case 'MaterialIssue':
      case 'FinishedGoodsReceipt':
        return { kind: content.kind, ...stock(content), reference: key };
      case 'Reversal':
        if (content.of.kind !== 'MaterialIssue' && content.of.kind !== 'FinishedGoodsReceipt') break;
        return { kind: 'Reversal', order: content.erpOrderReference, quantity: content.of.quantity, reverses: content.originalDocumentId, reference: key };
      default:
        break;
    }
    throw new ErpError(`the loopback ERP keeps no ${content.kind === 'Reversal' ? `reversal of ${content.of.kind}` : content.kind}`, 'needsPerson', 'NotSupported');
  }

  return {
    system: 'loopback',
    capabilities: () => ({ postings: new Set(LOOPBACK_POSTING_RULES.kinds), idempotency: 'lookup', rules: LOOPBACK_POSTING_RULES }),
    async post(request: PostingRequest): Promise<PostingResult> {
      const body = bodyOf(request.content, request.idempotencyKey);
      const answer = await http({ method: 'POST', url: `${api}/documents`, headers: json, body: JSON.stringify(body), logged: body });
      return { erpDocumentId: (JSON.parse(answer.text) as LoopbackRecord).id, foundExisting: false };
    },
    async findPosted(request: PostingRequest): Promise<PostingResult | undefined> {
      const answer = await http({ method: 'GET', url: `${api}/documents?reference=${encodeURIComponent(request.idempotencyKey)}`, headers: json });
      const [ours] = (JSON.parse(answer.text) as { documents: LoopbackRecord[] }).documents.filter((d) => d.reference === request.idempotencyKey);
      return ours ? { erpDocumentId: ours.id, foundExisting: true } : undefined;
    },
  };
}
