/**
 * The PostgreSQL the bridge writes to: the server at DATABASE_URL, or, when that is
 * unset (npm start on a fresh machine), an embedded PGlite in a process of its own, served
 * over the PostgreSQL wire protocol at EMBEDDED_DATABASE_PORT, so the same SQL and the same
 * `pg` driver (and psql) work either way. Schema changes
 * are the numbered SQL files in migrations/, applied in order, once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { erpModules } from '../erp/registry';
import { nodeScriptArgs, stopChild } from '../nodeScript';
import { projectRoot } from '../projectRoot';

export interface Database {
  pool: Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(url: string | undefined, embeddedPort = 0, embeddedDataDir = path.join(projectRoot, '.data', 'pglite')): Promise<Database> {
  if (url) {
    const pool = new Pool({ connectionString: url, max: 5 });
    await migrate(pool);
    return { pool, url, embedded: false, close: () => pool.end() };
  }
  // PGlite in a process of its own (src/database/pgliteProcess.ts): its queries never hold this one's event loop.
  const { child, url: embeddedUrl } = await startEmbeddedPostgres(embeddedDataDir, embeddedPort);
  const pool = new Pool({ connectionString: embeddedUrl, max: 4 });
  await migrate(pool);
  return {
    pool,
    url: embeddedUrl,
    embedded: true,
    async close() {
      await pool.end();
      await stopChild(child);
    },
  };
}

async function startEmbeddedPostgres(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, nodeScriptArgs(path.join(__dirname, `pgliteProcess${path.extname(__filename)}`), [dataDir, String(port)]), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the embedded PostgreSQL did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /^ready (\S+)$/m.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the embedded PostgreSQL exited (${code}) while starting${/EADDRINUSE/.test(output) ? `: port ${port} is taken (set EMBEDDED_DATABASE_PORT, or DATABASE_URL for a PostgreSQL of your own)` : `:\n${output}`}`));
    });
  });
  // Only its first lines: it says nothing more unless it fails.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').on('data', (chunk: Buffer) => process.stderr.write(`embedded PostgreSQL: ${chunk.toString()}`));
  return { child, url };
}

/** Runs `work` in one transaction on one connection of the pool: all of it, or none. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The bridge's own migrations, and each ERP module's beside its code; all apply in the order of their numbers. */
function migrationFiles(): { name: string; file: string }[] {
  const folders = [path.join(projectRoot, 'migrations'), ...erpModules.flatMap((m) => (m.migrations ? [m.migrations] : []))];
  return folders.flatMap((folder) => readdirSync(folder).filter((f) => f.endsWith('.sql')).map((name) => ({ name, file: path.join(folder, name) })));
}

/** Applies the migrations not yet applied, under an advisory lock so concurrent workers take turns. */
export async function migrate(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7461001)');
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const pending = migrationFiles()
      .filter((m) => !applied.has(m.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const { name, file } of pending) {
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(file, 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${String(error)}`);
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7461001)').catch(() => undefined);
    client.release();
  }
}

/**
 * PostgreSQL text and jsonb cannot hold NUL, and what the bridge keeps for people (refused
 * input, the audit trail) may hold exactly that. NUL is kept as the six characters `\u0000`,
 * so a row is always written and still says what arrived.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\u0000');
}

/** JSON for a jsonb column: a NUL inside a string is kept as the text `\u0000`. */
export function storableJson(value: unknown): string {
  // An escaped NUL is `\u0000` after an even number of backslashes (an odd one escapes a backslash).
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\\\u0000');
}
