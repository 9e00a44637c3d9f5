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
  services: Record<string, { image?: string; build?: string; command?: string[] | string; ports?: string[]; environment?: Record<string, unknown>; profiles?: string[]; volumes?: string[]; depends_on?: Record<string, { condition: string }> | string[]; healthcheck?: { test: string[] } }>;
};
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string }; allowScripts?: unknown; dependencies: Record<string, string> };
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
/** A published port as "[host:]published:container": the host address (if any) and the published port. */
const published = (port: string) => {
  const parts = String(port).split(':');
  return parts.length === 3 ? { host: parts[0], port: Number(parts[1]) } : { host: undefined, port: Number(parts[0]) };
};

/** The `| service | port |` table under the README's docker compose section. */
function readmeServicePorts(): [string, number][] {
  const section = readme.split('## Scaled deployment (docker compose)')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\|\s*([a-z-]+)\s*\|\s*(\d+)\s*\|$/gm)].map((m) => [m[1]!, Number(m[2])]);
}

/** What an operator gives compose for its required variables (`${VAR:?message}`). */
const requiredByCompose: Record<string, string> = {
  MES_TOKEN: 'mes-token-from-the-operator',
  OPERATOR_TOKEN: 'operator-token-from-the-operator',
  POSTGRES_PASSWORD: 'postgres-password-from-env',
  MQTT_PASSWORD: 'mqtt-password-from-env',
  PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
};

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
  // A variable compose sets empty is unset to the process (its default applies).
  const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]).filter(([, v]) => v !== ''));
  for (const [key, value] of Object.entries(env)) {
    const mount = mounts.find(([, to]) => to === value);
    if (mount) env[key] = path.join(root, mount[0]!);
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('publishes the starter API, the Web UI on the loopback only, and nothing else: every port the README names', () => {
    const rows = readmeServicePorts();
    expect(rows).toEqual([
      ['starter', 8080],
      ['temporal-ui', 8233],
    ]);
    for (const [service, port] of rows) expect((compose.services[service]!.ports ?? []).map((p) => published(p).port), `${service} publishes ${port}`).toContain(port);
    const publishing = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(publishing.sort()).toEqual(['starter', 'temporal-ui']);
    expect(compose.services['temporal-ui']!.ports!.map((p) => published(p).host)).toEqual(['127.0.0.1']);
    expect(compose.services['temporal-ui']!.profiles).toEqual(['ui']);
  });

  it("uses images and tags in Temporal's published scheme, sets the schema up before the server, and checks health with the temporal CLI", () => {
    const images = Object.values(compose.services).flatMap((s) => (s.image ? [s.image] : []));
    expect(images.some((i) => i.startsWith('temporalio/auto-setup'))).toBe(false);
    for (const image of images.filter((i) => i.startsWith('temporalio/admin-tools'))) expect(image).toMatch(/^temporalio\/admin-tools:\d+\.\d+\.\d+-tctl-\d+\.\d+\.\d+-cli-\d+\.\d+\.\d+$/);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(compose.services.temporal!.depends_on).toMatchObject({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(String(compose.services['temporal-schema']!.command)).toContain('setup-schema');
    // The namespace exists before the search attributes are registered, each retried until it holds.
    const setup = String(compose.services['temporal-admin-tools']!.command);
    expect(setup.indexOf('namespace create')).toBeLessThan(setup.indexOf('search-attribute create'));
    expect(setup).toMatch(/until temporal operator search-attribute/);
    const checks = Object.values(compose.services).flatMap((s) => (s.healthcheck ? [s.healthcheck.test.join(' ')] : []));
    expect(checks.some((c) => c.includes('tctl'))).toBe(false);
    expect(compose.services['temporal-admin-tools']!.healthcheck!.test).toEqual(expect.arrayContaining(['temporal', 'operator', 'cluster', 'health']));
  });

  it('takes every credential from .env, and the broker takes no anonymous client', () => {
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    for (const name of ['POSTGRES_PASSWORD', 'MES_TOKEN', 'OPERATOR_TOKEN', 'MQTT_PASSWORD', 'PAYLOAD_KEYS']) expect(text, name).toMatch(new RegExp(`\\$\\{${name}:\\?`));
    expect(text).not.toMatch(/POSTGRES_PASSWORD: temporal\b/);
    const mosquitto = readFileSync(path.join(root, 'deploy', 'mosquitto.conf'), 'utf8');
    expect(mosquitto).toMatch(/^allow_anonymous false$/m);
    expect(mosquitto).toMatch(/^password_file /m);
    // The Exact connection's OAuth settings reach the bridge.
    for (const name of ['EXACT_CLIENT_ID', 'EXACT_CLIENT_SECRET', 'EXACT_REFRESH_TOKEN']) expect(compose.services.worker!.environment, name).toHaveProperty(name);
  });

  it('builds on Node 22 LTS, which package.json allows (20.19 or later), with no install script run', () => {
    expect(dockerfile).toMatch(/^FROM node:22-/m);
    expect(packageJson.engines.node).toBe('>=20.19');
    // node-opcua from 2.183 wants Node 22.13: held at 2.182 so that Node 20 runs without a warning.
    expect(packageJson.dependencies['node-opcua']).toBe('2.182.2');
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(packageJson.allowScripts, 'not an npm feature').toBeUndefined();
  });

  it('has the Temporal cluster on PostgreSQL, its UI, Mosquitto, workers and the starter', () => {
    for (const name of ['postgresql', 'temporal-schema', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'mosquitto', 'worker', 'starter']) {
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
    const copied = [...dockerfile.matchAll(/^COPY (\S+)/gm)].map((m) => m[1]);
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
