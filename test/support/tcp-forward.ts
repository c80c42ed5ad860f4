import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP listener that forwards every connection to another port. */
export interface TcpForward {
  /** Cuts every open connection, as a server going away would, and keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` and pipes each connection to 127.0.0.1:`target`. Tests use it to
 * bring a server up at an address a client was already given (a repository or platform that was
 * down at start and comes back), since the servers under test listen on port 0.
 */
export async function forwardPort(port: number, target: number): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
