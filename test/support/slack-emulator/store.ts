/**
 * The emulated workspace: one team, its users (the bot among them), channels, DMs, messages and
 * files. Pure state with invariant checks; no I/O, no events (callers decide what to emit).
 */
import type { IdFactory } from './ids.js';

export interface UserRecord {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
  botId?: string;
  updated: number;
}

export type ChannelKind = 'public' | 'private' | 'im';

export interface ChannelRecord {
  id: string;
  name: string;
  previousNames: string[];
  kind: ChannelKind;
  /** The other party of an IM. */
  imUser?: string;
  created: number;
  creator: string;
  members: Set<string>;
}

/** Selections and typed values per block_id → action_id, as Slack keeps them for `state.values`. */
export type ElementState = Map<string, Map<string, Record<string, unknown>>>;

export interface MessageRecord {
  ts: string;
  channel: string;
  user: string;
  /** Set for the bot's posts. */
  botId?: string;
  text: string;
  blocks?: Record<string, unknown>[];
  attachments?: unknown[];
  threadTs?: string;
  ephemeralTo?: string;
  edits: number;
  history: { text: string; blocks?: Record<string, unknown>[] }[];
  files?: string[];
  subtype?: string;
  deleted: boolean;
  clientMsgId?: string;
  state: ElementState;
}

export interface FileRecord {
  id: string;
  /** The opaque part of its upload URL. */
  uploadKey: string;
  filename: string;
  length: number;
  title?: string;
  altText?: string;
  snippetType?: string;
  content?: Buffer;
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  created: number;
}

const CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;
const USER_NAME = /^[a-z0-9._-]{1,80}$/;

export class WorkspaceStore {
  readonly teamId: string;
  readonly teamName = 'Emulated Workspace';
  readonly teamDomain = 'emu';
  readonly appId: string;
  readonly botId: string;
  readonly botUserId = 'U0BOT';
  readonly botName = 'switchboard';
  private readonly users = new Map<string, UserRecord>();
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly messagesByChannel = new Map<string, MessageRecord[]>();
  private readonly imByUser = new Map<string, string>();
  readonly files = new Map<string, FileRecord>();

  constructor(private readonly ids: IdFactory) {
    this.teamId = ids.next('T');
    this.appId = ids.next('A');
    this.botId = ids.next('B');
    this.users.set(this.botUserId, {
      id: this.botUserId,
      name: this.botName,
      realName: 'Switchboard',
      isBot: true,
      botId: this.botId,
      updated: nowSeconds(),
    });
  }

  addUser(name: string): UserRecord {
    if (!USER_NAME.test(name)) {
      throw new Error(`addUser: name ${JSON.stringify(name)} is invalid; expected 1-80 of a-z 0-9 . _ -`);
    }
    if (this.userByName(name))
      throw new Error(`addUser: a user named ${JSON.stringify(name)} already exists`);
    const user: UserRecord = {
      id: this.ids.next('U'),
      name,
      realName: name,
      isBot: false,
      updated: nowSeconds(),
    };
    this.users.set(user.id, user);
    return user;
  }

  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  userByName(name: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.name === name) return user;
    return undefined;
  }

  /** The user with this ID, or an Error naming the option that carried it. */
  requireUser(id: string, where: string): UserRecord {
    const user = this.users.get(id);
    if (!user) throw new Error(`${where}: unknown user ${JSON.stringify(id)}; create users with addUser()`);
    return user;
  }

  addChannel(name: string, options: { isPrivate?: boolean; memberBot?: boolean } = {}): ChannelRecord {
    this.checkChannelName(name, 'addChannel');
    const channel: ChannelRecord = {
      id: this.ids.next('C'),
      name,
      previousNames: [],
      kind: options.isPrivate ? 'private' : 'public',
      created: nowSeconds(),
      creator: this.botUserId,
      members: new Set(options.memberBot === false ? [] : [this.botUserId]),
    };
    this.channels.set(channel.id, channel);
    this.messagesByChannel.set(channel.id, []);
    return channel;
  }

  renameChannel(id: string, newName: string): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel || channel.kind === 'im')
      throw new Error(`renameChannel: unknown channel ${JSON.stringify(id)}`);
    if (channel.name === newName) return channel;
    this.checkChannelName(newName, 'renameChannel');
    channel.previousNames.push(channel.name);
    channel.name = newName;
    return channel;
  }

  channel(id: string): ChannelRecord | undefined {
    return this.channels.get(id);
  }

  /** A conversation by ID, by name (with or without '#'), or a user ID meaning the DM with that user. */
  resolveChannel(ref: string): ChannelRecord | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    if (/^[UW]/.test(ref) && this.users.has(ref) && ref !== this.botUserId) return this.openIm(ref);
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    for (const channel of this.channels.values())
      if (channel.kind !== 'im' && channel.name === name) return channel;
    return undefined;
  }

  /** Same as resolveChannel, for the scripted API: throws an Error naming `where` when unknown. */
  requireChannel(ref: string, where: string): ChannelRecord {
    const channel = this.resolveChannel(ref);
    if (!channel)
      throw new Error(`${where}: unknown channel ${JSON.stringify(ref)}; create channels with addChannel()`);
    return channel;
  }

  allChannels(): ChannelRecord[] {
    return [...this.channels.values()];
  }

  /** The DM between the bot and `userId`, created on first use. */
  openIm(userId: string): ChannelRecord {
    const existing = this.imByUser.get(userId);
    if (existing) return this.channels.get(existing) as ChannelRecord;
    const channel: ChannelRecord = {
      id: this.ids.next('D'),
      name: userId,
      previousNames: [],
      kind: 'im',
      imUser: userId,
      created: nowSeconds(),
      creator: userId,
      members: new Set([this.botUserId, userId]),
    };
    this.channels.set(channel.id, channel);
    this.messagesByChannel.set(channel.id, []);
    this.imByUser.set(userId, channel.id);
    return channel;
  }

  hasIm(userId: string): boolean {
    return this.imByUser.has(userId);
  }

  addMessage(message: Omit<MessageRecord, 'edits' | 'history' | 'deleted' | 'state'>): MessageRecord {
    const record: MessageRecord = { ...message, edits: 0, history: [], deleted: false, state: new Map() };
    const list = this.messagesByChannel.get(message.channel);
    if (!list) throw new Error(`no channel ${message.channel}`);
    list.push(record);
    return record;
  }

  /** A live (not deleted) message. */
  message(channelId: string, ts: string): MessageRecord | undefined {
    return this.messagesByChannel.get(channelId)?.find((m) => m.ts === ts && !m.deleted);
  }

  channelMessages(channelId: string): MessageRecord[] {
    return (this.messagesByChannel.get(channelId) ?? []).filter((m) => !m.deleted);
  }

  private checkChannelName(name: string, where: string): void {
    if (!CHANNEL_NAME.test(name)) {
      throw new Error(
        `${where}: channel name ${JSON.stringify(name)} is invalid; expected 1-80 of a-z 0-9 _ -`,
      );
    }
    for (const channel of this.channels.values()) {
      if (channel.kind !== 'im' && channel.name === name) {
        throw new Error(`${where}: a channel named ${JSON.stringify(name)} already exists (${channel.id})`);
      }
    }
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
