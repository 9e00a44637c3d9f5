/** Every registered ERP passes the one adapter contract (test/erpContract.ts) against its simulator: an ERP added to the registry is held to it too. */
import { erpModules } from '../src/erp/registry';
import { erpContract } from './erpContract';

for (const module of erpModules) if (module.contract) erpContract(module);
