/**
 * The Socket Mode side of the emulator: single-use connection tickets, `hello`, envelope delivery
 * (round robin over live connections, queued while none is live), acknowledgements by
 * envelope_id, redelivery of unacknowledged `events_api` envelopes with retry_attempt and
 * retry_reason, `disconnect` frames, and WebSocket ping/pong (answered by hand so a connection can
 * be frozen on purpose).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';
export type DisconnectReason = 'refresh_requested' | 'link_disabled' | 'warning' | 'too_many_websockets';

export interface SocketModeServerOptions {
  appId: string;
  ackTimeoutMs: number;
  maxRedeliveries: number;
  pingIntervalMs: number;
  /** Slack allows 10 concurrent connections per app. */
  maxConnections?: number;
  /** Time a connection told to go away gets before the server closes it. */
  closeGraceMs?: number;
}

/** What the app sent back in its acknowledgement. */
export interface Ack {
  payload: unknown;
}

interface Connection {
  id: number;
  ws: WebSocket;
  live: boolean;
  frozen: boolean;
  timers: NodeJS.Timeout[];
}

interface Pending {
  type: EnvelopeType;
  payload: unknown;
  acceptsResponsePayload: boolean;
  /** retry_attempt of the latest delivery. */
  attempt: number;
  envelopeIds: string[];
  acked: boolean;
  done: boolean;
  timer?: NodeJS.Timeout;
  resolve(ack: Ack): void;
  reject(error: Error): void;
}

export class SocketModeServer {
  readonly stats = { connections: 0, redeliveries: 0, envelopes: 0, acks: 0, expired: 0 };
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  private readonly tickets = new Set<string>();
  private readonly connections = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private readonly byEnvelopeId = new Map<string, Pending>();
  private readonly pending = new Set<Pending>();
  private nextConnectionId = 0;
  private roundRobin = 0;
  private closed = false;

  constructor(private readonly options: SocketModeServerOptions) {}

  /** A new single-use ticket for the `/link/` URL apps.connections.open hands out. */
  /** Connections that said hello and are open now (for tests of who holds the link). */
  get liveConnections(): number {
    return [...this.connections].filter((c) => c.live).length;
  }

  issueTicket(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return ticket;
  }

  /** Accepts a WebSocket upgrade carrying a valid ticket; answers 401 otherwise. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(request.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (this.closed || !this.tickets.delete(ticket)) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ninvalid ticket',
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  /**
   * Delivers an envelope to one live connection (or queues it until one is live) and resolves
   * with the app's acknowledgement. Rejects when it expires unacknowledged: at once after
   * ackTimeoutMs for `interactive`/`slash_commands` (Slack shows the user an error), after
   * maxRedeliveries redeliveries for `events_api`. The promise is pre-handled, so callers may ignore it.
   */
  deliver(type: EnvelopeType, payload: unknown): Promise<Ack> {
    let resolve!: (ack: Ack) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<Ack>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    const entry: Pending = {
      type,
      payload,
      acceptsResponsePayload: type === 'slash_commands',
      attempt: 0,
      envelopeIds: [],
      acked: false,
      done: false,
      resolve,
      reject,
    };
    this.stats.envelopes += 1;
    this.pending.add(entry);
    this.queue.push(entry);
    this.flush();
    return promise;
  }

  /** Sends a `disconnect` frame on every live connection; they get no more envelopes. */
  sendDisconnect(reason: DisconnectReason): void {
    for (const connection of this.connections) {
      if (connection.frozen) continue;
      this.send(connection, { type: 'disconnect', reason, debug_info: { host: host(connection) } });
      if (reason !== 'warning') this.retire(connection);
    }
  }

  /** Closes every connection abruptly, without a close frame or a disconnect message. */
  drop(): void {
    for (const connection of this.connections) connection.ws.terminate();
  }

  /** Live connections stop answering pings and receiving envelopes, as if the network had stalled. */
  freeze(): void {
    for (const connection of this.connections) connection.frozen = true;
  }

