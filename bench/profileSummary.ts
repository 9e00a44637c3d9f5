/**
 * `npx tsx bench/profileSummary.ts [folder]`: where a worker's CPU went, from the profiles
 * `npm run bench -- --profile` wrote (one per thread: the main thread runs activities and the
 * SDK, a workflow thread runs the workflows). Prints self time by function, per profile.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/projectRoot';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const folder = process.argv[2] ?? path.join(projectRoot, '.bench', 'profiles');
for (const file of readdirSync(folder).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where ? `${where.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const idle = (self.get('(idle)') ?? 0) + (self.get('(program)') ?? 0);
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(((total - idle) / total) * 100).toFixed(0)}% busy`);
  console.log('| self ms | share of busy | function |\n|---|---|---|');
  for (const [key, us] of [...self].filter(([k]) => k !== '(idle)' && k !== '(program)').sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`| ${(us / 1000).toFixed(0)} | ${((us / (total - idle)) * 100).toFixed(1)}% | ${key.replaceAll('|', '\\|')} |`);
  }
}
