/**
 * Activities that post to ERPs, built over the adapters the worker hands in. Any attempt
 * after a posting's first may follow a post whose answer was lost, so it looks the posting
 * up in the ERP before sending it again: a Temporal retry, an operator's retry or mapping
 * correction (a new activity, attempt 1 again: the workflow says it was attempted), a
 * reset or a reopened order (the audit trail holds an attempt of the key).
 */
import { hostname } from 'node:os';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AttemptOutcome, AuditTrail } from '../audit/auditTrail';
import type { ErpSystem } from '../domain/erpSystem';
import { ErpError, type PostingRequest, type PostingResult } from '../erp/adapter';
import type { ErpConnections } from '../erp/connections';
import { withExchangeLog } from '../erp/http/exchangeLog';

export interface PostToErpInput extends PostingRequest {
  erpSystem: ErpSystem;
  /** The connection to post through (absent in orders started before connections: the one of their ERP). */
  erpConnection?: string;
  workflowId: string;
  sequence: number;
  /** The floor events whose quantities the posting carries, for the audit trail. */
  sourceEventIds: string[];
  /** How the floor's totals became the posting, in words, for the audit trail. */
  transformation?: string;
  /** The workflow sent this posting to the ERP before (an operator's retry, a mapping correction). */
  attemptedBefore?: boolean;
}

export interface ErpPostingDependencies {
  connections: Pick<ErpConnections, 'byId' | 'forErp'>;
  audit: AuditTrail;
}

/** This worker process, as the audit trail names it. */
const workerIdentity = `${hostname()}:${process.pid}`;

export function createErpPostingActivities({ connections, audit }: ErpPostingDependencies) {
  return {
    /** Posts once per attempt, and writes the attempt to the audit trail whatever its outcome. */
    async postToErp(input: PostToErpInput): Promise<PostingResult> {
      const connection = input.erpConnection ? connections.byId(input.erpConnection) : connections.forErp(input.erpSystem);
      if (!connection) {
        throw ApplicationFailure.nonRetryable(`ERP connection ${input.erpConnection ?? `of ${input.erpSystem}`} is not configured on worker ${workerIdentity}`, 'ErpNotConfigured');
      }
      const { adapter } = connection;
      const request: PostingRequest = {
        content: input.content,
        idempotencyKey: input.idempotencyKey,
      };
      const { attempt } = activityInfo();
      const startedAt = new Date();
      const recorded = {
        workflowId: input.workflowId,
        erpSystem: input.erpSystem,
        erpConnection: connection.id,
        postingSequence: input.sequence,
        idempotencyKey: input.idempotencyKey,
        attempt,
        posting: input.content,
        sourceEventIds: input.sourceEventIds,
        transformation: input.transformation,
        worker: workerIdentity,
      };
      if (connection.shadow) {
        // Shadow mode: the posting is planned and recorded as if posted; the ERP hears nothing of it.
        const shadowed: PostingResult = { erpDocumentId: shadowDocumentId(input.idempotencyKey), foundExisting: false, notes: ['shadow mode: recorded, not sent to the ERP'] };
        await audit.recordAttempt({ ...recorded, exchanges: [], notes: shadowed.notes!, outcome: 'shadowed', erpDocumentId: shadowed.erpDocumentId, startedAt, finishedAt: new Date() });
        return shadowed;
      }
      const lookFirst =
        adapter.capabilities().idempotency === 'lookup' && (attempt > 1 || input.attemptedBefore === true || (await audit.attempted(input.idempotencyKey)));
      const { result, error, exchanges } = await withExchangeLog(async () => {
        if (lookFirst) {
          const earlier = await adapter.findPosted(request);
          if (earlier) return earlier;
        }
        return adapter.post(request);
      });
      // If this write fails the attempt fails and is retried; the retry finds the post in the ERP.
      await audit.recordAttempt({
        ...recorded,
        exchanges,
        notes: result?.notes ?? [],
        outcome: outcomeOf(result, error),
        erpDocumentId: result?.erpDocumentId,
        errorType: error instanceof ErpError ? error.type : error ? 'UnexpectedError' : undefined,
        errorMessage: error ? String(error instanceof Error ? error.message : error) : undefined,
        startedAt,
        finishedAt: new Date(),
      });
      if (error !== undefined || !result) throw toActivityFailure(error);
      const budget = adapter.callBudget?.();
      return budget && budget.windows.length > 0 ? { ...result, budget } : result;
    },
  };
}

/** The document a posting would have made, in shadow mode: no ERP id, its key. */
export function shadowDocumentId(idempotencyKey: string): string {
  return `shadow:${idempotencyKey}`;
}

function outcomeOf(result: PostingResult | undefined, error: unknown): AttemptOutcome {
  if (result) return result.foundExisting ? 'found-existing' : 'posted';
  return error instanceof ErpError && error.classification === 'needsPerson' ? 'needs-person' : 'retryable-error';
}

/** Retryable ERP errors stay retryable (honouring the ERP's reset time); the rest wait for a person. */
export function toActivityFailure(error: unknown): unknown {
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
