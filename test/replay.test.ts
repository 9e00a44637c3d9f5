/**
 * Recorded histories must replay on the current workflow code: a change that would
 * break orders or machines already running fails here, not in production. Record new
 * histories (`npm run record-history -- <name>`) whenever a workflow change is gated by patched().
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
      // Histories recorded since workflows start alert workflows carry the id and task queue those ids are made of.
      const meta = existsSync(path.join(dir, `${file}.meta`)) ? (JSON.parse(readFileSync(path.join(dir, `${file}.meta`), 'utf8')) as { workflowId: string; taskQueue: string }) : undefined;
      const options = { workflowBundle: { codePath: inject('workflowBundlePath') }, ...(meta ? { taskQueue: meta.taskQueue } : {}) };
      await expect(Worker.runReplayHistory(options, history, meta?.workflowId ?? file)).resolves.toBeUndefined();
    });
  }
});
