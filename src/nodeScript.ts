/**
 * Child processes of the bridge (the embedded PostgreSQL, the workflow bundler, the Temporal
 * dev server, a benchmark's processes): how to start a project script, and how to stop one.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * How this process starts another Node script of the project in a child process: with the
 * same loader (tsx for TypeScript, none for compiled code), without this one's profiler or
 * inspector.
 */
export function nodeScriptArgs(file: string, args: readonly string[] = []): string[] {
  const loader = process.execArgv.filter((a) => !/^--(cpu-prof|heap-prof|inspect)/.test(a));
  // Under a runner that loads TypeScript its own way (vitest), a .ts script needs tsx.
  const typescript = file.endsWith('.ts') && !loader.some((a) => a.includes('tsx')) ? ['--import', 'tsx'] : [];
  return [...loader, ...typescript, file, ...args];
}

/** Asks the child to stop (`signal`), kills it after `graceMs`, and resolves once it has exited. */
export function stopChild(child: ChildProcess, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(options.signal ?? 'SIGTERM');
  });
}
