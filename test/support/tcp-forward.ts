import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP listener that forwards every connection to another port. */
export interface TcpForward {
  /** Cuts every open connection, as a server going away would, and keeps listening. */
  dropConnections(): void;
  /**
   * A network partition: bytes stop flowing both ways on open connections, and new connections
   * are accepted but never reach the target. Nothing is closed, so clients see silence (no
   * reset, no error) until their own timeouts fire.
   */
  partition(): void;
  /** Ends the partition: the connections it froze are cut (as they would time out), new ones are forwarded again. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` and pipes each connection to 127.0.0.1:`target`. Tests use it to
 * bring a server up at an address a client was already given (a repository or platform that was
 * down at start and comes back), since the servers under test listen on port 0, and to cut a
 * client off from its server without it noticing (partition).
 */
export async function forwardPort(port: number, target: number): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  let partitioned = false;
  const track = (s: Socket, pair: { client: Socket; upstream: Socket | undefined }) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      pairs.delete(pair);
    });
    s.on('error', () => {
      pair.client.destroy();
      pair.upstream?.destroy();
    });
  };
  const server = createServer((client) => {
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    pairs.add(pair);
    track(client, pair);
    if (partitioned) {
      // Held: the handshake completed in the kernel, but nothing goes anywhere.
      client.pause();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    pair.upstream = upstream;
    track(upstream, pair);
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
    partition: () => {
      partitioned = true;
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    heal: () => {
      partitioned = false;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
