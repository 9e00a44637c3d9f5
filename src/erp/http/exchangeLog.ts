/**
 * The HTTP exchanges of one posting attempt, collected for the audit trail. The
 * activity opens a log around the adapter call; the ERP's transport appends to it.
 * Headers are never kept, so tokens never reach the audit trail.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface HttpExchange {
  method: string;
  path: string;
  status?: number;
  request?: unknown;
  response?: string;
  error?: string;
  durationMs: number;
}

const current = new AsyncLocalStorage<HttpExchange[]>();

export async function withExchangeLog<T>(work: () => Promise<T>): Promise<{ result?: T; error?: unknown; exchanges: HttpExchange[] }> {
  const exchanges: HttpExchange[] = [];
  try {
    return { result: await current.run(exchanges, work), exchanges };
  } catch (error) {
    return { error, exchanges };
  }
}

export function logExchange(exchange: HttpExchange): void {
  current.getStore()?.push({ ...exchange, response: exchange.response?.slice(0, 4000) });
}
