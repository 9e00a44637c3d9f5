/**
 * What a plant's monitoring reads of the bridge, in Prometheus's format (`GET /metrics` on
 * the starter API; a worker process without one serves it on METRICS_PORT): events taken
 * and refused, postings by ERP, kind and outcome with the ERP's latency, each connection's
 * call budget left, and orders by ERP sync status. The counters are fed by decorators over
 * the delivery to Temporal, the audit trail and the record of refused input, so no source,
 * posting or refusal needs to know of them. The Temporal SDK's own metrics have their exporter of its own
 * (TEMPORAL_SDK_METRICS_ADDRESS).
 */
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditTrail } from '../audit/auditTrail';
import type { RejectedInputs } from '../audit/rejectedInputs';
import type { CallBudget } from '../domain/callBudget';
import type { FloorEvent } from '../domain/events';
import type { OrderDelivery } from '../delivery/orderDelivery';
import type { ErpSyncStatus } from '../domain/orderView';

export interface BridgeMetrics {
  registry: Registry;
  eventsAccepted: Counter<'source' | 'type'>;
  readingsAccepted: Counter<'plant' | 'machine'>;
  inputsRefused: Counter<'channel' | 'source' | 'reason'>;
  postings: Counter<'erp' | 'kind' | 'outcome'>;
  erpLatency: Histogram<'erp' | 'kind' | 'outcome'>;
}

export interface MetricsSources {
  /** Each connection's call budget as last metered (absent: its ERP tells none). */
  budgets: () => { connection: string; budget: CallBudget | undefined }[];
  /** Running orders by ERP sync status (the starter API counts them in Temporal's visibility). */
  ordersBySyncStatus?: () => Promise<Record<ErpSyncStatus, number>>;
}

export function createBridgeMetrics(sources: MetricsSources): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shopfloor_' });
  const metrics: BridgeMetrics = {
    registry,
    eventsAccepted: new Counter({ name: 'shopfloor_events_accepted_total', help: 'Floor events Temporal holds, by source and event type', labelNames: ['source', 'type'], registers: [registry] }),
    readingsAccepted: new Counter({ name: 'shopfloor_machine_readings_accepted_total', help: "Machine readings (OPC UA, MQTT) Temporal holds, by plant and machine", labelNames: ['plant', 'machine'], registers: [registry] }),
    inputsRefused: new Counter({ name: 'shopfloor_inputs_refused_total', help: 'Input refused and recorded (GET /v1/rejected-inputs), by channel, source and reason', labelNames: ['channel', 'source', 'reason'], registers: [registry] }),
    postings: new Counter({ name: 'shopfloor_erp_posting_attempts_total', help: 'Attempts to post to the ERP, by ERP, posting kind and outcome', labelNames: ['erp', 'kind', 'outcome'], registers: [registry] }),
    erpLatency: new Histogram({
      name: 'shopfloor_erp_posting_seconds',
      help: 'How long an attempt to post took, look-ups in the ERP included',
      labelNames: ['erp', 'kind', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'shopfloor_erp_call_budget_remaining',
    help: "Calls left in each window of an ERP connection's call budget, as last metered",
    labelNames: ['connection', 'window'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { connection, budget } of sources.budgets()) for (const w of budget?.windows ?? []) this.set({ connection, window: w.name }, w.remaining);
    },
  });
  const count = sources.ordersBySyncStatus;
  if (count) {
    new Gauge({
      name: 'shopfloor_orders_running',
      help: 'Running production orders by ERP sync status',
      labelNames: ['erp_sync_status'],
      registers: [registry],
      async collect() {
        const counts = await count();
        for (const [status, n] of Object.entries(counts)) this.set({ erp_sync_status: status }, n);
      },
    });
  }
  return metrics;
}

/** The delivery to orders and machines, counting each event and reading Temporal holds, whichever source sent it (HTTP, MQTT, OPC UA, the ERP's planning). */
export function meteredDelivery(delivery: OrderDelivery, metrics: BridgeMetrics): OrderDelivery {
  const accepted = (events: readonly FloorEvent[]) => {
    for (const e of events) metrics.eventsAccepted.inc({ source: e.source, type: e.type });
  };
  return {
    ...delivery,
    async deliver(event) {
      const workflowId = await delivery.deliver(event);
      if (workflowId !== undefined) accepted([event]);
      return workflowId;
    },
    async deliverToOrder(events) {
      const workflowId = await delivery.deliverToOrder(events);
      if (workflowId !== undefined) accepted(events);
      return workflowId;
    },
    async deliverUnlessClosed(event, options) {
      const taken = await delivery.deliverUnlessClosed(event, options);
      if (taken) accepted([event]);
      return taken;
    },
    async deliverReading(plant, machine, reading) {
      const workflowId = await delivery.deliverReading(plant, machine, reading);
      metrics.readingsAccepted.inc({ plant, machine });
      return workflowId;
    },
  };
}

/** The audit trail, counting each attempt it records (outcome and latency by ERP and kind). */
export function meteredAuditTrail(audit: AuditTrail, metrics: BridgeMetrics): AuditTrail {
  return {
    ...audit,
    async recordAttempt(attempt) {
      await audit.recordAttempt(attempt);
      const labels = { erp: attempt.erpSystem, kind: attempt.posting.kind, outcome: attempt.outcome };
      metrics.postings.inc(labels);
      metrics.erpLatency.observe(labels, (attempt.finishedAt.getTime() - attempt.startedAt.getTime()) / 1000);
    },
  };
}

/** The record of refused input, counting each refusal by channel, source and the reason's heading ("Invalid event", "signature refused"). */
export function meteredRejectedInputs(rejected: RejectedInputs, metrics: BridgeMetrics): RejectedInputs {
  return {
    ...rejected,
    async record(input) {
      await rejected.record(input);
      metrics.inputsRefused.inc({ channel: input.channel, source: input.source ?? '', reason: reasonHeading(input.reason) });
    },
  };
}

/** The part of a refusal's reason before its first colon, short: a label, not the message. */
function reasonHeading(reason: string): string {
  return (reason.split(':')[0] ?? reason).trim().slice(0, 60);
}

/** Serves the registry at /metrics on a port of its own (a worker process has no starter API). */
export async function serveMetrics(metrics: BridgeMetrics, listen: { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return { url: `http://${listen.host}:${port}/metrics`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
