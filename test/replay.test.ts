/**
 * Recorded histories must replay on the current workflow code: a change that would
 * break orders or machines already running fails here, not in production. Record new
 * histories (`npm run record-history -- <name>`) whenever a workflow change is gated by patched().
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

const dir = path.resolve(__dirname, 'histories');

describe('workflow replay', () => {
  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  });

  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has recorded histories to replay', () => expect(files.length).toBeGreaterThan(0));

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file),
      ).resolves.toBeUndefined();
    });
  }
});
