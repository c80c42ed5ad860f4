/**
 * The emulated server's state: users (with roles, passwords and login tokens), rooms (public
 * channels `c`, private groups `p`, direct messages `d`), messages with every version they had,
 * and uploaded files.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface User {
  _id: string;
  username: string;
  name: string;
  roles: string[];
  password: string;
  /** Login tokens and personal access tokens; each one works for REST and DDP `resume`. */
  tokens: Set<string>;
}

export interface Room {
  _id: string;
  t: 'c' | 'p' | 'd';
  name?: string;
  members: Set<string>;
  /** Last change (creation, a new message): what `rooms.get?updatedSince=` compares. */
  updatedAt: number;
}

export interface Attachment {
  title?: string;
  text?: string;
  color?: string;
  fields?: { short?: boolean; title: string; value: string }[];
  actions?: { type: string; text: string; msg?: string; url?: string; msg_in_chat_window?: boolean }[];
  title_link?: string;
  type?: string;
}

export interface StoredMessage {
  _id: string;
  rid: string;
  msg: string;
  ts: number;
  updatedAt: number;
  editedAt?: number;
  u: { _id: string; username: string; name: string };
  tmid?: string;
  t?: string;
  attachments?: Attachment[];
  file?: { _id: string; name: string; type: string };
  mentions: { _id: string; username: string; name: string; type: 'user' }[];
  /** Earlier texts, oldest first (`chat.update` adds one per edit). */
  history: string[];
}

export interface StoredFile {
  _id: string;
  rid: string;
  name: string;
  content: Buffer;
  confirmed: boolean;
  userId: string;
}

const idAlphabet = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';

/** A 17-character id as Meteor's `Random.id()` makes them. */
export function randomId(): string {
  let id = '';
  for (const byte of randomBytes(17)) id += idAlphabet[byte % idAlphabet.length];
  return id;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ServerStore {
  readonly users = new Map<string, User>();
  readonly rooms = new Map<string, Room>();
  readonly messages: StoredMessage[] = [];
  readonly files = new Map<string, StoredFile>();
  #lastTs = 0;

  addUser(username: string, options: { roles?: string[]; password?: string; name?: string } = {}): User {
    const user: User = {
      _id: randomId(),
      username,
      name: options.name ?? username,
      roles: options.roles ?? ['user'],
      password: options.password ?? `pw-${randomBytes(6).toString('hex')}`,
      tokens: new Set([randomBytes(24).toString('base64url')]),
    };
    this.users.set(user._id, user);
    return user;
  }

  addRoom(name: string, type: 'c' | 'p', members: string[]): Room {
    const room: Room = { _id: randomId(), t: type, name, members: new Set(members), updatedAt: this.now() };
    this.rooms.set(room._id, room);
    return room;
  }

  /** The DM room of two users: its id is their ids sorted and concatenated. */
  directRoom(a: string, b: string): Room {
    const id = [a, b].sort().join('');
    const existing = this.rooms.get(id);
    if (existing) return existing;
    const room: Room = { _id: id, t: 'd', members: new Set([a, b]), updatedAt: this.now() };
    this.rooms.set(id, room);
    return room;
  }

  userByToken(userId: string | undefined, token: string | undefined): User | undefined {
    if (!userId || !token) return undefined;
    const user = this.users.get(userId);
    return user?.tokens.has(token) ? user : undefined;
  }

  userByAnyToken(token: string): User | undefined {
    for (const user of this.users.values()) if (user.tokens.has(token)) return user;
    return undefined;
  }

  userByName(username: string): User | undefined {
    for (const user of this.users.values()) if (user.username === username) return user;
    return undefined;
  }

  /** Whether `userId` may read `room`: a member, or anyone for a public channel. */
  canRead(userId: string, room: Room): boolean {
    return room.members.has(userId) || room.t === 'c';
  }

  /** Strictly increasing: two messages never share a millisecond unless the clock says so. */
  now(): number {
    const now = Date.now();
    this.#lastTs = Math.max(now, this.#lastTs);
    return this.#lastTs;
  }

  /** Stores a message; without an `_id` it gets a new one. */
  addMessage(
    message: Omit<StoredMessage, 'ts' | 'updatedAt' | 'history' | 'mentions' | '_id'> & { _id?: string },
  ): StoredMessage {
    const ts = this.now();
    const mentions = [...message.msg.matchAll(/@([\w.-]+)/g)]
      .map((m) => this.userByName(m[1] ?? ''))
      .filter((u): u is User => u !== undefined)
      .map((u) => ({ _id: u._id, username: u.username, name: u.name, type: 'user' as const }));
    const stored: StoredMessage = {
      ...message,
      _id: message._id ?? randomId(),
      ts,
      updatedAt: ts,
      history: [],
      mentions,
    };
    this.messages.push(stored);
    // A real server moves the room's `lastMessage`, and so its `_updatedAt`, with every message.
    const room = this.rooms.get(stored.rid);
    if (room) room.updatedAt = ts;
    return stored;
  }

  message(id: string): StoredMessage | undefined {
    return this.messages.find((m) => m._id === id);
  }
}

/** A message as the REST API writes it: dates as ISO text. */
export function restMessage(m: StoredMessage): Record<string, unknown> {
  return wire(m, (ms) => new Date(ms).toISOString());
}

/** A message as DDP writes it: dates as EJSON `{$date}`. */
export function ddpMessage(m: StoredMessage): Record<string, unknown> {
  return wire(m, (ms) => ({ $date: ms }));
}

function wire(m: StoredMessage, date: (ms: number) => unknown): Record<string, unknown> {
  return {
    _id: m._id,
    rid: m.rid,
    msg: m.msg,
    ts: date(m.ts),
    _updatedAt: date(m.updatedAt),
    u: m.u,
    mentions: m.mentions,
    channels: [],
    urls: [],
    ...(m.tmid ? { tmid: m.tmid } : {}),
    ...(m.t ? { t: m.t } : {}),
    ...(m.editedAt ? { editedAt: date(m.editedAt), editedBy: { _id: m.u._id, username: m.u.username } } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.file ? { file: m.file } : {}),
  };
}
