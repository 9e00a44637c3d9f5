/**
 * The ERPs the bridge can post to: one line per module. Adding an ERP is adding its
 * folder (src/erp/<erp>: module, adapter, simulator) and its line here.
 */
import { afasModule } from './afas/module';
import { exactModule } from './exact/module';
import { loopbackModule } from './loopback/module';
import type { ErpModule } from './module';
import { sapModule } from './sap/module';

/** Each module reads its own settings; the registry holds them without knowing their shape. */
const registered = <Settings>(module: ErpModule<Settings>) => module as unknown as ErpModule;

export const erpModules: readonly ErpModule[] = [registered(exactModule), registered(loopbackModule), registered(sapModule), registered(afasModule)];

export function erpModule(erp: string): ErpModule | undefined {
  return erpModules.find((m) => m.erp === erp);
}
