/**
 * One DDP connection to Rocket.Chat's realtime endpoint (`/websocket`, raw JSON frames): the
 * `connect` handshake, method calls matched to their results by id, subscriptions that resolve on
 * `ready`, stream events (`changed`), and keep-alive both ways. It does not reconnect: a closed
 * connection is reported once through `onClose` and the session (realtime-session.ts) opens a
 * new one.
 */
import WebSocket from 'ws';
import { reviveDates } from './ejson.js';

/** A DDP method error (`{error, reason, message}`), e.g. a refused login. */
export class DdpError extends Error {
  /** Meteor's `error` field: a number (403) or a code (`too-many-requests`). */
  readonly error: string | number;
  readonly reason: string;
  readonly details: unknown;
  constructor(
    what: string,
    raw: { error?: string | number; reason?: string; message?: string; details?: unknown },
  ) {
    super(`${what} failed: ${raw.reason ?? raw.message ?? String(raw.error ?? 'unknown error')}`);
    this.name = 'DdpError';
    this.error = raw.error ?? 'unknown';
    this.reason = raw.reason ?? raw.message ?? '';
    this.details = raw.details;
  }
}

export interface DdpConnectionOptions {
  /** `ws://host/websocket` or `wss://…`. */
  url: string;
  /** Certificate authorities (PEM) to trust for `wss://`, replacing the default list. */
  ca?: string[];
  /** How long the handshake, a method call or a subscription may take. */
  timeoutMs: number;
  /** Ping after this much silence; close when the pong does not come within as long again. */
  pingIntervalMs: number;
  /** A stream event: `changed` on `collection`, with its revived fields. */
  onEvent(collection: string, fields: Record<string, unknown>): void;
  /** The connection closed (by either side, or the keep-alive); called once, never after close(). */
  onClose(code: number, reason: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Frame {
  msg?: string;
  id?: string;
  server_id?: string;
  session?: string;
  result?: unknown;
  error?: { error?: string | number; reason?: string; message?: string; details?: unknown };
  subs?: string[];
  collection?: string;
  fields?: Record<string, unknown>;
}

export class DdpConnection {
  readonly #options: DdpConnectionOptions;
  readonly #pending = new Map<string, Pending>();
  #socket: WebSocket | undefined;
  #nextId = 1;
  #closed = false;
  #lastHeard = Date.now();
  #pinger: ReturnType<typeof setInterval> | undefined;

  constructor(options: DdpConnectionOptions) {
    this.#options = options;
  }

  /** Opens the socket and completes the DDP `connect` handshake; rejects with the reason it failed. */
  open(): Promise<void> {
    const { url, ca, timeoutMs } = this.#options;
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, ...(ca ? { ca } : {}) });
      this.#socket = socket;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#shutdown();
        socket.terminate();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new Error(`no DDP "connected" from ${url} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('open', () => {
        socket.send(JSON.stringify({ msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'] }));
      });
      socket.on('message', (data) => {
        this.#lastHeard = Date.now();
        let frame: Frame;
        try {
          frame = JSON.parse(data.toString()) as Frame;
        } catch {
          return;
        }
        if (!settled) {
          if (frame.msg === 'connected') {
            settled = true;
            clearTimeout(timer);
            this.#startPinging();
            resolve();
          } else if (frame.msg === 'failed') {
            fail(new Error(`the server refused DDP version 1 (${url})`));
          }
          if (frame.msg !== 'ping') return;
        }
        this.#handle(frame);
      });
      socket.on('error', (err) => fail(new Error(`DDP connection to ${url} failed: ${err.message}`)));
      socket.on('close', (code, reason) => {
        if (!settled) {
          fail(new Error(`DDP connection to ${url} closed during the handshake (${code})`));
          return;
        }
        this.#closedBy(code, reason.toString());
      });
    });
  }

  /** Calls a method; resolves with its result or rejects with a {@link DdpError} or a timeout. */
  call(method: string, params: unknown[]): Promise<unknown> {
    const id = String(this.#nextId++);
    return this.#request(id, `method ${method}`, { msg: 'method', method, id, params });
  }

  /** Subscribes; resolves on `ready`, rejects on `nosub`. */
  subscribe(name: string, params: unknown[]): Promise<void> {
    const id = `s${this.#nextId++}`;
    return this.#request(id, `subscription ${name}`, { msg: 'sub', id, name, params }).then(() => undefined);
  }

  /** Closes without calling `onClose`. */
  close(): void {
    if (this.#closed) return;
    this.#shutdown();
    this.#socket?.close(1000);
    const socket = this.#socket;
    // A server that never answers the close must not keep the process alive.
    setTimeout(() => socket?.terminate(), 1000).unref();
  }

  #request(id: string, what: string, frame: Record<string, unknown>): Promise<unknown> {
    const socket = this.#socket;
    if (this.#closed || !socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error(`${what}: the realtime connection is not open`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${what}: no answer within ${this.#options.timeoutMs} ms`));
      }, this.#options.timeoutMs);
      this.#pending.set(id, {
        resolve,
        reject: (err) => reject(err instanceof DdpError ? new DdpError(what, err) : err),
        timer,
      });
      socket.send(JSON.stringify(frame));
    });
  }

  #handle(frame: Frame): void {
    switch (frame.msg) {
      case 'ping':
        this.#send(frame.id ? { msg: 'pong', id: frame.id } : { msg: 'pong' });
        return;
      case 'result':
        this.#settle(frame.id, frame.error, frame.result);
        return;
      case 'ready':
        for (const id of frame.subs ?? []) this.#settle(id, undefined, undefined);
        return;
      case 'nosub':
        this.#settle(
          frame.id,
          frame.error ?? { error: 'nosub', reason: 'the subscription was refused' },
          undefined,
        );
        return;
      case 'changed':
      case 'added':
        if (frame.collection && frame.fields) {
          this.#options.onEvent(frame.collection, reviveDates(frame.fields) as Record<string, unknown>);
        }
        return;
      default:
    }
  }

  #settle(id: string | undefined, error: Frame['error'], result: unknown): void {
    if (!id) return;
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(new DdpError('call', error));
    else pending.resolve(reviveDates(result));
  }

  #send(frame: Record<string, unknown>): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame));
  }

  /** Our own pings find a half-open connection, which a quiet server would never report. */
  #startPinging(): void {
    const interval = this.#options.pingIntervalMs;
    this.#pinger = setInterval(
      () => {
        const silent = Date.now() - this.#lastHeard;
        if (silent >= 2 * interval) {
          this.#socket?.terminate();
          this.#closedBy(4000, `no answer to ping within ${interval} ms`);
        } else if (silent >= interval) {
          this.#send({ msg: 'ping', id: `p${this.#nextId++}` });
        }
      },
      Math.max(100, Math.floor(interval / 2)),
    );
    this.#pinger.unref();
  }

  #closedBy(code: number, reason: string): void {
    if (this.#closed) return;
    this.#shutdown();
    this.#options.onClose(code, reason);
  }

  #shutdown(): void {
    this.#closed = true;
    if (this.#pinger) clearInterval(this.#pinger);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the realtime connection closed'));
      this.#pending.delete(id);
    }
  }
}
