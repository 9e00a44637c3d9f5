/**
 * One line per Temporal runtime log entry, for a person watching `npm start`: a retried
 * post reads "postToErp of production-order/DEMO/1 failed (attempt 1, RateLimited): …;
 * retrying in 50.7 s" instead of a stack trace with task tokens.
 */
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { createLogger, jsonRuntimeLogger } from './log';

/** Warnings that describe the design, not a problem: the posting workers run activities only. */
const expected = /^No workflows registered/;

/**
 * The Temporal runtime's log, installed once per process: lines for a person (`text`, as
 * above) or JSON lines naming the order (`json`, src/log.ts); and, given
 * `temporalSdkMetrics` (host:port, TEMPORAL_SDK_METRICS_ADDRESS), the SDK's own Prometheus exporter.
 */
export function installRuntimeLog(options: { format: 'json' | 'text'; level?: string | undefined; temporalSdkMetrics?: string | undefined }): void {
  Runtime.install({
    ...(options.temporalSdkMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.temporalSdkMetrics } } } } : {}),
    logger:
      options.format === 'json'
        ? jsonRuntimeLogger(createLogger({ level: options.level }))
        : new DefaultLogger('WARN', (entry) => {
            if (expected.test(entry.message)) return;
            console.log(`  ${entry.level.toLowerCase()}: ${describeEntry(entry)}`);
          }),
  });
}

function describeEntry({ message, meta = {} }: LogEntry): string {
  const error = meta.error as { message?: string; type?: string; nextRetryDelay?: unknown } | undefined;
  if (meta.activityType && error) {
    const delay = typeof error.nextRetryDelay === 'number' ? `; retrying in ${(error.nextRetryDelay / 1000).toFixed(1)} s` : '';
    return `${String(meta.activityType)} of ${String(meta.workflowId)} failed (attempt ${String(meta.attempt)}${error.type ? `, ${error.type}` : ''}): ${error.message ?? ''}${delay}`;
  }
  const where = meta.workflowId ? ` (${String(meta.workflowId)})` : '';
  return `${message}${where}${error?.message ? `: ${error.message}` : ''}`;
}
