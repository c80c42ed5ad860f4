/**
 * What the emulated Discord holds: the bot, one guild, its channels and members, DM channels,
 * messages with every version, registered guild commands and the interactions in flight.
 */
import { type APIEmbed, type APIMessageTopLevelComponent, ChannelType } from 'discord-api-types/v10';
import { Snowflakes } from './ids.js';
import type { EmuChannel, EmuMessage, EmuUser } from './payloads.js';

/** An interaction the emulator sent, and what the bot has done with it. */
export interface EmuInteraction {
  id: string;
  token: string;
  type: 2 | 3;
  channelId: string;
  userId: string;
  createdAt: number;
  /** The callback type the bot answered with (4, 5, 6, 7), once it did. */
  ackType?: number;
  /** How long after creation the callback arrived (ms). */
  ackAfterMs?: number;
  /** The message `@original` refers to: the deferred reply, or the clicked message. */
  originalId?: string;
  /** The clicked message (component interactions). */
  messageId?: string;
}

/**
 * Components and embeds as Discord stores them: every component gets a numeric `id` (in order,
 * from 1), selects their default `min_values`/`max_values`, embeds their `type`.
 */
function stored(fields: { embeds?: APIEmbed[] | null; components?: APIMessageTopLevelComponent[] | null }) {
  let next = 1;
  const number = (component: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...component, id: component.id ?? next++ };
    if (out.type === 3) {
      out.min_values ??= 1;
      out.max_values ??= 1;
    }
    if (Array.isArray(out.components))
      out.components = out.components.map((c) => number(c as Record<string, unknown>));
    return out;
  };
  return {
    embeds: fields.embeds?.map((e) => ({ type: 'rich', ...e }) as APIEmbed),
    components: fields.components?.map(
      (c) => number(c as unknown as Record<string, unknown>) as unknown as APIMessageTopLevelComponent,
    ),
  };
}

export class DiscordState {
  readonly ids = new Snowflakes();
  readonly users = new Map<string, EmuUser>();
  readonly channels = new Map<string, EmuChannel>();
  readonly messages = new Map<string, EmuMessage>();
  readonly interactions = new Map<string, EmuInteraction>();
  /** Guild ID → the commands the bot registered there. */
  readonly commands = new Map<string, unknown[]>();
  readonly bot: EmuUser;
  readonly applicationId: string;
  readonly guildId: string;
  readonly guildName = 'Switchboard Test Server';

  constructor() {
    this.applicationId = this.ids.next();
    this.bot = { id: this.applicationId, username: 'switchboard', bot: true };
    this.users.set(this.bot.id, this.bot);
    this.guildId = this.ids.next();
  }

  addUser(username: string): EmuUser {
    const user = { id: this.ids.next(), username, bot: false };
    this.users.set(user.id, user);
    return user;
  }

  addChannel(name: string): EmuChannel {
    const channel = { id: this.ids.next(), name, guildId: this.guildId };
    this.channels.set(channel.id, channel);
    return channel;
  }

  addThread(name: string, parentId: string, ownerId: string, priv: boolean): EmuChannel {
    const parent = this.channels.get(parentId);
    if (!parent?.guildId || parent.thread)
      throw new Error(`no guild text channel ${parentId} to hold a thread`);
    const channel: EmuChannel = {
      id: this.ids.next(),
      name,
      guildId: this.guildId,
      thread: { type: priv ? ChannelType.PrivateThread : ChannelType.PublicThread, parentId, ownerId },
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  dmChannel(userId: string): EmuChannel {
    for (const channel of this.channels.values()) if (channel.recipientId === userId) return channel;
    const channel = { id: this.ids.next(), name: '', recipientId: userId };
    this.channels.set(channel.id, channel);
    return channel;
  }

  createMessage(fields: {
    channelId: string;
    authorId: string;
    content?: string;
    embeds?: APIEmbed[];
    components?: APIMessageTopLevelComponent[];
    attachments?: EmuMessage['attachments'];
    flags?: number;
    ephemeralFor?: string;
    interactionId?: string;
    referencedMessageId?: string;
  }): EmuMessage {
    const content = fields.content ?? '';
    const normal = stored(fields);
    const message: EmuMessage = {
      id: this.ids.next(),
      channelId: fields.channelId,
      authorId: fields.authorId,
      content,
      embeds: normal.embeds ?? [],
      components: normal.components ?? [],
      attachments: fields.attachments ?? [],
      flags: fields.flags ?? 0,
      timestamp: new Date().toISOString(),
      editedTimestamp: null,
      history: [],
      deleted: false,
      mentions: [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? ''),
      ...(fields.ephemeralFor ? { ephemeralFor: fields.ephemeralFor } : {}),
      ...(fields.interactionId ? { interactionId: fields.interactionId } : {}),
      ...(fields.referencedMessageId ? { referencedMessageId: fields.referencedMessageId } : {}),
    };
    this.messages.set(message.id, message);
    return message;
  }

  editMessage(
    message: EmuMessage,
    fields: {
      content?: string | null;
      embeds?: APIEmbed[] | null;
      components?: APIMessageTopLevelComponent[] | null;
      flags?: number | null;
    },
    attachments?: EmuMessage['attachments'],
  ): void {
    message.history.push({
      content: message.content,
      embeds: message.embeds,
      components: message.components,
    });
    if (fields.content !== undefined) message.content = fields.content ?? '';
    const normal = stored(fields);
    if (fields.embeds !== undefined) message.embeds = normal.embeds ?? [];
    if (fields.components !== undefined) message.components = normal.components ?? [];
    if (attachments && attachments.length > 0) message.attachments = attachments;
    // A deferred reply loses its "thinking" flag once it has an answer.
    message.flags &= ~128;
    message.editedTimestamp = new Date().toISOString();
    message.mentions = [...message.content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? '');
  }

  /** The channel's messages as people see them, oldest first (deleted ones left out). */
  channelMessages(channelId: string): EmuMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId && !m.deleted);
  }
}
