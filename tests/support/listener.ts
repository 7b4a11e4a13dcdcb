import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received<B> {
  path: string;
  body: B;
}

export interface Listener<B> {
  /** Callback URL to subscribe with (`http://127.0.0.1:<port><base>`). */
  url: string;
  received: Array<Received<B>>;
  close(): Promise<void>;
}

/** A subscriber's HTTP listener on 127.0.0.1 that records every JSON body it receives (answers 204). */
export async function startListener<B = unknown>(base = '/hooks'): Promise<Listener<B>> {
  const received: Array<Received<B>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as B });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${base}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
