/**
 * The chaos suite's short variant (`npm run chaos -- --short`), as CI runs it: orders fed
 * through HTTP and MQTT while the worker is SIGKILLed, the dev server restarted on its
 * SQLite file and Exact in maintenance, 429 storms, late answers and lost answers. Nothing
 * may be lost or posted twice, and the ledger must equal the floor's totals exactly.
 */
import { describe, expect, it } from 'vitest';
import { chaosTable, runChaos } from '../bench/chaos';

describe('the chaos suite, short', () => {
  it('loses nothing and posts nothing twice through kills, restarts and an ERP at its worst', async () => {
    const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
    const result = await runChaos({ orders: 20, eventsPerOrder: 30, seed, killEveryMs: 20_000, restartServerEveryMs: 45_000, sendOverMs: 90_000, settleTimeoutMs: 240_000, log: () => undefined });
    console.log(`chaos seed ${seed}\n${chaosTable(result)}`);
    expect(result.mismatches).toEqual([]);
    expect(result).toMatchObject({ lost: 0, duplicated: 0, ledgerEqualsFloor: true });
    // The chaos did happen.
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.serverRestarts).toBeGreaterThanOrEqual(1);
    expect(result.faults.dropResponse ?? 0).toBeGreaterThan(0);
  }, 480_000);
});
