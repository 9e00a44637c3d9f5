/**
 * The embedded PostgreSQL (PGlite) as a process of its own, served over the PostgreSQL wire
 * protocol: a slow query then never holds the bridge's event loop (its workflow tasks, its
 * health checks), and psql, the bridge's pool and other tools share it (a statement's
 * messages, and a transaction, keep their connection's turn: keepEachBatchTogether). Started by database.ts; as a
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
  keepEachBatchTogether((server as unknown as { queryQueue: QueryQueue }).queryQueue);
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

/** pglite-socket's queue of protocol messages (not exported): one entry per message of a connection (handler). */
interface QueryQueue {
  queue: { handlerId: number; message: Uint8Array; resolve(bytes: number): void; reject(error: unknown): void; onData(data: Uint8Array): void }[];
  processing: boolean;
  lastHandlerId: number | null;
  db: { isInTransaction(): boolean; runExclusive<T>(work: () => Promise<T>): Promise<T>; execProtocolRawStream(message: Uint8Array, options: { onRawData(data: Uint8Array): void }): Promise<unknown> };
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Message types that end a connection's turn: Sync (its extended-protocol batch is complete), a simple Query, Terminate. */
const TURN_ENDS = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket runs the connections' protocol messages one at a time, in arrival order,
 * keeping only a transaction's turn. But node-postgres sends a statement as Parse, Bind,
 * Execute, Sync: another connection's Parse between them replaces the unnamed statement,
 * so a Bind meets another statement (an error, or someone else's SQL run with its
 * parameters), and PGlite, skipping messages after the error, can leave a connection
 * waiting for good. So a connection keeps its turn from its first message to the message
 * that ends its batch (Sync, Query, Terminate; a startup message), and in a transaction as
 * before; a connection that goes away gives the turn up.
 */
function keepEachBatchTogether(queue: QueryQueue): void {
  let holder: number | null = null;
  queue.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = holder ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        const index = owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === owner);
        // The holder's next message has not arrived yet: the others wait for it.
        if (index === -1) break;
        const [item] = this.queue.splice(index, 1) as [QueryQueue['queue'][number]];
        let bytes = 0;
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, { onRawData: (data) => ((bytes += data.length), item.onData(data)) }));
        } catch (error) {
          holder = null;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        // A startup message has no type byte: it begins with its length's zero byte.
        const type = item.message[0] ?? 0;
        holder = type === 0 || TURN_ENDS.has(type) ? null : item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId) => {
    clear(handlerId);
    if (holder !== handlerId) return;
    holder = null;
    void queue.processQueue();
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
