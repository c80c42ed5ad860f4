/**
 * A local Rocket.Chat for tests: one loopback HTTP server with the REST API v1 (rest-api.ts) and
 * the realtime DDP API on `/websocket` (ddp-server.ts), over one shared store, plus a scripted
 * people API (post as a user, click an attachment button), fault injection and counters. See
 * README.md for what it emulates and how faithfully.
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DdpServer } from './ddp-server.js';
import type { RateLimit } from './rate-limiter.js';
import { type Fault, RestApi } from './rest-api.js';
import { type SpecViolation, sharedSpecValidator } from './spec-validation.js';
import { ServerStore, type StoredFile, type StoredMessage, type User } from './store.js';

export type { SpecViolation } from './spec-validation.js';
export type { StoredFile, StoredMessage } from './store.js';

export interface RocketChatEmulatorOptions {
  /** The REST limiter; off unless given (a default server has it on, with bots exempt). */
  rateLimit?: RateLimit;
  /** Server ping after this much client silence, close 4000 after twice it; 0 turns it off. Default 30 s. */
  pingIntervalMs?: number;
  /** Serve `https://` and `wss://` with this certificate (a self-hosted server's own CA). */
  tls?: { certPem: string; keyPem: string };
}

export interface EmulatedUser {
  id: string;
  username: string;
  password: string;
  /** A personal access token: REST `X-Auth-Token` and DDP `login {resume}`. */
  token: string;
}

export interface RocketChatEmulator {
  /** `http://127.0.0.1:<port>`: the bot's `url`. */
  url: string;
  addUser(username: string, options?: { roles?: string[]; name?: string }): EmulatedUser;
  /** A public channel (`c`) or private group (`p`) with these members. */
  addRoom(name: string, options: { type?: 'c' | 'p'; members: string[] }): { id: string };
  /** The DM room of two users. */
  directRoom(a: string, b: string): { id: string };
  /** `userId` posts `text` in room `rid` (in thread `tmid`); resolves with the message id. */
  post(userId: string, rid: string, text: string, options?: { tmid?: string }): string;
  /**
   * `userId` clicks the attachment button of message `messageId` that `pick` chooses: with
   * `msg_in_chat_window` the client posts the button's `msg` into the room as that user.
   */
  click(
    userId: string,
    messageId: string,
    pick: (action: { text: string; msg?: string }, attachment: { title?: string }) => boolean,
  ): string;
  /** Messages of room `rid`, oldest first (everyone's). */
  messages(rid: string): StoredMessage[];
  /** Confirmed uploads of room `rid`. */
  files(rid: string): StoredFile[];
  faults: {
    /** Closes the realtime connections (of `userId`, when given) with 4000, as a restarting server does. */
    dropSockets(userId?: string): number;
    /** New realtime connections are refused for `ms`. */
    refuseConnections(ms: number): void;
    /** Revokes every token of `userId` and closes its connections with 1000. */
    expireTokens(userId: string): void;
    /** The next call of REST `route` (e.g. `chat.sendMessage`) gets `fault`. */
    failNext(route: string, fault: Fault): void;
    /** Every call of REST `route` waits `ms`. */
    slow(route: string, ms: number): void;
    /** Every call of REST `route` takes effect at once (stored, broadcast) but is answered `ms` later. */
    answerLate(route: string, ms: number): void;
  };
  stats(): {
    rateLimited: number;
    requests: ReadonlyMap<string, number>;
    connections: number;
    logins: number;
    subscriptions: number;
  };
  /** Whether `userId` has a realtime session subscribed to its messages. */
  listening(userId: string): boolean;
  /** Requests and answers that did not match Rocket.Chat's OpenAPI description. */
  violations(): SpecViolation[];
  close(): Promise<void>;
}

export async function startRocketChatEmulator(
  options: RocketChatEmulatorOptions = {},
): Promise<RocketChatEmulator> {
  const store = new ServerStore();
  const ddp = new DdpServer(store, { pingIntervalMs: options.pingIntervalMs ?? 30_000 });
  const rest = new RestApi({
    store,
    spec: sharedSpecValidator(),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    published: (message, room) => ddp.publish(message, room),
  });
  const handler = (req: Parameters<typeof rest.handle>[0], res: Parameters<typeof rest.handle>[1]) => {
    void rest.handle(req, res);
  };
  const server = options.tls
    ? createTlsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, handler)
    : createServer(handler);
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://emulator').pathname === '/websocket') ddp.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const user = (id: string): User => {
    const found = store.users.get(id);
    if (!found) throw new Error(`no emulated user ${id}`);
    return found;
  };
  const post = (userId: string, rid: string, text: string, tmid?: string): string => {
    const u = user(userId);
    const room = store.rooms.get(rid);
    if (!room) throw new Error(`no emulated room ${rid}`);
    if (!room.members.has(userId)) throw new Error(`${u.username} is not in room ${room.name ?? rid}`);
    const message = store.addMessage({
      rid,
      msg: text,
      u: { _id: u._id, username: u.username, name: u.name },
      ...(tmid ? { tmid } : {}),
    });
    ddp.publish(message, room);
    return message._id;
  };

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    addUser(username, opts = {}) {
      const u = store.addUser(username, opts);
      const [token = ''] = u.tokens;
      return { id: u._id, username, password: u.password, token };
    },
    addRoom(name, opts) {
      return { id: store.addRoom(name, opts.type ?? 'c', opts.members)._id };
    },
    directRoom(a, b) {
      return { id: store.directRoom(a, b)._id };
    },
    post: (userId, rid, text, opts = {}) => post(userId, rid, text, opts.tmid),
    click(userId, messageId, pick) {
      const message = store.message(messageId);
      if (!message) throw new Error(`no message ${messageId}`);
      for (const attachment of message.attachments ?? []) {
        for (const action of attachment.actions ?? []) {
          if (!pick(action, attachment)) continue;
          if (!action.msg || !action.msg_in_chat_window) {
            throw new Error(`button "${action.text}" posts nothing into the room (no msg_in_chat_window)`);
          }
          return post(userId, message.rid, action.msg, message.tmid);
        }
      }
      throw new Error(`message ${messageId} has no such button`);
    },
    messages: (rid) => store.messages.filter((m) => m.rid === rid),
    files: (rid) => [...store.files.values()].filter((f) => f.rid === rid && f.confirmed),
    faults: {
      dropSockets: (userId) => ddp.drop(4000, 'server restart', userId),
      refuseConnections(ms) {
        ddp.refuseUntil = Date.now() + ms;
      },
      expireTokens(userId) {
        user(userId).tokens.clear();
        ddp.drop(1000, 'token revoked', userId);
      },
      failNext: (route, fault) => rest.failNext(route, fault),
      slow: (route, ms) => rest.slow(route, ms),
      answerLate: (route, ms) => rest.answerLate(route, ms),
    },
    stats: () => ({
      rateLimited: rest.stats.rateLimited,
      requests: rest.stats.requests,
      ...ddp.stats,
    }),
    listening: (userId) => ddp.listening(userId),
    violations: () => [...rest.violations],
    async close() {
      ddp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
