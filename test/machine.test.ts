/** The machine reducer, without Temporal: absolute counters into deltas, time per state, hand-over to orders. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FloorEvent } from '../src/domain/events';
import { MachineReading, type MachineState, applyReading, assignOrder, eventsToForward, handOverMoment, initialMachineState, machineView } from '../src/domain/machine';

const start = (counterMax?: string) => initialMachineState({ workflowId: 'machine/P1/PRESS-3', plant: 'P1', machine: 'PRESS-3', ...(counterMax ? { counterMax } : {}) });
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 8, 0, seconds)).toISOString();
const reading = (seconds: number, fields: Partial<z.input<typeof MachineReading>>): MachineReading => MachineReading.parse({ at: at(seconds), source: 'opcua', ...fields });
const read = (state: MachineState, ...readings: MachineReading[]) => readings.reduce(applyReading, state);
const order = { at: at(0), productionOrder: '4711', operation: '0010', workCentre: 'PRESS', unit: 'pc' };

describe('a machine counting', () => {
  it('turns absolute counters into deltas, and ignores duplicates and replays', () => {
    let state = read(start(), reading(0, { good: 100, scrap: '7' }), reading(10, { good: 104 }), reading(10, { good: 104 }), reading(5, { good: 90 }), reading(20, { good: '110', scrap: 8 }));
    expect(machineView(state)).toMatchObject({ counted: { good: '10', scrap: '1' }, readingsIgnored: 2, resets: 0 });
    state = read(state, reading(30, { good: 110 }));
    expect(state.good.total).toBe('10');
  });

  it('counts on across a PLC restart (counter reset) and a wrap-around', () => {
    let state = read(start('1000'), reading(0, { good: 500 }), reading(1, { good: 520 }), reading(2, { good: 3 }));
    expect(machineView(state)).toMatchObject({ counted: { good: '23' }, resets: 1, wraps: 0 });
    state = read(state, reading(3, { good: 980 }), reading(4, { good: 15 }));
    // 3 → 980 is 977 more; 980 → 1000 → 0 → 15 is 36 more.
    expect(machineView(state)).toMatchObject({ counted: { good: '1036' }, resets: 1, wraps: 1 });
  });

  it('accrues time per state from the readings own timestamps', () => {
    const state = read(start(), reading(0, { state: 'running' }), reading(1800, { state: 'idle' }), reading(2700, { state: 'Fault E17' }), reading(3600, { state: 'running' }), reading(5400, { good: 1 }));
    expect(machineView(state).hours).toEqual({ running: '1', idle: '0.25', down: '0.25' });
  });
});

describe('a machine handing over to its order', () => {
  it('hands units and machine hours to the order running on it, as valid floor events with fixed ids', () => {
    let state = assignOrder(read(start(), reading(0, { good: 10, scrap: 0, state: 'running' })), order);
    state = read(state, reading(900, { good: 35, scrap: 2 }));
    const first = eventsToForward(state, at(900));
    expect(first.events.map((e) => FloorEvent.parse(e))).toEqual([
      expect.objectContaining({ eventId: 'machine/P1/PRESS-3#1', type: 'QuantityReported', productionOrder: '4711', good: '25', scrap: '2', unit: 'pc', operation: '0010', workCentre: 'PRESS' }),
      expect.objectContaining({ eventId: 'machine/P1/PRESS-3#2', type: 'TimeBooked', activity: 'machine', hours: '0.25', workCentre: 'PRESS', operation: '0010' }),
    ]);
    // Nothing new: nothing to hand over. More later: only the difference.
    expect(eventsToForward(first.state, at(900)).events).toEqual([]);
    const later = eventsToForward(read(first.state, reading(1000, { good: 36 })), at(1000));
    expect(later.events.map((e) => [e.eventId, e.type === 'QuantityReported' && e.good])).toEqual([
      ['machine/P1/PRESS-3#3', '1'],
      ['machine/P1/PRESS-3#4', false],
    ]);
  });

  it('keeps what it did without an order as unassigned, and never gives it to the next order', () => {
    let state = read(start(), reading(0, { good: 0, state: 'running' }), reading(360, { good: 5 }));
    let handed = eventsToForward(state, at(360));
    expect(handed.events).toEqual([]);
    state = assignOrder(handed.state, order);
    handed = eventsToForward(read(state, reading(720, { good: 8 })), at(720));
    expect(handed.events.map((e) => e.type === 'QuantityReported' && e.good)).toEqual(['3', false]);
    expect(machineView(handed.state).unassigned).toEqual({ good: '5', scrap: '0', runHours: '0.1' });
  });

  it('hands over at an order change later than the last reading, and never counts that time again', () => {
    const running = assignOrder(read(start(), reading(0, { good: 0, state: 'running' }), reading(600, { good: 10 })), order);
    // The order leaves at 30 minutes; the machine said nothing since 10.
    const moment = handOverMoment(running, { at: at(1800) });
    expect(moment).toBe(at(1800));
    expect(handOverMoment(running, { at: at(300) })).toBe(at(600));
    const handed = eventsToForward(running, moment!);
    expect(handed.events.find((e) => e.type === 'TimeBooked')).toMatchObject({ hours: '0.5' });
    // A late reading from before the hand-over, and one after: only the time after 30 minutes is new (idle from then).
    const after = read(assignOrder(handed.state, undefined), reading(1500, { state: 'idle' }), reading(2400, { good: 10 }));
    expect(machineView(after).hours).toEqual({ running: '0.5', idle: '0.1667', down: '0' });
  });
});
