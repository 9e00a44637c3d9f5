/**
 * `npm run cli -- <command>`: what an operator (or a script) does with the bridge, over the
 * starter API. STARTER_URL (default http://127.0.0.1:8080) and SHOPFLOOR_TOKEN (a source's or
 * operator's bearer token) say where and as whom.
 *
 *   send <file.json>                          send the event (or array of events) in a file
 *   show <plant> <order>                      an order's story: where it stands, what needs a person and the fix, its postings
 *   attention [plant]                         the open orders that need a person
 *   retry <plant> <order> <posting>           send a stopped posting again
 *   skip <plant> <order> <posting> <reason>   the ERP shall not get a posting
 *   map <plant> <order> order <ERP order>     correct the ERP's order the postings name, and post again
 *   map <plant> <order> material|employee <floor>=<ERP> ...   correct the ERP's item or employee for floor codes, and post again
 *   acknowledge <plant> <order> <event> <note>   a rejected event has been dealt with
 *   reload <plant> <order>                    look the order's master data up again (after a change) and plan with it
 *   rejected [limit]                          the latest input the bridge refused
 *   connections [--check]                     the ERP connections and their state; --check: whether each works (exit 1 if one does not)
 *   planning <plant> [status]                 the ERP's orders for the plant, with their components and routing
 *   close <connection> <YYYY-MM> [--book]     the period-end close's entries (a dry run); --book: book them, once
" *   reconcile <connection>                    reconcile the connection now: per order and line, floor, posted and ERP, and each difference
 *   reconciliation <connection> [YYYY-MM-DD]  the latest reconciliation report (of that day)
 *   post-difference <plant> <order> <posting> post the difference reconciliation found for a posting changed or deleted in the ERP
 *   trust-plc [thumbprint]                    the PLC certificates refused, with their thumbprints; with one: trust that PLC (this machine's .data/pki)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config';
import { describePosting } from './domain/postings';
import { type ProductionOrderView, describe } from './domain/orderView';
import type { PlannedOrderDetail } from './domain/planning';
import { projectRoot } from './projectRoot';
import { refusedPlcCertificates, trustPlcCertificate, trustedPlcCertificates } from './sources/opcua/trust';
import type { PeriodCloseView } from './starters/periodClose';
import type { ReconciliationReport } from './reconciliation/store';
import { differenceFix } from './domain/reconciliation';

const usage = readFileSync(__filename, 'utf8').split('\n').filter((line) => /^ \* {3}\w/.test(line)).map((line) => line.slice(3)).join('\n');

async function main(argv: string[]): Promise<number> {
  const { starterUrl, token } = loadConfig().cli;
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${starterUrl}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const errors = (json.errors as { field: string; message: string }[] | undefined)?.map((e) => `\n  ${e.field}: ${e.message}`).join('') ?? '';
      throw new Error(`${response.status} ${String(json.title ?? '')}: ${String(json.detail ?? text)}${errors}`);
    }
    return json;
  };
  const [command, ...args] = argv;
  const need = (count: number, names: string) => {
    if (args.length < count) throw new Error(`usage: ${command} ${names}`);
  };
  switch (command) {
    case 'send': {
      need(1, '<file.json>');
      const answer = await call('POST', '/v1/events', JSON.parse(readFileSync(args[0]!, 'utf8')));
      for (const a of answer.accepted as { eventId: string; workflowId: string }[]) console.log(`accepted ${a.eventId} → ${a.workflowId}`);
      return 0;
    }
    case 'show': {
      need(2, '<plant> <order>');
      const view = (await call('GET', `/v1/orders/${args[0]}/${args[1]}`)) as unknown as ProductionOrderView;
      // The same story as the Web UI's details, without their markdown; then every posting.
      console.log(`${view.workflowId}\n${describe(view).replaceAll('**', '').replaceAll('`', '')}\n\nAll postings`);
      for (const p of view.postings) console.log(`  #${p.sequence} ${p.status.padEnd(14)} ${describePosting(p.content)}${p.error ? ` — ${p.error.type}: ${p.error.message}` : ''}${p.skipReason ? ` — skipped: ${p.skipReason}` : ''}`);
      // As the Web UI's details say it: what the latest reconciliation found in the ERP for the order.
      const reconciled = (await call('GET', `/v1/reconciliation?plant=${encodeURIComponent(args[0]!)}&order=${encodeURIComponent(args[1]!)}`).catch(() => undefined)) as unknown as ReconciliationReport | undefined;
      const differences = reconciled?.orders[0]?.differences ?? [];
      if (differences.length > 0) {
        console.log(`\nERP differs (reconciliation ${reconciled!.run.finishedAt ?? reconciled!.run.startedAt})`);
        for (const d of differences) console.log(`  ${d.type}: ${d.message}\n    fix: ${differenceFix(d, view)}`);
      }
      return 0;
    }
    case 'map': {
      need(4, '<plant> <order> order <ERP order> | material|employee <floor>=<ERP> ...');
      const [plant, order, kind, ...pairs] = args as [string, string, string, ...string[]];
      let correction: Record<string, unknown>;
      if (kind === 'order') correction = { erpOrderReference: pairs[0] };
      else if (kind === 'material' || kind === 'employee') {
        const entries = pairs.map((pair) => {
          const at = pair.indexOf('=');
          if (at <= 0 || at === pair.length - 1) throw new Error(`"${pair}": write <floor code>=<ERP code>`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        });
        correction = { [kind === 'material' ? 'materials' : 'employees']: Object.fromEntries(entries) };
      } else throw new Error(`map: "${kind}" is not order, material or employee`);
      const view = (await call('POST', `/v1/orders/${plant}/${order}/mappings`, correction)) as unknown as ProductionOrderView;
      console.log(`mapping corrected; order ERP ${view.erpSyncStatus}`);
      return 0;
    }
    case 'acknowledge': {
      need(4, '<plant> <order> <event> <note>');
      const [plant, order, eventId, ...note] = args as [string, string, string, ...string[]];
      const view = (await call('POST', `/v1/orders/${plant}/${order}/rejected-events/${encodeURIComponent(eventId)}/acknowledge`, { note: note.join(' ') })) as unknown as ProductionOrderView;
      console.log(`event ${eventId} acknowledged; order ERP ${view.erpSyncStatus}`);
      return 0;
    }
    case 'reload': {
      need(2, '<plant> <order>');
      const view = (await call('POST', `/v1/orders/${args[0]}/${args[1]}/master-data/reload`)) as unknown as ProductionOrderView;
      console.log(`master data looked up again; order ERP ${view.erpSyncStatus}`);
      return 0;
    }
    case 'attention': {
      const { orders } = (await call('GET', `/v1/orders?erpSyncStatus=NeedsAttention${args[0] ? `&plant=${encodeURIComponent(args[0])}` : ''}`)) as { orders: { workflowId: string; orderStatus: string }[] };
      if (orders.length === 0) console.log('no order needs attention');
      for (const o of orders) console.log(`${o.workflowId} (${o.orderStatus})`);
      return 0;
    }
    case 'retry':
    case 'skip': {
      need(command === 'skip' ? 4 : 3, command === 'skip' ? '<plant> <order> <posting> <reason>' : '<plant> <order> <posting>');
      const [plant, order, sequence, ...reason] = args;
      const view = (await call('POST', `/v1/orders/${plant}/${order}/postings/${sequence}/${command}`, command === 'skip' ? { reason: reason.join(' ') } : undefined)) as unknown as ProductionOrderView;
      console.log(`posting ${sequence}: ${view.postings.find((p) => String(p.sequence) === sequence)?.status}; order ERP ${view.erpSyncStatus}`);
      return 0;
    }
    case 'rejected': {
      const { rejectedInputs } = (await call('GET', `/v1/rejected-inputs?limit=${args[0] ?? 20}`)) as { rejectedInputs: { receivedAt: string; channel: string; reference: string; reason: string }[] };
      for (const r of rejectedInputs) console.log(`${r.receivedAt} ${r.channel} ${r.reference}: ${r.reason}`);
      return 0;
    }
    case 'connections': {
      const { connections } = (await call('GET', '/v1/erp/connections')) as {
        connections: { id: string; erp: string; description: string; plants: string[]; state: string; reason?: string; check: { ok: boolean; detail: string } }[];
      };
      const checking = args.includes('--check');
      for (const c of connections) {
        console.log(`${c.id} (${c.description}, plants ${c.plants.join(', ')}): ${c.state}${c.reason ? ` — ${c.reason}` : ''}`);
        if (checking) console.log(`  check: ${c.check.ok ? 'ok' : 'NOT WORKING'} — ${c.check.detail}`);
      }
      return checking && connections.some((c) => !c.check.ok) ? 1 : 0;
    }
    case 'planning': {
      need(1, '<plant> [status]');
      const query = new URLSearchParams({ plant: args[0]!, ...(args[1] ? { status: args[1] } : {}) });
      const { orders } = (await call('GET', `/v1/planning/orders?${query.toString()}`)) as { orders: PlannedOrderDetail[] };
      if (orders.length === 0) console.log(`no planning read for plant ${args[0]}${args[1] ? ` with status ${args[1]}` : ''}`);
      for (const o of orders) {
        console.log(`${o.erpOrder} ${o.status.padEnd(10)} ${o.plannedQuantity} ${o.unit} ${o.material}${o.plannedStart ? ` from ${o.plannedStart}` : ''}${o.plannedFinish ? ` to ${o.plannedFinish}` : ''}`);
        for (const c of o.components) console.log(`  ${c.byProduct ? 'yields' : 'uses  '} ${c.plannedQuantity} ${c.unit} ${c.material}${c.backflush ? ' (backflushed)' : ''}`);
        for (const s of o.operations) console.log(`  op ${s.operation}${s.workCentre ? ` on ${s.workCentre}` : ''}${s.plannedRunHours ? `, ${s.plannedRunHours} h run` : ''}`);
      }
      return 0;
    }
    case 'trust-plc': {
      const pki = path.join(projectRoot, '.data', 'pki');
      const trusted = path.join(pki, 'trusted');
      if (args[0]) {
        const certificate = trustPlcCertificate(pki, trusted, args[0]);
        if (!certificate) throw new Error(`no refused PLC certificate has the thumbprint ${args[0]} (npm run cli -- trust-plc lists them)`);
        console.log(`trusted ${certificate.subject} (${certificate.thumbprint}); the sources take it at their next attempt to connect`);
        return 0;
      }
      const refused = refusedPlcCertificates(pki, trusted);
      if (refused.length === 0) console.log('no PLC certificate was refused');
      for (const c of refused) console.log(`${c.thumbprint}  ${c.subject}  valid to ${c.validTo}`);
      for (const c of trustedPlcCertificates(trusted)) console.log(`trusted: ${c.thumbprint}  ${c.subject}`);
      return 0;
    }
    case 'close': {
      need(2, '<connection> <YYYY-MM> [--book]');
      const [connection, period] = args as [string, string];
      const route = `/v1/erp/connections/${connection}/period-close`;
      let close = (await call('POST', route, { period, book: args.includes('--book') })) as unknown as PeriodCloseView;
      // A booking runs in its workflow: follow it until it is done.
      while (close.stage !== 'Done') {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        close = (await call('GET', `${route}/${period}`)) as unknown as PeriodCloseView;
      }
      console.log(`close ${close.period} of ${connection}${close.dryRun ? ' (dry run: nothing booked)' : `: ${close.booked} booked, ${close.held} already in the ERP, ${close.failed} refused`}`);
      for (const line of close.lines) {
        console.log(`  ${line.plant}/${line.productionOrder} ${line.quantity} ${line.unit} ${line.material}${line.outcome === 'planned' ? '' : ` — ${line.outcome}${line.error ? `: ${line.error.message}` : ''}`}`);
        for (const b of line.bookings) console.log(`    ${b.account.padEnd(18)} debit ${b.debit.padStart(10)}  credit ${b.credit.padStart(10)}`);
      }
      for (const p of close.problems) console.log(`  no entry for ${p.plant}/${p.productionOrder}: ${p.problem}`);
      for (const id of close.openOrders) console.log(`  completed, not closed yet (a close takes it once it has): ${id}`);
      return close.failed > 0 ? 1 : 0;
    }
    case 'reconcile':
    case 'reconciliation': {
      need(1, command === 'reconcile' ? '<connection>' : '<connection> [YYYY-MM-DD]');
      const [connection, day] = args as [string, string | undefined];
      const report = (
        command === 'reconcile'
          ? await call('GET', `/v1/reconciliation?run=${encodeURIComponent(String((await call('POST', `/v1/reconciliation/${connection}/runs`, { wait: true })).workflowId))}&all=true`)
          : await call('GET', `/v1/reconciliation?connection=${encodeURIComponent(connection)}${day ? `&day=${day}` : ''}`)
      ) as unknown as ReconciliationReport;
      const { run } = report;
      console.log(`reconciliation ${run.id}${run.shadow ? ' (shadow mode)' : ''}: ${run.orders} orders compared, ${run.differences} differences, finished ${run.finishedAt ?? 'not yet'}`);
      for (const p of run.problems) console.log(`  not compared: ${p.workflowId}: ${p.problem}`);
      for (const order of report.orders) {
        console.log(`  ${order.plant} ${order.productionOrder}`);
        const posted = run.shadow ? 'would post' : 'posted';
        for (const l of order.lines) console.log(`    ${l.kind.padEnd(20)} ${l.erpMaterial.padEnd(14)} floor ${l.floor.padStart(10)}  ${posted} ${l.posted.padStart(10)}  ERP ${l.erp.padStart(10)} ${l.unit ?? ''}`);
        for (const d of order.differences) console.log(`    ${d.type}: ${d.message}\n      fix: ${differenceFix(d, order)}`);
      }
      return run.differences > 0 ? 1 : 0;
    }
    case 'post-difference': {
      need(3, '<plant> <order> <posting>');
      const [plant, order, sequence] = args as [string, string, string];
      const view = (await call('POST', `/v1/orders/${plant}/${order}/postings/${sequence}/post-erp-difference`)) as unknown as ProductionOrderView;
      console.log(describe(view));
      return 0;
    }
    default:
      console.error(`commands:\n${usage}`);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
