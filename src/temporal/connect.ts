/**
 * The one way the bridge's processes reach Temporal: the client (starting and signalling
 * workflows) and the workers' native connection, both with the deployment's TLS (mTLS with a
 * client certificate, or server TLS only), its API key (Temporal Cloud), and the payload
 * codec that encrypts what leaves the process (payloadCodec.ts). Config is parsed once
 * (config.ts: TEMPORAL_TLS_*, TEMPORAL_API_KEY, PAYLOAD_KEYS).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { type PayloadKey, createEncryptionCodec } from './payloadCodec';

export interface TemporalAccess {
  address: string;
  namespace: string;
  tls?: { certFile?: string | undefined; keyFile?: string | undefined; caFile?: string | undefined; serverName?: string | undefined } | undefined;
  apiKey?: string | undefined;
  /** The sealing key first; none: payloads travel in clear (the process says so at start). */
  payloadKeys: readonly PayloadKey[];
}

function tlsOf(access: TemporalAccess): TLSConfig | boolean | undefined {
  const tls = access.tls;
  if (!tls) return access.apiKey ? true : undefined;
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caFile ? { serverRootCACertificate: readFileSync(tls.caFile) } : {}),
    ...(tls.certFile && tls.keyFile ? { clientCertPair: { crt: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
  };
}

/** What every client and worker of the bridge encodes payloads with. */
export function dataConverterOf(access: Pick<TemporalAccess, 'payloadKeys'>): DataConverter | undefined {
  return access.payloadKeys.length > 0 ? { payloadCodecs: [createEncryptionCodec(access.payloadKeys)] } : undefined;
}

export async function connectClient(access: TemporalAccess): Promise<{ client: Client; close: () => Promise<void> }> {
  const tls = tlsOf(access);
  const connection = await Connection.connect({ address: access.address, ...(tls !== undefined ? { tls } : {}), ...(access.apiKey ? { apiKey: access.apiKey } : {}) });
  const dataConverter = dataConverterOf(access);
  const client = new Client({ connection, namespace: access.namespace, ...(dataConverter ? { dataConverter } : {}) });
  return { client, close: () => connection.close() };
}

export async function connectWorkers(access: TemporalAccess): Promise<NativeConnection> {
  const tls = tlsOf(access);
  return NativeConnection.connect({ address: access.address, ...(tls !== undefined ? { tls } : {}), ...(access.apiKey ? { apiKey: access.apiKey } : {}) });
}
