/**
 * Discord messages and interactions as InboundCommands. A configured channel is reported by its
 * configured ID, so bindings apply without an API call; a direct message runs with the bindings of
 * the channel `directMessages.channel` names and is answered in the DM. A thread (its own Discord
 * channel) runs with the bindings of the configured channel it lives in and is answered in the
 * thread; a thread under any other channel is as unconfigured as that channel. An interaction's ID rides
 * in `threadId` (`ix:<id>`), so its answer finds the deferred reply it belongs to (deliver.ts).
 */
import type { CommandOrigin, InboundCommand } from '../../core/inbound-command.js';

export interface InboundContext {
  /** The destination ID (`<group>/discord`). */
  botId: string;
  /** The bot's user ID: its own messages are ignored, and channel commands must mention it. */
  botUserId: string;
  /** Configured channel ID → its alias. */
  channels: ReadonlyMap<string, string>;
  /** The configured channel ID whose bindings direct messages use; undefined when DMs are off. */
  directChannelRef?: string;
}

/** The fields of a discord.js Message the mapping reads. */
export interface DiscordMessageLike {
  id: string;
  channelId: string;
  guildId: string | null;
  content: string;
  author: { id: string; bot: boolean; username: string; globalName: string | null };
  member?: { displayName?: string } | null;
}

/** Where a command was given: the Discord channel, and the channel it lives in when a thread. */
export interface Place {
  channelId: string;
  /** The parent channel when `channelId` is a thread (see thread-parent.ts). */
  threadParentId?: string;
}

/** The prefix of `threadId` that carries an interaction's ID. */
export const interactionThreadPrefix = 'ix:';

function conversation(
  place: Place,
  direct: boolean,
  ctx: InboundContext,
): Pick<InboundCommand, 'channel' | 'replyChannelId'> | undefined {
  const { channelId, threadParentId } = place;
  const alias = ctx.channels.get(channelId);
  if (alias !== undefined) return { channel: { id: channelId, name: alias } };
  const parentAlias = threadParentId === undefined ? undefined : ctx.channels.get(threadParentId);
  if (threadParentId !== undefined && parentAlias !== undefined && !direct)
    return { channel: { id: threadParentId, name: parentAlias }, replyChannelId: channelId };
  if (direct) {
    if (ctx.directChannelRef === undefined) return undefined;
    return { channel: { id: ctx.directChannelRef, name: 'direct message' }, replyChannelId: channelId };
  }
  return { channel: { id: channelId, name: channelId } };
}

/** The mention at the start of a channel command: `<@id>` or the older `<@!id>`. */
export function startsWithMention(text: string, botUserId: string): boolean {
  return text.trimStart().startsWith(`<@${botUserId}>`) || text.trimStart().startsWith(`<@!${botUserId}>`);
}

/**
 * A message that is a command: in a channel it must start with the bot's mention (so it needs no
 * MessageContent intent: Discord sends the content of messages that mention the bot); in a DM
 * (when enabled) any text is. The bot's own and other bots' messages are never commands.
 */
export function commandFromMessage(
  message: DiscordMessageLike,
  ctx: InboundContext,
  threadParentId?: string,
): InboundCommand | undefined {
  if (message.author.bot || message.author.id === ctx.botUserId) return undefined;
  const direct = message.guildId === null;
  if (!direct && !startsWithMention(message.content, ctx.botUserId)) return undefined;
  const where = conversation(
    { channelId: message.channelId, ...(threadParentId ? { threadParentId } : {}) },
    direct,
    ctx,
  );
  if (!where) return undefined;
  return {
    botId: ctx.botId,
    ...where,
    user: {
      id: message.author.id,
      mention: `<@${message.author.id}>`,
      displayName: message.member?.displayName || message.author.globalName || message.author.username,
    },
    text: message.content,
    origin: 'typed',
    url: `https://discord.com/channels/${message.guildId ?? '@me'}/${message.channelId}/${message.id}`,
  };
}

/** A slash command or a component use, already mapped to its command text. */
export interface InteractionCommand {
  interactionId: string;
  channelId: string;
  /** The parent channel when `channelId` is a thread. */
  threadParentId?: string;
  guildId: string | null;
  user: { id: string; displayName: string };
  text: string;
  origin: CommandOrigin;
  /** The message whose component was used (component interactions). */
  sourceMessageId?: string;
}

export function commandFromInteraction(
  i: InteractionCommand,
  ctx: InboundContext,
): InboundCommand | undefined {
  const where = conversation(i, i.guildId === null, ctx);
  if (!where) return undefined;
  return {
    botId: ctx.botId,
    ...where,
    user: { id: i.user.id, mention: `<@${i.user.id}>`, displayName: i.user.displayName },
    text: i.text,
    origin: i.origin,
    threadId: `${interactionThreadPrefix}${i.interactionId}`,
    ...(i.sourceMessageId ? { sourceMessage: { channelId: i.channelId, messageId: i.sourceMessageId } } : {}),
  };
}
