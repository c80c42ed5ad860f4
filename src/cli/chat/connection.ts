import WebSocket from 'ws';
import { type ClientFrame, readServerFrame, type ServerFrame } from '../../core/console-protocol.js';

/** What happened to the connection, for the user. */
export type ConnectionEvent =
  | { kind: 'open' }
  /** Dropped or unreachable; a new attempt follows after `retryInMs`. */
  | { kind: 'lost'; reason: string; retryInMs: number }
  /** The console refused us (bad token, not a console); retrying would not help. */
  | { kind: 'refused'; status: number; message: string };

export interface ChatConnectionOptions {
  /** The WebSocket URL (`ws://host:port/ws?user=…`). */
  url: string;
  token?: string;
  onFrame(frame: ServerFrame): void;
  onEvent(event: ConnectionEvent): void;
  /** First and longest wait between attempts. */
  retry?: { initialMs: number; maxMs: number };
  /** A connection that receives nothing (the server pings every 30 s) for this long is dropped. */
  idleMs?: number;
}

/**
 * The terminal client's WebSocket to the console: sends the token as a Bearer header (never in
 * the URL, which proxies log), reconnects with a doubling delay after drops, gives up only when
 * the console answers 401, 403 or 404, and drops a connection that went silent.
 */
export class ChatConnection {
  readonly #options: ChatConnectionOptions;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #stopped = false;
  #silent = false;

  constructor(options: ChatConnectionOptions) {
    this.#options = options;
  }

  get open(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.#stopped) return;
    const headers: Record<string, string> = {};
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`;
    const socket = new WebSocket(this.#options.url, {
      headers,
      handshakeTimeout: 10_000,
      maxPayload: 256 * 1024 * 1024,
    });
    this.#socket = socket;
    let lastError = '';
    let refused = false;
    this.#silent = false;
    socket.on('unexpected-response', (request, response) => {
      const status = response.statusCode ?? 0;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body = (body + chunk).slice(0, 2000);
      });
      response.on('end', () => {
        request.destroy();
        const message = body.trim() || response.statusMessage || `HTTP ${status}`;
        if (status === 401 || status === 403 || status === 404) {
          refused = true;
          this.close();
          this.#options.onEvent({ kind: 'refused', status, message });
        } else {
          lastError = `HTTP ${status}: ${message}`;
          socket.terminate();
        }
      });
    });
    socket.on('open', () => {
      this.#attempt = 0;
      this.#touch();
      this.#options.onEvent({ kind: 'open' });
    });
    socket.on('ping', () => this.#touch());
    socket.on('message', (data) => {
      this.#touch();
      let frame: ServerFrame | undefined;
      try {
        frame = readServerFrame(String(data));
      } catch (err) {
        lastError = `the console sent a malformed frame: ${(err as Error).message}`;
        return;
      }
      if (frame) this.#options.onFrame(frame);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err.code ? `${err.code}: ${err.message}` : err.message;
    });
    socket.on('close', (code, reason) => {
      if (this.#idle) clearTimeout(this.#idle);
      if (this.#stopped || refused) return;
      const retry = this.#options.retry ?? { initialMs: 500, maxMs: 10_000 };
      const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** this.#attempt);
      this.#attempt += 1;
      const idle = this.#silent
        ? `no traffic for ${Math.round((this.#options.idleMs ?? 75_000) / 1000)} s`
        : '';
      const why =
        idle || lastError || (reason.length > 0 ? `closed: ${reason.toString()}` : `closed (code ${code})`);
      this.#options.onEvent({ kind: 'lost', reason: why, retryInMs: delay });
      this.#timer = setTimeout(() => this.start(), delay);
    });
  }

  /** Sends a frame; false when not connected (the frame is not kept). */
  send(frame: ClientFrame): boolean {
    if (!this.open) return false;
    this.#socket?.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#idle) clearTimeout(this.#idle);
    const socket = this.#socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.close(1000, 'bye');
    else socket?.terminate();
  }

  #touch(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      this.#silent = true;
      this.#socket?.terminate();
    }, this.#options.idleMs ?? 75_000);
    this.#idle.unref();
  }
}
