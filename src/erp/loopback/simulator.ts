/**
 * The loopback ERP: a small ERP of our own, over real HTTP, to prove that an ERP is a
 * folder and a registry line, and to run the contract suite on a second adapter. It keeps
 * stock documents (issues, receipts) and their reversals, and fails as ERPs fail: refused
 * tokens (401), validation (422), rate limits (429 with Retry-After), outages (503), and a
 * write that commits but whose answer is lost.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';

export const LoopbackDocument = z.strictObject({
  kind: z.enum(['MaterialIssue', 'FinishedGoodsReceipt', 'Reversal']),
  order: z.string().min(1).max(40),
  material: z.string().min(1).max(40).optional(),
  quantity: z.string().regex(/^\d{1,9}(\.\d{1,3})?$/, 'must be a decimal with at most 3 fraction digits'),
  unit: z.string().min(1).max(10).optional(),
  /** The sender's own reference (the bridge: its posting key); searchable, and never required. */
  reference: z.string().max(200).optional(),
  reverses: z.string().uuid().optional(),
});

export interface LoopbackRecord {
  id: string;
  kind: 'MaterialIssue' | 'FinishedGoodsReceipt' | 'Reversal';
  order: string;
  material?: string;
  quantity: string;
  unit?: string;
  reference?: string;
  reverses?: string;
  createdAt: string;
}

export function createLoopbackSimulator(options: { token: string }) {
  const documents: LoopbackRecord[] = [];
  let fault: { loseAnswer?: boolean; status?: number; retryAfterSeconds?: number } | undefined;
  const app = Fastify({ logger: false });

  const fail = (reply: FastifyReply, status: number, code: string, message: string, field?: string) =>
    reply.status(status).send({ error: { code, message, ...(field ? { field } : {}) } });
  const remainingOf = (id: string) => {
    const original = documents.find((d) => d.id === id)!;
    const reversed = documents.filter((d) => d.reverses === id).reduce((sum, d) => sum + Number(d.quantity), 0);
    return Number(original.quantity) - reversed;
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/_simulator/')) return;
    if (fault?.status) {
      const { status, retryAfterSeconds } = fault;
      fault = undefined;
      if (retryAfterSeconds !== undefined) reply.header('Retry-After', String(retryAfterSeconds));
      return fail(reply, status, status === 429 ? 'TooManyRequests' : 'Unavailable', status === 429 ? 'too many requests' : 'the service is unavailable');
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) return fail(reply, 401, 'Unauthorized', 'the access token is not valid');
  });

  app.get('/api/health', async () => ({ status: 'up', documents: documents.length }));

  app.get('/api/documents', async (request) => {
    const { reference } = request.query as { reference?: string };
    return { documents: documents.filter((d) => reference === undefined || d.reference === reference) };
  });

  app.post('/api/documents', async (request, reply) => {
    const parsed = LoopbackDocument.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return fail(reply, 422, 'Validation', issue.message, issue.path.join('.'));
    }
    const body = parsed.data;
    if (Number(body.quantity) <= 0) return fail(reply, 422, 'Validation', 'must be more than zero', 'quantity');
    if (body.kind === 'Reversal') {
      const original = documents.find((d) => d.id === body.reverses && d.kind !== 'Reversal');
      if (!original) return fail(reply, 422, 'Validation', 'names no document to reverse', 'reverses');
      const remaining = remainingOf(original.id);
      if (Number(body.quantity) > remaining + 1e-9) return fail(reply, 422, 'Validation', `reverses more than the ${remaining} the document still holds`, 'quantity');
      if (original.kind === 'FinishedGoodsReceipt' && Math.abs(Number(body.quantity) - remaining) > 1e-9) return fail(reply, 422, 'Validation', 'a receipt is reversed whole', 'quantity');
    } else if (!body.material) {
      return fail(reply, 422, 'Validation', 'is required', 'material');
    }
    const record: LoopbackRecord = { id: randomUUID(), ...body, createdAt: new Date().toISOString() } as LoopbackRecord;
    documents.push(record);
    if (fault?.loseAnswer) {
      fault = undefined;
      // Committed, and the answer lost on the way: the connection drops.
      request.raw.socket.destroy();
      return reply;
    }
    return reply.status(201).send(record);
  });

  app.post('/_simulator/faults', async (request) => {
    fault = z.strictObject({ loseAnswer: z.boolean().optional(), status: z.number().int().optional(), retryAfterSeconds: z.number().int().optional() }).parse(request.body);
    return { fault };
  });
  /** Books a document as a person would in the ERP: no reference of the bridge's. */
  app.post('/_simulator/documents', async (request, reply) => {
    const body = LoopbackDocument.parse(request.body);
    const record = { id: randomUUID(), ...body, createdAt: new Date().toISOString() } as LoopbackRecord;
    documents.push(record);
    return reply.status(201).send(record);
  });
  app.get('/_simulator/documents', async () => ({ documents }));

  return {
    documents,
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      await app.listen({ port, host });
      return `http://${host}:${(app.server.address() as AddressInfo).port}`;
    },
    close: () => app.close(),
  };
}

export type LoopbackSimulator = ReturnType<typeof createLoopbackSimulator>;
