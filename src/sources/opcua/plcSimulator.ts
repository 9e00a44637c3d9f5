/**
 * A stand-in PLC: a node-opcua server exposing one machine's good and scrap counters
 * (UInt32, cumulative), its state and the order it runs, as a PLC would. Run it as a
 * process of its own, so it can be killed and restarted like a real one (its counters then
 * start again from 0, as after a PLC restart):
 *
 *   tsx src/sources/opcua/plcSimulator.ts <port> <machine> [pkiFolder]
 *
 * With PLC_USERS=user:password[,user:password] it admits only those users (no anonymous).
 *
 * It takes commands as IPC messages (tests) or produces on its own with --autorun (demo):
 *   { produce: { good, scrap } }   count parts
 *   { state: 'running' | 'idle' | 'down' }
 *   { runningOrder: '4711' }
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataType, OPCUACertificateManager, OPCUAServer, Variant } from 'node-opcua';
import { projectRoot } from '../../projectRoot';

export interface PlcCommand {
  produce?: { good?: number; scrap?: number };
  state?: string;
  runningOrder?: string;
}

/** The node ids the simulator serves, for a sources file. */
export function plcNodeIds(machine: string) {
  const prefix = `ns=1;s=${machine}`;
  return { good: `${prefix}.GoodCount`, scrap: `${prefix}.ScrapCount`, state: `${prefix}.State`, runningOrder: `${prefix}.RunningOrder` };
}

export async function startPlcSimulator(options: { port: number; machine: string; pkiFolder: string; users?: { username: string; password: string }[] }) {
  const server = new OPCUAServer({
    port: options.port,
    resourcePath: '/UA/Plc',
    buildInfo: { productName: `Shopfloor Bridge PLC simulator (${options.machine})` },
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(options.pkiFolder, 'server'), automaticallyAcceptUnknownCertificate: true }),
    allowAnonymous: !options.users,
    ...(options.users ? { userManager: { isValidUser: (user: string, password: string) => options.users!.some((u) => u.username === user && u.password === password) } } : {}),
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace!;
  const namespace = addressSpace.getOwnNamespace();
  const machine = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: options.machine });
  const ids = plcNodeIds(options.machine);
  const values = { good: 0, scrap: 0, state: 'idle', runningOrder: '' };
  const variable = (nodeId: string, browseName: string, dataType: DataType, get: () => number | string) =>
    namespace.addVariable({
      componentOf: machine,
      nodeId,
      browseName,
      dataType,
      minimumSamplingInterval: 100,
      value: { get: () => new Variant({ dataType, value: get() }) },
    });
  const good = variable(ids.good, 'GoodCount', DataType.UInt32, () => values.good);
  const scrap = variable(ids.scrap, 'ScrapCount', DataType.UInt32, () => values.scrap);
  const state = variable(ids.state, 'State', DataType.String, () => values.state);
  const runningOrder = variable(ids.runningOrder, 'RunningOrder', DataType.String, () => values.runningOrder);
  await server.start();

  const touch = (node: typeof good) => node.touchValue();
  return {
    endpoint: server.getEndpointUrl(),
    values,
    apply(command: PlcCommand) {
      if (command.produce) {
        values.good = (values.good + (command.produce.good ?? 0)) % 4_294_967_296;
        values.scrap = (values.scrap + (command.produce.scrap ?? 0)) % 4_294_967_296;
        touch(good);
        touch(scrap);
      }
      if (command.state !== undefined) {
        values.state = command.state;
        touch(state);
      }
      if (command.runningOrder !== undefined) {
        values.runningOrder = command.runningOrder;
        touch(runningOrder);
      }
    },
    stop: () => server.shutdown(0),
  };
}

/** The simulator as a process of its own, driven over IPC (or producing on its own with autorun). */
export async function spawnPlcSimulator(options: { port: number; machine: string; pkiFolder: string; autorun?: boolean; env?: Record<string, string> }) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/sources/opcua/plcSimulator.ts'), String(options.port), options.machine, options.pkiFolder, ...(options.autorun ? ['--autorun'] : [])], {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (process.off('exit', killChild), resolve())));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the PLC simulator did not start:\n${stderr}`)), 60_000);
    child.on('message', (message: { ready?: string }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the PLC simulator exited with ${code}:\n${stderr}`)));
  });
  return {
    child,
    /** Sends a command and resolves once the PLC has applied it. */
    command: (command: PlcCommand) =>
      new Promise<{ values: { good: number; scrap: number } }>((resolve) => {
        child.once('message', (message: { values: { good: number; scrap: number } }) => resolve(message));
        child.send(command);
      }),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

if (require.main === module) {
  const [port, machine, pkiFolder] = process.argv.slice(2);
  const autorun = process.argv.includes('--autorun');
  const users = process.env.PLC_USERS?.split(',').map((pair) => {
    const [username, password] = pair.split(':');
    return { username: username!, password: password ?? '' };
  });
  startPlcSimulator({
    port: Number(port ?? 4840),
    machine: machine ?? 'PRESS-1',
    pkiFolder: pkiFolder && !pkiFolder.startsWith('--') ? pkiFolder : path.join(tmpdir(), 'shopfloor-plc-pki'),
    ...(users ? { users } : {}),
  })
    .then((plc) => {
      process.on('message', (command: PlcCommand) => {
        plc.apply(command);
        process.send?.({ applied: command, values: plc.values });
      });
      process.send?.({ ready: plc.endpoint });
      if (autorun) {
        // The demo press: runs, makes a part a second and now and then a bad one.
        plc.apply({ state: 'running' });
        let n = 0;
        setInterval(() => plc.apply({ produce: { good: ++n % 20 === 0 ? 0 : 1, scrap: n % 20 === 0 ? 1 : 0 } }), 1000);
      }
      console.log(`PLC simulator for ${machine} at ${plc.endpoint}`);
      const stop = () => void plc.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
