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