  /** Connections the app holds right now (live or not). */
  openConnections(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.pending) this.finish(entry, new Error('Slack emulator closed'));
    for (const connection of this.connections) {
      for (const timer of connection.timers) clearTimeout(timer);
      connection.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const connection: Connection = {
      id: this.nextConnectionId++,
      ws,
      live: false,
      frozen: false,
      timers: [],
    };
    this.connections.add(connection);
    this.stats.connections += 1;
    ws.on('ping', (data) => {
      if (!connection.frozen) ws.pong(data);
    });
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('error', () => {});
    ws.on('close', () => {
      this.connections.delete(connection);
      for (const timer of connection.timers) clearTimeout(timer);
    });
    const liveCount = [...this.connections].filter((c) => c.live).length;
    if (liveCount >= (this.options.maxConnections ?? 10)) {
      this.send(connection, {
        type: 'disconnect',
        reason: 'too_many_websockets',
        debug_info: { host: host(connection) },
      });
      this.retire(connection);
      return;
    }
    connection.live = true;
    this.send(connection, {
      type: 'hello',
      num_connections: liveCount + 1,
      debug_info: { host: host(connection), build_number: 1, approximate_connection_time: 18_060 },
      connection_info: { app_id: this.options.appId },
    });
    if (this.options.pingIntervalMs > 0) {
      const ping = setInterval(() => {
        if (!connection.frozen && ws.readyState === ws.OPEN) ws.ping(Buffer.from(`ping ${Date.now()}`));
      }, this.options.pingIntervalMs);
      connection.timers.push(ping);
    }
    this.flush();
  }

  /** Stops delivering to a connection and closes it if the app does not within the grace time. */
  private retire(connection: Connection): void {
    connection.live = false;
    const timer = setTimeout(() => connection.ws.terminate(), this.options.closeGraceMs ?? 10_000);
    connection.timers.push(timer);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const { envelope_id: envelopeId, payload } = frame as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const entry = this.byEnvelopeId.get(envelopeId);
    if (!entry || entry.done) return;
    entry.acked = true;
    this.stats.acks += 1;
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.finish(entry, { payload: payload ?? {} });
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const live = [...this.connections].filter((c) => c.live && !c.frozen && c.ws.readyState === c.ws.OPEN);
      if (live.length === 0) return;
      const connection = live[this.roundRobin++ % live.length] as Connection;
      const entry = this.queue.shift() as Pending;
      this.transmit(connection, entry);
    }
  }

  private transmit(connection: Connection, entry: Pending): void {
    const envelopeId = randomUUID();
    this.byEnvelopeId.set(envelopeId, entry);
    entry.envelopeIds.push(envelopeId);
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload: entry.payload,
      type: entry.type,
      accepts_response_payload: entry.acceptsResponsePayload,
    };
    if (entry.type === 'events_api') {
      envelope.retry_attempt = entry.attempt;
      envelope.retry_reason = entry.attempt === 0 ? '' : 'timeout';
    }
    this.send(connection, envelope);
    entry.timer = setTimeout(() => this.onAckTimeout(entry), this.options.ackTimeoutMs);
  }

  private onAckTimeout(entry: Pending): void {
    if (entry.done) return;
    if (entry.type === 'events_api' && entry.attempt < this.options.maxRedeliveries) {
      entry.attempt += 1;
      this.stats.redeliveries += 1;
      this.queue.unshift(entry);
      this.flush();
      return;
    }
    this.stats.expired += 1;
    this.finish(
      entry,
      new Error(
        `${entry.type} envelope was not acknowledged within ${this.options.ackTimeoutMs} ms` +
          (entry.type === 'events_api' ? ` (after ${entry.attempt} redeliveries)` : ''),
      ),
    );
  }

  private finish(entry: Pending, outcome: Ack | Error): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    this.pending.delete(entry);
    for (const id of entry.envelopeIds) this.byEnvelopeId.delete(id);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private send(connection: Connection, frame: unknown): void {
    if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(JSON.stringify(frame));
  }
}

function host(connection: Connection): string {
  return `applink-emu-${connection.id}`;
}
