/**
 * The workflows' code for a worker, bundled in a process of its own: webpack's memory (well
 * over 100 MB, never given back) stays out of the worker, whose memory must stay flat. Run as
 * a script it writes the bundle to the file it is given.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeScriptArgs } from '../nodeScript';

/** Where the workflows and their interceptors are: what every worker bundles. */
export const workflowModules = {
  workflowsPath: path.resolve(__dirname, '../workflows'),
  workflowInterceptorModules: [path.resolve(__dirname, '../workflows/interceptors')],
};

/** Bundles the workflows in a child process and answers the bundle's file. */
export async function bundleWorkflowsApart(): Promise<{ codePath: string }> {
  const codePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'shopfloor-workflows-')), 'bundle.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, nodeScriptArgs(__filename, [codePath]), { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bundling the workflows failed (${code}):\n${stderr}`))));
  });
  return { codePath };
}

if (require.main === module) {
  const [out] = process.argv.slice(2);
  void import('@temporalio/worker').then(async ({ bundleWorkflowCode }) => {
    // Line maps without the sources in them: the full maps would more than double the code every worker holds; stack traces still name the source lines.
    const bundle = await bundleWorkflowCode({ ...workflowModules, webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-cheap-source-map' }), logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) } });
    writeFileSync(out!, bundle.code);
  }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
