/** The Sparkplug B tracker on its own: births, deaths and their bdSeq, and when it asks for a rebirth. */
import { describe, expect, it } from 'vitest';
import { createSparkplugTracker, encodeSparkplug } from '../src/sources/mqtt/sparkplug';

describe('Sparkplug B node sessions', () => {
  const tracker = () =>
    createSparkplugTracker([{ group: 'G', edgeNode: 'edge', device: 'press', plant: 'P1', machine: 'PRESS-1', metrics: { good: 'Counts/Good', scrap: 'Counts/Scrap', state: 'State' } }], () => 1_000_000);
  const message = (type: string, seq: number | undefined, metrics: object[] = []) => encodeSparkplug({ timestamp: 1, ...(seq === undefined ? {} : { seq }), metrics });
  const node = (type: string) => `spBv1.0/G/${type}/edge`;
  const device = (type: string) => `spBv1.0/G/${type}/edge/press`;
  const bdSeq = (value: number) => ({ name: 'bdSeq', type: 'Int64', value });
  const good = (value: number) => ({ name: 'Counts/Good', type: 'UInt32', value, timestamp: 5 });

  it("ignores an old session's death that arrives after the node was born again", () => {
    const t = tracker();
    t.onMessage(node('NBIRTH'), message('NBIRTH', 0, [bdSeq(4)]));
    // The node reconnected: the broker delivers the will of session 3 late.
    expect(t.onMessage(node('NDEATH'), message('NDEATH', undefined, [bdSeq(3)]))).toEqual({ readings: [] });
    const data = t.onMessage(device('DDATA'), message('DDATA', 1, [good(7)]));
    expect(data.rebirth).toBeUndefined();
    expect(data.readings.map((r) => r.reading.good)).toEqual(['7']);
  });

  it("takes the current session's death: data after it asks for a rebirth", () => {
    const t = tracker();
    t.onMessage(node('NBIRTH'), message('NBIRTH', 0, [bdSeq(4)]));
    t.onMessage(node('NDEATH'), message('NDEATH', undefined, [bdSeq(4)]));
    const data = t.onMessage(device('DDATA'), message('DDATA', 1, [good(7)]));
    expect(data.rebirth).toMatchObject({ topic: 'spBv1.0/G/NCMD/edge', reason: 'DDATA before the node\'s birth' });
    // The counter is absolute: the reading still counts, and the rebirth brings whatever else was missed.
    expect(data.readings.map((r) => r.reading.good)).toEqual(['7']);
  });
});
