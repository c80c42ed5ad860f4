/**
 * Messages from the bot user's stream as InboundCommands. Skipped: the bot's own messages,
 * system messages (`t`), edits of messages already seen, rooms the bot does not serve (the stream
 * also carries public rooms the bot can read but has not joined), and, in channels, text that does
 * not start with the bot's mention. A direct message is a command as typed (opt-in), run with the
 * bindings of the channel `directMessages.channel` names and answered in the DM. A message in a
 * thread is answered in that thread.
 */
import type { CommandOrigin, InboundCommand } from '../../core/inbound-command.js';
import type { RocketMessage, RoomMeta } from './message-types.js';
import type { RoomDirectory } from './room-directory.js';

export interface InboundContext {
  botId: string;
  /** The bot user: its own messages are never commands. */
  botUserId: string;
  /** Matches the bot's mention at the start of a message. */
  mention: RegExp;
  rooms: RoomDirectory;
  /** The configured channel whose bindings DMs use; undefined when DMs are off. */
  directChannelRef?: string;
  /** Whether `text` posted in `rid` is one of the bot's buttons (a click), and which kind. */
  controlOrigin(rid: string, text: string): CommandOrigin | undefined;
}

/** Why a message is not a command, for the debug log. */
export type Skipped = { skipped: string };

export function commandFromMessage(
  message: RocketMessage,
  meta: RoomMeta | undefined,
  ctx: InboundContext,
): InboundCommand | Skipped {
  const user = message.u;
  if (!user || user._id === ctx.botUserId) return { skipped: 'own message' };
  if (message.t) return { skipped: `system message ${message.t}` };
  if (message.editedAt) return { skipped: 'an edit' };
  const text = message.msg ?? '';
  if (text.trim() === '') return { skipped: 'no text' };
  const direct = meta?.roomType === 'd' || (meta === undefined && isDirectRoomId(message.rid, ctx.botUserId));
  const origin = ctx.controlOrigin(message.rid, text.trim()) ?? 'typed';
  const who = {
    id: user._id,
    mention: user.username ? `@${user.username}` : user._id,
    displayName: user.name || user.username || user._id,
  };
  const thread = message.tmid ? { threadId: message.tmid } : {};
  if (direct) {
    if (ctx.directChannelRef === undefined) return { skipped: 'direct messages are off' };
    return {
      botId: ctx.botId,
      channel: { id: ctx.directChannelRef, name: 'direct message' },
      replyChannelId: message.rid,
      user: who,
      text,
      origin,
      ...thread,
    };
  }
  const room = ctx.rooms.served(message.rid);
  if (!room) return { skipped: 'a room the bot does not serve' };
  if (!ctx.mention.test(text.trimStart())) return { skipped: 'not addressed to the bot' };
  return { botId: ctx.botId, channel: { id: room.ref, name: room.name }, user: who, text, origin, ...thread };
}

/** A DM's room id is the two user ids, sorted and concatenated. */
function isDirectRoomId(rid: string, botUserId: string): boolean {
  return rid.length > botUserId.length && rid.includes(botUserId);
}
