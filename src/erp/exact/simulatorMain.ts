/** The Exact Online simulator as its own process (`npm run simulator:exact`), for demos and compose. */
import { loadConfig } from '../../config';
import { createExactSimulator } from './simulator';

const config = loadConfig();
const simulator = createExactSimulator({
  division: config.exact.division,
  accessTokens: [config.exact.accessToken],
  employees: config.exact.defaultEmployeeId ? [config.exact.defaultEmployeeId] : [],
});
simulator
  .listen(config.exact.simulator.port, config.exact.simulator.host)
  .then((url) => console.log(`Exact Online simulator on ${url}, division ${config.exact.division}; ledger at ${url}/_simulator/ledger`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.once('SIGTERM', () => void simulator.close());
process.once('SIGINT', () => void simulator.close());
