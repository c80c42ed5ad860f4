import type { RawData, WebSocket } from 'ws';
import type { ServerFrame } from '../../core/console-protocol.js';
import type { Logger } from '../../log/logger.js';

/** One connected page or `switchboard chat`. */
export interface ConsoleClient {
  /** Names this connection among the hub's (`c1`, `c2`…); not reused while the agent runs. */
  readonly id: string;
  readonly user: string;
  /** Whether the connection is still open and may be sent to. */
  readonly open: boolean;
  /** Sends one frame; false when it was not sent (closed, or dropped for being too slow). */
  send(frame: ServerFrame): boolean;
  /** Takes one command from the client's budget; false when it sends too fast. */
  takeCommand(): boolean;
}

export interface SocketHubOptions {
  logger: Logger;
  /** Frames a new client gets first (hello, history, status). */
  welcome(client: ConsoleClient): ServerFrame[];
  onText(client: ConsoleClient, text: string): void;
  /** A client whose unsent data exceeds this is dropped (it cannot keep up). */
  maxBufferedBytes: number;
  /** Ping period; a client that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /** Commands per second per client, sustained, and the burst allowed. */
  commandRate: { perSecond: number; burst: number };
  now?: () => number;
}

/**
 * The live connections: sends every client the same traffic, keeps slow and dead clients from
 * holding memory (dropped past `maxBufferedBytes`, or after a missed ping), and rate-limits
 * each client's commands.
 */
export class SocketHub {
  readonly #clients = new Set<Client>();
  readonly #options: SocketHubOptions;
  readonly #heartbeat: NodeJS.Timeout;
  #lastId = 0;

  constructor(options: SocketHubOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => this.#ping(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  add(ws: WebSocket, user: string): void {
    this.#lastId += 1;
    const client = new Client(`c${this.#lastId}`, ws, user, this.#options);
    this.#clients.add(client);
    ws.on('close', () => this.#clients.delete(client));
    ws.on('error', (err) => this.#options.logger.debug({ err: err.message }, 'console socket error'));
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        client.send({ type: 'error', error: 'binary frames are not accepted; send JSON text frames' });
        return;
      }
      this.#options.onText(client, rawText(data));
    });
    for (const frame of this.#options.welcome(client)) client.send(frame);
  }

  /** The connected client with this id, or undefined once it has gone. */
  client(id: string): ConsoleClient | undefined {
    for (const client of this.#clients) if (client.id === id) return client.open ? client : undefined;
    return undefined;
  }

  /** Sends a serialized frame to every client. */
  broadcast(text: string): void {
    if (this.#clients.size === 0) return;
    // Encoded once for all: ws would turn the string into bytes again for every socket.
    const bytes = this.#clients.size > 1 ? Buffer.from(text, 'utf8') : text;
    for (const client of this.#clients) client.sendText(bytes);
  }

  /** Closes every connection (going away) and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.ws.close(1001, 'the agent is stopping');
    // Peers that do not finish the closing handshake quickly are cut.
    const stragglers = [...this.#clients];
    setTimeout(() => {
      for (const c of stragglers) c.ws.terminate();
    }, 1000).unref();
  }

  #ping(): void {
    for (const client of this.#clients) {
      if (!client.alive) {
        this.#options.logger.debug({ user: client.user }, 'console client missed a ping; dropped');
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }
}

class Client implements ConsoleClient {
  alive = true;
  #tokens: number;
  #refilledAt: number;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly user: string,
    private readonly options: SocketHubOptions,
  ) {
    this.#tokens = options.commandRate.burst;
    this.#refilledAt = (options.now ?? Date.now)();
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(frame: ServerFrame): boolean {
    return this.sendText(JSON.stringify(frame));
  }

  /** Sends one serialized frame (a Buffer holds its UTF-8 bytes); it goes as a text frame. */
  sendText(text: string | Buffer): boolean {
    if (!this.open) return false;
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.options.logger.warn(
        { user: this.user, buffered: this.ws.bufferedAmount },
        'console client is not reading its messages; disconnected',
      );
      this.ws.close(1013, 'too slow: messages piled up unread');
      this.ws.terminate();
      return false;
    }
    this.ws.send(text, textFrame);
    return true;
  }

  takeCommand(): boolean {
    const now = (this.options.now ?? Date.now)();
    const { perSecond, burst } = this.options.commandRate;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * perSecond);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** ws's send options for a frame the page reads as text, whether given a string or its bytes. */
const textFrame = { binary: false } as const;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  // A Buffer (ws's default binaryType) is decoded in place; Buffer.from would copy it first.
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
