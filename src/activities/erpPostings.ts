/**
 * Activities that post to ERPs, built over the adapters the worker hands in.
 * An attempt after the first may follow a post whose answer was lost, so it looks
 * the posting up in the ERP before sending it again.
 */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpSystem } from '../domain/erpSystem';
import { type ErpAdapter, ErpError, type PostingRequest, type PostingResult } from '../erp/adapter';

export interface PostToErpInput extends PostingRequest {
  erpSystem: ErpSystem;
}

export function createErpPostingActivities(adapters: Partial<Record<ErpSystem, ErpAdapter>>) {
  return {
    async postToErp(input: PostToErpInput): Promise<PostingResult> {
      const adapter = adapters[input.erpSystem];
      if (!adapter) {
        throw ApplicationFailure.nonRetryable(`no ${input.erpSystem} connection is configured on this worker`, 'ErpNotConfigured');
      }
      const request: PostingRequest = {
        content: input.content,
        idempotencyKey: input.idempotencyKey,
        knownDocumentIds: input.knownDocumentIds,
      };
      try {
        if (activityInfo().attempt > 1 && adapter.capabilities().idempotency === 'lookup') {
          const earlier = await adapter.findPosted(request);
          if (earlier) return earlier;
        }
        return await adapter.post(request);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}

/** Retryable ERP errors stay retryable (honouring the ERP's reset time); the rest wait for a person. */
function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof ErpError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: error.classification === 'needsPerson',
    nextRetryDelay: error.details.retryAfterMs,
    details: [{ status: error.details.status, body: error.details.body }],
  });
}

export type ErpPostingActivities = ReturnType<typeof createErpPostingActivities>;
