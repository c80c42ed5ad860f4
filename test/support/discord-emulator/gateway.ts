/**
 * The emulator's gateway (v10, JSON, no compression): HELLO, heartbeats and their ACKs (also
 * before READY), IDENTIFY → READY + one GUILD_CREATE per guild, RESUME with the missed events
 * replayed in order then RESUMED, op 7 RECONNECT and op 9 INVALID_SESSION on demand, and the close
 * codes real Discord uses (4004 bad token, 4005 identified twice, 4014 disallowed intents).
 * Dispatches sent while no socket is connected are kept for the session's RESUME.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type GatewayDispatchEvents,
  type GatewayHeartbeatAck,
  type GatewayHello,
  GatewayIntentBits,
  type GatewayInvalidSession,
  GatewayOpcodes,
  type GatewayReconnect,
  type GatewaySendPayload,
} from 'discord-api-types/v10';
import { type WebSocket, WebSocketServer } from 'ws';

export interface GatewaySession {
  id: string;
  intents: number;
  seq: number;
  /** Dispatches in order, for replay on RESUME. */
  sent: { s: number; payload: string }[];
  socket: WebSocket | undefined;
}

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** Privileged intents the application has enabled (MessageContent is 1 << 15). */
  privilegedIntents: number;
  /** READY + GUILD_CREATE payloads for a new session. */
  onIdentify(session: GatewaySession): { t: GatewayDispatchEvents; d: unknown }[];
  /** ws://… of the gateway, for resume_gateway_url. */
  url(): string;
}

/** The server's non-dispatch payloads, without `s` and `t` (always null on them). */
type Control =
  | Omit<GatewayHello, 's' | 't'>
  | Omit<GatewayHeartbeatAck, 's' | 't'>
  | Omit<GatewayReconnect, 's' | 't'>
  | Omit<GatewayInvalidSession, 's' | 't'>;

const privileged =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
/** Dispatches kept per session for RESUME. */
const replayKept = 1000;

export class Gateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #options: GatewayOptions;
  readonly #sessions = new Map<string, GatewaySession>();
  #current: GatewaySession | undefined;
  #sessionCount = 0;
  readonly stats = { identifies: 0, resumes: 0, heartbeats: 0, connections: 0 };
  /** Every payload the clients sent, for tests. */
  readonly received: GatewaySendPayload[] = [];

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#wss.on('connection', (socket) => this.#connected(socket));
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.searchParams.get('v') !== '10' || url.searchParams.get('encoding') !== 'json') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#wss.emit('connection', ws, request));
  }

  /** The session that is current (the last one identified), if any. */
  get session(): GatewaySession | undefined {
    return this.#current;
  }

  /** Sends (or keeps for RESUME) one dispatch on the current session. */
  dispatch(t: GatewayDispatchEvents, d: unknown): void {
    const session = this.#current;
    if (!session) return;
    this.#send(session, t, d);
  }

  /** Fault: the connection is cut without a close frame; the session stays resumable. */
  drop(): void {
    this.#current?.socket?.terminate();
    if (this.#current) this.#current.socket = undefined;
  }

  /** Op 7: the client must reconnect and resume. */
  requestReconnect(): void {
    this.#raw(this.#current?.socket, { op: GatewayOpcodes.Reconnect, d: null as never });
  }

  /** Op 9: `resumable` false makes the client identify anew (the session is forgotten). */
  invalidateSession(resumable: boolean): void {
    const session = this.#current;
    if (!session) return;
    if (!resumable) this.#sessions.delete(session.id);
    this.#raw(session.socket, { op: GatewayOpcodes.InvalidSession, d: resumable });
  }

  /** Closes the current socket with `code` (e.g. 4000 to make the client resume). */
  closeWith(code: number): void {
    this.#current?.socket?.close(code, 'emulator');
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #connected(socket: WebSocket): void {
    this.stats.connections += 1;
    let session: GatewaySession | undefined;
    this.#raw(socket, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.#options.heartbeatIntervalMs },
    });
    socket.on('message', (data) => {
      let payload: GatewaySendPayload;
      try {
        payload = JSON.parse(data.toString()) as GatewaySendPayload;
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      this.received.push(payload);
      switch (payload.op) {
        case GatewayOpcodes.Heartbeat:
          this.stats.heartbeats += 1;
          this.#raw(socket, { op: GatewayOpcodes.HeartbeatAck, d: null as never });
          return;
        case GatewayOpcodes.Identify: {
          if (session) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          if (payload.d.token !== this.#options.token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          const wanted = Number(payload.d.intents) & privileged;
          if ((wanted & ~this.#options.privilegedIntents) !== 0) {
            socket.close(4014, 'Disallowed intent(s).');
            return;
          }
          this.stats.identifies += 1;
          this.#sessionCount += 1;
          session = {
            id: `emu-sess-${this.#sessionCount}`,
            intents: Number(payload.d.intents),
            seq: 0,
            sent: [],
            socket,
          };
          this.#sessions.set(session.id, session);
          if (this.#current && this.#current !== session) this.#current.socket = undefined;
          this.#current = session;
          for (const event of this.#options.onIdentify(session)) this.#send(session, event.t, event.d);
          return;
        }
        case GatewayOpcodes.Resume: {
          const known = this.#sessions.get(payload.d.session_id);
          if (!known || payload.d.token !== this.#options.token) {
            this.#raw(socket, { op: GatewayOpcodes.InvalidSession, d: false });
            return;
          }
          this.stats.resumes += 1;
          session = known;
          known.socket?.terminate();
          known.socket = socket;
          this.#current = known;
          for (const kept of known.sent) if (kept.s > payload.d.seq) socket.send(kept.payload);
          this.#send(known, 'RESUMED' as GatewayDispatchEvents, {});
          return;
        }
        default:
          return;
      }
    });
    socket.on('close', () => {
      if (session?.socket === socket) session.socket = undefined;
    });
  }

  #send(session: GatewaySession, t: GatewayDispatchEvents, d: unknown): void {
    session.seq += 1;
    const payload = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: session.seq, d });
    session.sent.push({ s: session.seq, payload });
    if (session.sent.length > replayKept) session.sent.shift();
    session.socket?.send(payload);
  }

  #raw(socket: WebSocket | undefined, payload: Control): void {
    if (socket?.readyState === 1) socket.send(JSON.stringify({ s: null, t: null, ...payload }));
  }
}
