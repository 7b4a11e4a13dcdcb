import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server (Postgres here), that a test can cut: `cut()`
 * destroys every open connection and closes the listening socket, so new connections are refused
 * (ECONNREFUSED, as from a stopped server); `restore()` listens again on the same port. This is how
 * the fault tests take "the database" away from the worker without stopping the machine's shared
 * Postgres, which other tests use.
 */
export interface TcpProxy {
  port: number;
  /** How many connections `cut()` has destroyed, in total. */
  readonly severed: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  /** Open connections, each as its client side and its upstream side. */
  const open = new Set<[Socket, Socket]>();
  let severed = 0;
  let server: Server | undefined;

  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection(target);
        const pair: [Socket, Socket] = [client, upstream];
        open.add(pair);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          open.delete(pair);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  const closeServer = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

  server = await listen(0);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get severed() {
      return severed;
    },
    async cut() {
      const closing = closeServer();
      server = undefined;
      severed += open.size;
      for (const [client, upstream] of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
      await closing;
    },
    async restore() {
      if (!server) server = await listen(port);
    },
    async close() {
      for (const [client, upstream] of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
      await closeServer();
      server = undefined;
    },
  };
}
