/**
 * Rocket.Chat's realtime API on `/websocket`: raw DDP JSON frames. `{"server_id":"0"}` on open,
 * `connect` first (anything else closes 1002), `login` by resume token or sha-256 password
 * digest (`result` then `updated`), `sub stream-room-messages` for `__my_messages__` (both
 * parameter forms) or one room id, `changed` frames with EJSON dates and the room facts, ping and
 * pong both ways (a server ping after `pingIntervalMs` of silence, close 4000 after as long again).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ddpMessage, type Room, type ServerStore, type StoredMessage, sha256 } from './store.js';

interface Session {
  socket: WebSocket;
  id: string;
  connected: boolean;
  userId?: string;
  /** Subscription id → what it follows: `__my_messages__` or a room id. */
  subs: Map<string, string>;
  lastHeard: number;
  pingSent: boolean;
}

export interface DdpStats {
  connections: number;
  logins: number;
  subscriptions: number;
}

export class DdpServer {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Set<Session>();
  readonly #store: ServerStore;
  readonly #pingIntervalMs: number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #nextSession = 1;
  /** While set, new connections are refused (a server that is down). */
  refuseUntil = 0;
  readonly stats: DdpStats = { connections: 0, logins: 0, subscriptions: 0 };

  constructor(store: ServerStore, options: { pingIntervalMs: number }) {
    this.#store = store;
    this.#pingIntervalMs = options.pingIntervalMs;
    if (options.pingIntervalMs > 0) {
      this.#timer = setInterval(() => this.#keepAlive(), Math.max(50, options.pingIntervalMs / 4));
      this.#timer.unref();
    }
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.refuseUntil) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#open(ws));
  }

  /** Delivers a new message to every session whose user may read its room. */
  publish(message: StoredMessage, room: Room): void {
    for (const session of this.#sessions) {
      const userId = session.userId;
      if (!userId || !this.#store.canRead(userId, room)) continue;
      const participant = room.members.has(userId);
      for (const follows of session.subs.values()) {
        if (follows === '__my_messages__') {
          const meta = {
            roomParticipant: participant,
            roomType: room.t,
            ...(room.name ? { roomName: room.name } : {}),
          };
          this.#send(session, changed('__my_messages__', [ddpMessage(message), meta]));
        } else if (follows === room._id) {
          this.#send(session, changed(room._id, [ddpMessage(message)]));
        }
      }
    }
  }

  /** Closes every live connection (of one user, when given) with `code`. */
  drop(code: number, reason: string, userId?: string): number {
    let dropped = 0;
    for (const session of this.#sessions) {
      if (userId !== undefined && session.userId !== userId) continue;
      session.socket.close(code, reason);
      this.#sessions.delete(session);
      dropped++;
    }
    return dropped;
  }

  /** Users with a logged-in session subscribed to their message stream. */
  listening(userId: string): boolean {
    for (const s of this.#sessions) {
      if (s.userId === userId && [...s.subs.values()].includes('__my_messages__')) return true;
    }
    return false;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const session of this.#sessions) session.socket.terminate();
    this.#wss.close();
  }

  #open(socket: WebSocket): void {
    const session: Session = {
      socket,
      id: `session-${this.#nextSession++}`,
      connected: false,
      subs: new Map(),
      lastHeard: Date.now(),
      pingSent: false,
    };
    this.#sessions.add(session);
    this.stats.connections++;
    socket.send(JSON.stringify({ server_id: '0' }));
    socket.on('message', (data) => this.#frame(session, data.toString()));
    socket.on('close', () => this.#sessions.delete(session));
    socket.on('error', () => this.#sessions.delete(session));
  }

  #frame(session: Session, text: string): void {
    session.lastHeard = Date.now();
    session.pingSent = false;
    let frame: { msg?: string; id?: string; method?: string; name?: string; params?: unknown[] };
    try {
      frame = JSON.parse(text);
    } catch {
      session.socket.close(1002, 'not JSON');
      return;
    }
    if (!session.connected) {
      if (frame.msg !== 'connect') {
        session.socket.close(1002, 'the first frame must be connect');
        return;
      }
      session.connected = true;
      this.#send(session, { msg: 'connected', session: session.id });
      return;
    }
    switch (frame.msg) {
      case 'ping':
        this.#send(session, frame.id ? { msg: 'pong', id: frame.id } : { msg: 'pong' });
        return;
      case 'pong':
        return;
      case 'method':
        this.#method(session, frame.id ?? '', frame.method ?? '', frame.params ?? []);
        return;
      case 'sub':
        this.#subscribe(session, frame.id ?? '', frame.name ?? '', frame.params ?? []);
        return;
      case 'unsub':
        session.subs.delete(frame.id ?? '');
        this.#send(session, { msg: 'nosub', id: frame.id });
        return;
      default:
    }
  }

  #method(session: Session, id: string, method: string, params: unknown[]) {
    const fail = (error: number | string, reason: string) =>
      this.#send(session, {
        msg: 'result',
        id,
        error: {
          isClientSafe: true,
          error,
          reason,
          message: `${reason} [${error}]`,
          errorType: 'Meteor.Error',
        },
      });
    if (method !== 'login') {
      if (!session.userId) return fail(401, 'You must be logged in');
      return fail(404, `Method '${method}' not found`);
    }
    const request = (params[0] ?? {}) as {
      resume?: string;
      user?: { username?: string };
      password?: { digest?: string; algorithm?: string };
    };
    let userId: string | undefined;
    let token: string | undefined;
    let type = 'resume';
    if (typeof request.resume === 'string') {
      const user = this.#store.userByAnyToken(request.resume);
      if (!user) return fail(403, "You've been logged out by the server. Please log in again.");
      userId = user._id;
      token = request.resume;
    } else if (request.user?.username && request.password?.algorithm === 'sha-256') {
      const user = this.#store.userByName(request.user.username);
      if (!user || sha256(user.password) !== request.password.digest) return fail(403, 'Incorrect password');
      userId = user._id;
      token = `login-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      user.tokens.add(token);
      type = 'password';
    } else {
      return fail(400, 'Unrecognized options for login request');
    }
    session.userId = userId;
    this.stats.logins++;
    this.#send(session, {
      msg: 'result',
      id,
      result: { id: userId, token, tokenExpires: { $date: Date.now() + 90 * 86_400_000 }, type },
    });
    this.#send(session, { msg: 'updated', methods: [id] });
  }

  #subscribe(session: Session, id: string, name: string, params: unknown[]) {
    const nosub = (reason: string) =>
      this.#send(session, {
        msg: 'nosub',
        id,
        error: {
          isClientSafe: true,
          error: 'not-allowed',
          reason,
          message: `${reason} [not-allowed]`,
          errorType: 'Meteor.Error',
        },
      });
    if (name !== 'stream-room-messages') return nosub(`unknown publication ${name}`);
    if (!session.userId) return nosub('Not allowed');
    const target = params[0];
    const second = params[1];
    // The old form passes `false`, the modern one `{useCollection, args}`.
    const formOk =
      second === false || (typeof second === 'object' && second !== null && 'useCollection' in second);
    if (typeof target !== 'string' || !formOk) return nosub('Not allowed');
    if (target !== '__my_messages__') {
      const room = this.#store.rooms.get(target);
      if (!room || !this.#store.canRead(session.userId, room)) return nosub('Not allowed');
    }
    session.subs.set(id, target);
    this.stats.subscriptions++;
    this.#send(session, { msg: 'ready', subs: [id] });
  }

  #keepAlive(): void {
    const now = Date.now();
    for (const session of this.#sessions) {
      const silent = now - session.lastHeard;
      if (silent >= 2 * this.#pingIntervalMs) {
        session.socket.close(4000, 'TIMEOUT');
        this.#sessions.delete(session);
      } else if (silent >= this.#pingIntervalMs && !session.pingSent) {
        session.pingSent = true;
        this.#send(session, { msg: 'ping' });
      }
    }
  }

  #send(session: Session, frame: Record<string, unknown>): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }
}

function changed(eventName: string, args: unknown[]): Record<string, unknown> {
  return { msg: 'changed', collection: 'stream-room-messages', id: 'id', fields: { eventName, args } };
}
