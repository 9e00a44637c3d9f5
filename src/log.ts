/**
 * The bridge's structured log (pino): one JSON object per line on stdout, with the order
 * (`workflowId`, `plant`, `productionOrder`) and, for a posting, its `postingSequence`, kind
 * and outcome in every line that concerns them, for a plant's log shipping to read.
 * LOG_FORMAT=json is the default of worker and starter processes; `npm start` prints lines
 * for a person unless LOG_FORMAT=json (src/consoleLog.ts installs either). LOG_LEVEL sets the level.
 */
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import type { AuditTrail } from './audit/auditTrail';
import type { RejectedInputs } from './audit/rejectedInputs';

export type BridgeLogger = Logger;

/** `destination`: where the lines go (default stdout). */
export function createLogger(options: { level?: string | undefined; destination?: pino.DestinationStream } = {}): BridgeLogger {
  const settings = { level: options.level ?? 'info', base: { service: 'shopfloor-bridge', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** What a workflow id says of its order: production-order/<plant>/<order>. */
export function orderOf(workflowId: unknown): { workflowId?: string; plant?: string; productionOrder?: string } {
  if (typeof workflowId !== 'string') return {};
  const match = /^production-order\/([^/]+)\/(.+)$/.exec(workflowId);
  return match ? { workflowId, plant: match[1]!, productionOrder: match[2]! } : { workflowId };
}

const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The Temporal runtime's log (workers, activities, workflows) as JSON lines, the order named where the entry has one. */
export function jsonRuntimeLogger(logger: BridgeLogger): DefaultLogger {
  return new DefaultLogger('WARN', ({ level, message, meta = {} }: LogEntry) => {
    const { workflowId, error, ...rest } = meta as Record<string, unknown> & { error?: { message?: string; type?: string } };
    logger[levels[level]]({ ...orderOf(workflowId), ...rest, ...(error ? { error: { type: error.type, message: error.message } } : {}) }, message);
  });
}

/** The audit trail, logging each attempt to post with its order and posting. */
export function loggedAuditTrail(audit: AuditTrail, logger: BridgeLogger): AuditTrail {
  return {
    ...audit,
    async recordAttempt(attempt) {
      await audit.recordAttempt(attempt);
      const line = {
        ...orderOf(attempt.workflowId),
        plant: attempt.posting.plant,
        productionOrder: attempt.posting.productionOrder,
        erpSystem: attempt.erpSystem,
        postingSequence: attempt.postingSequence,
        postingKind: attempt.posting.kind,
        idempotencyKey: attempt.idempotencyKey,
        attempt: attempt.attempt,
        outcome: attempt.outcome,
        durationMs: attempt.finishedAt.getTime() - attempt.startedAt.getTime(),
        ...(attempt.erpDocumentId ? { erpDocumentId: attempt.erpDocumentId } : {}),
        ...(attempt.errorType ? { error: { type: attempt.errorType, message: attempt.errorMessage } } : {}),
      };
      if (attempt.outcome === 'posted' || attempt.outcome === 'found-existing') logger.info(line, `posting ${attempt.postingSequence} ${attempt.outcome}`);
      else logger.warn(line, `posting ${attempt.postingSequence} ${attempt.outcome}`);
    },
  };
}

/** The record of refused input, logging each refusal with its channel, source and reason. */
export function loggedRejectedInputs(rejected: RejectedInputs, logger: BridgeLogger): RejectedInputs {
  return {
    ...rejected,
    async record(input) {
      await rejected.record(input);
      logger.warn({ channel: input.channel, source: input.source, reference: input.reference, reason: input.reason }, 'input refused');
    },
  };
}
