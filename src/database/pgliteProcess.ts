/**
 * The embedded PostgreSQL (PGlite) as a process of its own, served over the PostgreSQL wire
 * protocol: a slow query then never holds the bridge's event loop (its workflow tasks, its
 * health checks), and psql, the bridge's pool and other tools share it (queries are queued
 * per statement, a transaction keeps its connection's turn). Started by database.ts; as a
 * script: `pgliteProcess.ts <data directory> <port>`, printing `ready <url>` once it serves.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

async function main() {
  const [dataDir, port] = process.argv.slice(2) as [string, string];
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  // PGlite makes its own directory, not the ones above it.
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, port: Number(port), host: '127.0.0.1', maxConnections: 32 });
  await server.start();
  console.log(`ready postgresql://postgres@${server.getServerConn()}/postgres`);
  const stop = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // The bridge that started it is gone: so is this.
  process.on('disconnect', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
