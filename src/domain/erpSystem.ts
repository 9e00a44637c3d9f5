import { z } from 'zod';

/**
 * Which ERP a connection is (its module's name in src/erp/registry.ts). The domain knows
 * no ERP by name: an order carries its connection's id and posting rules.
 */
export const ErpSystem = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be the name of an ERP module, e.g. "my-erp"');
export type ErpSystem = z.infer<typeof ErpSystem>;

/** An ERP connection's id: which ERP, which company or client in it (e.g. "division-a"). */
export const ErpConnectionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be letters, digits, ".", "_" or "-" (at most 63), e.g. "division-a"');
