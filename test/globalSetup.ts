/**
 * One Temporal dev server for the whole run (or the one at TEMPORAL_ADDRESS), and
 * the workflows bundled once; each test file connects to both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowModules } from '../src/temporal/workflowBundle';
import type { TestProject } from 'vitest/node';
import { type DevServer, freePort, startDevServer } from '../src/temporal/devServer';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  let server: DevServer | undefined;
  const address = process.env.TEMPORAL_ADDRESS ?? (server = await startDevServer({ port: await freePort() })).address;
  const dir = mkdtempSync(path.join(tmpdir(), 'shopfloor-bridge-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    ...workflowModules,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
