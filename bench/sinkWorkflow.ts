// The ceiling for bench/plant.ts: a workflow that does nothing but count signals.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const tick = defineSignal<[unknown]>('tick');

export async function signalSink(expected: number): Promise<number> {
  let received = 0;
  setHandler(tick, () => void (received += 1));
  await condition(() => received >= expected);
  return received;
}
