/**
 * The codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show an
 * operator payloads decrypted: POST /codec/decode and /codec/encode with Temporal's codec
 * server body ({"payloads": [{"metadata": {…base64}, "data": base64}]}). An operator's token
 * is required: in the Authorization header, or, for a Web UI without sign-in (it sends no
 * token of its own), as the path's first segment (/codec/<token>/decode; a token in a URL
 * may reach access logs: give the UI one that may only read). The Web UI's origin may call it
 * (CORS, CODEC_CORS_ORIGIN).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actionRefusal } from '../auth';
import { type StarterDependencies, problem, zodProblems } from './shared';

const WirePayloads = z.strictObject({
  // Protobuf JSON leaves an empty list out: {} is no payloads.
  payloads: z.array(z.strictObject({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(1000).default([]),
});
type WirePayloads = z.infer<typeof WirePayloads>;

const fromWire = (p: WirePayloads['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export function codecRoutes(app: FastifyInstance, deps: StarterDependencies, codec: { codec: PayloadCodec; corsOrigin: string }): void {
  const cors = (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.origin === codec.corsOrigin) {
      reply.header('Access-Control-Allow-Origin', codec.corsOrigin).header('Vary', 'Origin').header('Access-Control-Allow-Credentials', 'true');
    }
  };
  const handle = (operation: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    cors(request, reply);
    const { token } = request.params as { token?: string };
    const caller = deps.auth.fromBearer(token ? `Bearer ${token}` : request.headers.authorization);
    if (!caller) return problem(reply.header('WWW-Authenticate', 'Bearer'), 401, 'Unauthorized', "Send an operator's token: Authorization: Bearer <token>.");
    const refused = caller.kind === 'source' ? 'the codec is for operators' : actionRefusal(caller, 'read');
    if (refused) return problem(reply, 403, 'Forbidden', refused);
    const body = WirePayloads.safeParse(request.body);
    if (!body.success) return problem(reply, 400, 'Invalid payloads', 'Nothing was decoded.', zodProblems(body.error));
    try {
      const done = await codec.codec[operation](body.data.payloads.map(fromWire));
      return { payloads: done.map(toWire) };
    } catch (error) {
      return problem(reply, 422, `Cannot ${operation}`, error instanceof Error ? error.message : String(error));
    }
  };
  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    cors(request, reply);
    return reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS').header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace').header('Access-Control-Max-Age', '600').status(204).send();
  };
  for (const operation of ['encode', 'decode'] as const) {
    for (const route of [`/codec/${operation}`, `/codec/:token/${operation}`]) {
      app.post(route, handle(operation));
      app.options(route, preflight);
    }
  }
}
