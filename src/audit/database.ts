/**
 * The PostgreSQL the bridge writes to: the server at DATABASE_URL, or, when that is
 * unset (npm start on a fresh machine), an embedded PGlite served over the PostgreSQL
 * wire protocol, so the same SQL and the same `pg` driver run either way.
 */
import path from 'node:path';
import { Pool } from 'pg';
import { projectRoot } from '../temporal/devServer';
import { migrate } from './auditTrail';

export interface Database {
  pool: Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(url: string | undefined, embeddedPort = 0): Promise<Database> {
  if (url) {
    const pool = new Pool({ connectionString: url, max: 5 });
    await migrate(pool);
    return { pool, url, embedded: false, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(path.join(projectRoot, '.data', 'pglite'));
  const server = new PGLiteSocketServer({ db, port: embeddedPort, host: '127.0.0.1' });
  await server.start();
  const embeddedUrl = `postgresql://postgres@${server.getServerConn()}/postgres`;
  // PGlite serves one connection at a time.
  const pool = new Pool({ connectionString: embeddedUrl, max: 1 });
  await migrate(pool);
  return {
    pool,
    url: embeddedUrl,
    embedded: true,
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}
