/**
 * `npm start`: everything on embedded defaults. The Temporal dev server (installed
 * on first run) with its Web UI, a simulated ERP (deploy/demo-connections.yaml), a worker,
 * the starter API, and a demo factory that runs a few orders. Ctrl-C stops it all.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config';
import { installRuntimeLog } from './consoleLog';
import { describePosting } from './domain/postings';
import { startEmbedded } from './embedded';
import { allSimulated } from './erp/connections';
import { erpModule } from './erp/registry';
import { projectRoot } from './projectRoot';
import { spawnPlcSimulator } from './sources/opcua/plcSimulator';
import { startSources } from './sources/sources';
import { statusQuery } from './workflows/productionOrder/workflow';
import { erpPlanningWorkflowId, planningStatusQuery, syncNowSignal } from './workflows/erpPlanning/workflow';

const step = (line: string) => console.log(`▸ ${line}`);

/** npm start's payload key, made on first start and kept in .data (PAYLOAD_KEYS, if set, wins). */
function localPayloadKey(): string {
  const file = path.join(projectRoot, '.data', 'payload-keys');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `local-1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

async function main() {
  // npm start prints lines for a person; LOG_FORMAT=json makes them JSON, as worker processes do.
  installRuntimeLog({ format: process.env.LOG_FORMAT === 'json' ? 'json' : 'text', level: process.env.LOG_LEVEL, temporalSdkMetrics: process.env.TEMPORAL_SDK_METRICS_ADDRESS });
  // Demo orders close 20 s after they are settled, so they show as completed soon; payloads are sealed with this machine's own key.
  const defaults = { ORDER_CLOSE_AFTER: '20s', PAYLOAD_KEYS: localPayloadKey(), LOG_FORMAT: 'text' };
  // With no ERP named (no ERP_CONNECTIONS, no ERP address), the demo factory's connections and sources: a
  // simulated ERP the bridge signs in to as it would to the real one, planning for the demo plant.
  const first = loadConfig(process.env, defaults);
  const simulated = !process.env.ERP_CONNECTIONS && allSimulated(first.erp.connections);
  // DEMO_ERP picks another ERP's demo connections (deploy/demo-connections.<erp>.yaml).
  const demoConnections = path.join(projectRoot, 'deploy', first.demo.erp ? `demo-connections.${first.demo.erp}.yaml` : 'demo-connections.yaml');
  if (simulated && !existsSync(demoConnections)) throw new Error(`DEMO_ERP=${first.demo.erp}: there is no ${path.relative(projectRoot, demoConnections)}`);
  const config = loadConfig(
    process.env,
    simulated
      ? {
          ...defaults,
          ERP_CONNECTIONS: demoConnections,
          SOURCES_FILE: path.join(projectRoot, 'deploy', 'demo-sources.yaml'),
          DEMO_PLC_PORT: '48400',
          PLANNING_SYNC_EVERY: '30s',
        }
      : defaults,
  );
  // The Web UI decodes payloads through the starter API's codec endpoint, as an operator who may read.
  const reader = config.sources.http.operators.find((o) => o.actions.length > 0);
  const uiCodecEndpoint = config.temporal.payloadKeys.length > 0 && reader ? `http://${config.starter.host}:${config.starter.port}/codec/${reader.bearerToken}` : undefined;
  const embedded = await startEmbedded(config, {
    devServer: { port: config.temporal.devServer.port, uiPort: config.temporal.devServer.uiPort, dbFile: path.join(projectRoot, '.data', 'temporal.sqlite'), ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}) },
    listen: config.starter,
    step,
  });
  const { address, client } = embedded;
  // Who may call the starter API: the demo's tokens are printed (they are the demo's, and every README example uses them); a real file's never are.
  const { sources, operators } = config.sources.http;
  const shown = (t: string | undefined) => (simulated ? `Authorization: Bearer ${t}` : 'its token from the sources file');
  for (const s of sources) step(`  source ${s.id} (plants ${s.plants.join(', ')}): ${s.bearerToken ? shown(s.bearerToken) : 'signed webhooks'}`);
  for (const o of operators) step(`  operator ${o.name} (plants ${o.plants.join(', ')}; ${o.actions.join(', ')}): ${shown(o.bearerToken)}`);
  if (sources.length + operators.length === 0) {
    step(config.authOpen ? '  AUTH=open and no sources file: everyone may call the starter API' : '  no sources file: the starter API refuses every call but /healthz, /readyz and /v1/schema (SOURCES_FILE names who may call; AUTH=open lets everyone)');
  }
  const { starterUrl } = embedded.bridge;
  const stops: (() => Promise<unknown>)[] = [];

  // The demo press: a stand-in PLC for each OPC UA machine of the demo sources file.
  const pki = path.join(projectRoot, '.data', 'pki');
  if (embedded.simulators.size > 0) {
    for (const machine of config.sources.opcua?.machines ?? []) {
      const port = Number(new URL(machine.endpoint.replace('opc.tcp:', 'http:')).port);
      const plc = await spawnPlcSimulator({ port, machine: machine.machine, pkiFolder: path.join(pki, 'plc'), autorun: true });
      stops.push(() => plc.kill());
      step(`PLC simulator for ${machine.plant}/${machine.machine} at ${machine.endpoint}: it makes a part a second`);
    }
  }
  if (config.sources.mqtt || config.sources.opcua?.machines.length) {
    const sources = await startSources(config.sources, {
      delivery: embedded.bridge.delivery,
      rejected: embedded.bridge.rejectedInputs,
      pkiFolder: pki,
      floorTimeWindow: config.floorTimeWindow,
      log: (line) => /connected|refused|rebirth/i.test(line) && step(line),
    });
    stops.unshift(() => sources.stop());
    step(`Sources: ${config.sources.mqtt ? `MQTT ${config.sources.mqtt.url}, ` : ''}${sources.opcua.length} OPC UA machine(s)`);
  }

  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    step(`${signal}: stopping…`);
    for (const stop of stops) await stop().catch((error: unknown) => console.error(error));
    await embedded.stop();
    step('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  if (embedded.uiUrl) step(`Temporal Web UI: ${embedded.uiUrl}/namespaces/${config.temporal.namespace}/workflows${uiCodecEndpoint ? ' (payloads encrypted; the UI decodes them through the starter API)' : ''}`);

  // The demo runs on the first simulated connection whose ERP has a demo factory.
  const demoOn = [...embedded.simulators].flatMap(([id, simulator]) => {
    const connection = embedded.bridge.connections.byId(id)!;
    const demo = erpModule(connection.erp)?.demo;
    return demo ? [{ connection, simulator, demo }] : [];
  })[0];
  if (config.demo.orders > 0 && demoOn) {
    step(`Demo factory: running ${config.demo.orders} orders in plant DEMO on connection ${demoOn.connection.id}…`);
    const token = (kind: 'sources' | 'operators') => (config.sources.http[kind][0] as { bearerToken?: string } | undefined)?.bearerToken;
    const demo = demoOn.demo(demoOn.simulator, { starterUrl, plant: 'DEMO', orders: config.demo.orders, sourceToken: token('sources'), operatorToken: token('operators'), log: step });
    const ids = await demo.runOrders();
    if (demoOn.connection.planning) await reportPlanning(demoOn.connection.erp, demoOn.connection.planning.plant);
    const report = async (id: string) => {
      const handle = client.workflow.getHandle(id);
      for (let i = 0; i < 120; i++) {
        const view = await handle.query(statusQuery);
        if (view.erpSyncStatus !== 'Pending') {
          const posted = view.postings.filter((p) => p.status === 'Posted').map((p) => describePosting(p.content));
          step(`${id}: ${view.orderStatus}, ERP ${view.erpSyncStatus}; posted: ${posted.join('; ') || 'nothing'}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    for (const id of ids) await report(id);
    await demo.correctOrder(ids[0]!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await report(ids[0]!);
    const press = config.sources.opcua?.machines[0];
    if (press) await report(await demo.runMachineOrder(press.machine, 15));
    // The README's examples name $ORDER: the demo numbers its orders afresh at every start.
    step(`The README's examples name $ORDER; for this start's first order: export ORDER=${ids[0]!.split('/').at(-1)}`);
    step(`Demo orders close ${config.orders.timing.closeAfter} after they settle; then \`.tools/temporal workflow list --address ${address} --query "OrderStatus='Completed'"\` lists them.`);
  } else if (config.demo.orders > 0) {
    step('Demo factory skipped: it plans orders in a simulated ERP, and the ERP connections point at real ones.');
  }
  step('Running. Press Ctrl-C to stop.');

  /** Asks the planning sync to read the shop orders the demo just planned, and says where the MES finds them. */
  async function reportPlanning(erp: string, plant: string) {
    const planning = client.workflow.getHandle(erpPlanningWorkflowId(erp, plant));
    const before = (await planning.query(planningStatusQuery)).reads;
    await planning.signal(syncNowSignal);
    for (let i = 0; i < 40; i++) {
      const status = await planning.query(planningStatusQuery);
      if (status.reads > before) {
        step(`Planning from the ERP: ${status.changesRead.orders} shop order changes read for plant ${plant}; the MES reads them at ${starterUrl}/v1/planning/orders?plant=${plant}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
