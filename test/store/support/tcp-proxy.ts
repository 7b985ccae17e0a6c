import net from 'node:net';

export interface TcpProxy {
  /** the proxy's URL with the target's scheme, e.g. redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** cuts every connection and refuses new ones, as a Redis that went away would */
  stop(): Promise<void>;
  /** accepts connections again on the same port, as a Redis that came back */
  start(): Promise<void>;
  /** keeps connections open but holds every byte, as a Redis that hangs (busy, paused) would; thaw lets them through */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the shared Redis, so a test can take "Redis" away and bring it back without
 * stopping the Redis other suites use.
 */
export async function startTcpProxy(target: { host: string; port: number }, scheme = 'redis'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  // while frozen, bytes wait here in order and flow on thaw, as with a Redis busy in a long command
  let held: Array<() => void> = [];

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (frozen) held.push(() => to.write(chunk));
        else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });

  const port = await listen(0);
  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      if (!server.listening) await listen(port);
    },
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      const flush = held;
      held = [];
      for (const write of flush) write();
    },
    close: stop,
  };
}
