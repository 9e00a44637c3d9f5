/**
 * The machine and broker sources the sources file configures: the MQTT connection (Unified
 * Namespace, Sparkplug B) and one OPC UA source per machine, handing what they read to
 * Temporal through the same delivery as the starter API.
 */
import path from 'node:path';
import type { RejectedInputs } from '../audit/rejectedInputs';
import type { TimeWindow } from '../domain/events';
import type { OrderDelivery } from '../delivery/orderDelivery';
import type { SourcesConfig } from './config';
import { type MqttSource, startMqttSource } from './mqtt/source';
import { type OpcUaSource, startOpcUaSource } from './opcua/source';

export interface RunningSources {
  mqtt?: MqttSource;
  opcua: OpcUaSource[];
  stop(): Promise<void>;
}

export async function startSources(config: SourcesConfig, deps: { delivery: OrderDelivery; rejected: RejectedInputs; pkiFolder: string; log: (line: string) => void; floorTimeWindow?: TimeWindow }): Promise<RunningSources> {
  const mqtt = config.mqtt ? await startMqttSource({ config: config.mqtt, delivery: deps.delivery, rejected: deps.rejected, log: deps.log, ...(deps.floorTimeWindow ? { floorTimeWindow: deps.floorTimeWindow } : {}) }) : undefined;
  const opcua = await Promise.all(
    (config.opcua?.machines ?? []).map((machine) =>
      startOpcUaSource({ machine, delivery: deps.delivery, rejected: deps.rejected, pkiFolder: path.join(deps.pkiFolder, `${machine.plant}-${machine.machine}`), log: deps.log }),
    ),
  );
  return {
    ...(mqtt ? { mqtt } : {}),
    opcua,
    async stop() {
      await Promise.all([mqtt?.stop(), ...opcua.map((s) => s.stop())]);
    },
  };
}
