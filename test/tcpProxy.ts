/** A TCP proxy a test can cut: every connection dropped, new ones refused, until it is restored. */
import { type Server, type Socket, connect, createServer } from 'node:net';

export async function startTcpProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  let cutOff = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (cutOff) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      open.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      cutOff = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      cutOff = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
