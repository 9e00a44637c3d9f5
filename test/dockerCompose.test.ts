/**
 * Docker cannot run here, so the compose file is checked by reading it: every service
 * and port the README names, the search attributes, the commands and the configuration.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config';
import { searchAttributeKeys } from '../src/workflows/searchAttributes';

const root = path.resolve(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; command?: string[] | string; ports?: string[]; environment?: Record<string, unknown>; profiles?: string[]; volumes?: string[] }>;
};
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The `| service | port |` table under the README's docker compose section. */
function readmeServicePorts(): [string, number][] {
  const section = readme.split('## Scaled deployment (docker compose)')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\|\s*([a-z-]+)\s*\|\s*(\d+)\s*\|$/gm)].map((m) => [m[1]!, Number(m[2])]);
}

/** What an operator gives compose for its required variables (`${VAR:?message}`). */
const requiredByCompose: Record<string, string> = { MES_TOKEN: 'mes-token-from-the-operator', OPERATOR_TOKEN: 'operator-token-from-the-operator' };

/** Resolves ${VAR:-default} the way compose does when VAR is unset, and ${VAR:?message} with the operator's value. */
const interpolate = (value: unknown) =>
  String(value)
    .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => {
      expect(requiredByCompose, `compose requires ${name}`).toHaveProperty(name);
      return requiredByCompose[name]!;
    });

/** A service's environment as its container sees it, with files mounted from this repository mapped back to it. */
function containerEnvironment(name: string): Record<string, string> {
  const service = compose.services[name]!;
  const mounts = (service.volumes ?? []).map((v) => v.split(':')).filter(([from]) => from!.startsWith('./'));
  const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
  for (const [key, value] of Object.entries(env)) {
    const mount = mounts.find(([, to]) => to === value);
    if (mount) env[key] = path.join(root, mount[0]!);
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('publishes every service and port the README names', () => {
    const rows = readmeServicePorts();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const [service, port] of rows) {
      expect(compose.services, service).toHaveProperty(service);
      const published = (compose.services[service]!.ports ?? []).map((p) => Number(String(p).split(':')[0]));
      expect(published, `${service} publishes ${port}`).toContain(port);
    }
  });

  it('has the Temporal cluster on PostgreSQL, its UI, Mosquitto, workers and the starter', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'mosquitto', 'worker', 'starter']) {
      expect(compose.services, name).toHaveProperty(name);
    }
    expect(compose.services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(compose.services['temporal-ui']!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('registers exactly the search attributes the workflows use', () => {
    const command = String(compose.services['temporal-admin-tools']!.command);
    const names = /for attribute in ([\w ]+); do/.exec(command)?.[1]?.split(' ');
    expect(names?.sort()).toEqual(searchAttributeKeys.map((k) => k.name).sort());
    expect(searchAttributeKeys.every((k) => k.type === 'KEYWORD')).toBe(true);
  });

  it('builds the bridge services from this repository and runs npm scripts that exist', () => {
    expect(existsSync(path.join(root, 'Dockerfile'))).toBe(true);
    // The image carries what the processes read at run time: the code, the schema migrations, the ERP contracts.
    const copied = [...readFileSync(path.join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY (\S+)/gm)].map((m) => m[1]);
    expect(copied).toEqual(expect.arrayContaining(['src', 'migrations', 'contracts']));
    for (const name of ['worker', 'starter', 'sources', 'exact-simulator']) {
      const service = compose.services[name]!;
      expect(service.build, name).toBe('.');
      const [npm, run, script] = service.command as string[];
      expect([npm, run]).toEqual(['npm', 'run']);
      expect(packageJson.scripts, `${name} runs npm script ${script}`).toHaveProperty(script!);
    }
  });

  it('gives the bridge services a configuration that parses, with the database workers and starter need', () => {
    for (const name of ['worker', 'starter', 'sources', 'exact-simulator']) {
      const config = loadConfig(containerEnvironment(name));
      expect(config.temporal.address, name).toBe('temporal:7233');
      if (name !== 'exact-simulator') expect(config.databaseUrl, `${name} needs DATABASE_URL`).toMatch(/@postgresql:5432\/shopfloor$/);
    }
    expect(compose.services.postgresql!.environment).toMatchObject({ POSTGRES_DB: 'shopfloor' });
  });

  it('mounts a sources file that authenticates the MES and operators and reads MQTT from the compose broker', () => {
    for (const name of ['starter', 'sources']) {
      const { sources } = loadConfig(containerEnvironment(name));
      expect(sources.http.sources.map((s) => s.id), name).toContain('mes');
      expect(sources.http.operators.length, name).toBeGreaterThan(0);
      expect(sources.mqtt?.url, name).toBe('mqtt://mosquitto:1883');
      expect(sources.mqtt?.unifiedNamespace.length, name).toBeGreaterThan(0);
    }
    // The MES token comes from the operator's environment, never from the repository.
    expect(loadConfig(containerEnvironment('starter')).sources.http.sources[0]).toMatchObject({ bearerToken: requiredByCompose.MES_TOKEN });
    expect(compose.services.mosquitto, 'the broker the sources file names').toBeDefined();
  });
});
