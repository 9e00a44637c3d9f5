/**
 * `npm run temporal:dev`: only the embedded Temporal dev server, with this project's
 * search attributes, state in .data/temporal.sqlite and the Web UI, until Ctrl-C.
 */
import path from 'node:path';
import { loadConfig } from '../src/config';
import { projectRoot } from '../src/projectRoot';
import { startDevServer } from '../src/temporal/devServer';

async function main() {
  const config = loadConfig();
  const server = await startDevServer({
    port: config.temporal.devServer.port,
    uiPort: config.temporal.devServer.uiPort,
    dbFile: path.join(projectRoot, '.data', 'temporal.sqlite'),
    namespace: config.temporal.namespace,
  });
  console.log(`Temporal dev server on ${server.address}; Web UI ${server.uiUrl}. Ctrl-C stops it.`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
