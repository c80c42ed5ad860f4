/**
 * chat.*: posting, updating, ephemeral messages, deleting, permalinks. Posting methods spend the
 * channel's token bucket; content is checked against Slack's limits before anything is stored.
 */
import { assignBlockIds } from '../block-ids.js';
import { checkMessage } from '../block-validation.js';
import type { EmulatorCore } from '../core.js';
import { emitBotPost, emitMessageChanged, emitMessageDeleted } from '../message-events.js';
import { messageObject } from '../payloads.js';
import type { ChannelRecord, MessageRecord } from '../store.js';
import { RateLimitedError, SlackApiError } from './api-error.js';
import { type Args, jsonArgument, optionalString, requiredString } from './args.js';
import { postableChannel, visibleChannel } from './channel-access.js';
import type { MethodDefinition } from './method.js';

type Json = Record<string, unknown>;

export interface MessageContent {
  text: string;
  blocks?: Json[];
  attachments?: unknown[];
}

/** Decodes and checks text/blocks/attachments (invalid_blocks, msg_too_long, no_text, …). */
export function readContent(core: EmulatorCore, args: Args): MessageContent {
  const text = optionalString(args, 'text');
  const blocks = jsonArgument(args, 'blocks', 'invalid_blocks_format');
  if (blocks !== undefined && !Array.isArray(blocks)) {
    throw SlackApiError.withMessages('invalid_blocks_format', ['blocks must be a JSON array']);
  }
  const attachments = jsonArgument(args, 'attachments', 'invalid_attachments');
  if (attachments !== undefined && !Array.isArray(attachments)) {
    throw SlackApiError.withMessages('invalid_attachments', ['attachments must be a JSON array']);
  }
  const problem = checkMessage({ text, blocks, attachments }, core.limits);
  if (problem) {
    throw SlackApiError.withMessages(
      problem.error,
      problem.messages,
      problem.messages.length > 0 ? { errors: problem.messages } : {},
    );
  }
  const content: MessageContent = { text: text ?? '' };
  if (blocks !== undefined) content.blocks = assignBlockIds(blocks, core.ids);
  if (attachments !== undefined) content.attachments = attachments;
  return content;
}

export function spendPostingToken(core: EmulatorCore, channel: ChannelRecord): void {
  if (!core.buckets.take(channel.id)) throw new RateLimitedError(channel.id);
}

function threadTs(args: Args): string | undefined {
  const ts = optionalString(args, 'thread_ts');
  if (ts !== undefined && !/^\d+\.\d+$/.test(ts)) throw new SlackApiError('invalid_thread_ts');
  return ts;
}

/** A message of the bot's that the API may change: not ephemeral, not someone else's. */
function ownMessage(
  core: EmulatorCore,
  channel: ChannelRecord,
  ts: string,
  notOwnCode: string,
): MessageRecord {
  const message = core.store.message(channel.id, ts);
  if (!message || message.ephemeralTo) throw new SlackApiError('message_not_found');
  if (message.user !== core.store.botUserId) throw new SlackApiError(notOwnCode);
  return message;
}

/** Stores a new bot message and emits its echo; shared with response_url and file shares. */
export function postBotMessage(
  core: EmulatorCore,
  channel: ChannelRecord,
  content: MessageContent,
  extra: { threadTs?: string; ephemeralTo?: string; subtype?: string; files?: string[] } = {},
): MessageRecord {
  const message = core.store.addMessage({
    ts: core.ids.ts(),
    channel: channel.id,
    user: core.store.botUserId,
    botId: core.store.botId,
    ...content,
    ...extra,
  });
  if (!extra.ephemeralTo) emitBotPost(core, channel, message);
  return message;
}

/** Replaces a bot message's content, keeping the previous version in its history. */
export function editBotMessage(
  core: EmulatorCore,
  channel: ChannelRecord,
  message: MessageRecord,
  content: MessageContent,
): void {
  const previous = { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) };
  message.history.push(previous);
  message.edits += 1;
  message.text = content.text;
  if (content.blocks !== undefined) message.blocks = content.blocks;
  if (content.attachments !== undefined) message.attachments = content.attachments;
  message.state.clear();
  if (!message.ephemeralTo) emitMessageChanged(core, channel, message, previous);
}

export function deleteBotMessage(core: EmulatorCore, channel: ChannelRecord, message: MessageRecord): void {
  message.deleted = true;
  if (!message.ephemeralTo) emitMessageDeleted(core, channel, message);
}

export const chatMethods: Record<string, MethodDefinition> = {
  'chat.postMessage': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = postableChannel(core, optionalString(args, 'channel'));
      spendPostingToken(core, channel);
      const content = readContent(core, args);
      const ts = threadTs(args);
      const message = postBotMessage(core, channel, content, ts ? { threadTs: ts } : {});
      return { channel: channel.id, ts: message.ts, message: messageObject(core.store, message) };
    },
  },
  'chat.update': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = postableChannel(core, optionalString(args, 'channel'));
      const message = ownMessage(core, channel, requiredString(args, 'ts'), 'cant_update_message');
      spendPostingToken(core, channel);
      // Slack keeps the previous blocks/attachments when the update omits them.
      const content = readContent(core, args);
      editBotMessage(core, channel, message, content);
      const updated: Json = {
        ...messageObject(core.store, message),
        edited: { user: core.store.botUserId, ts: core.ids.ts() },
      };
      return { channel: channel.id, ts: message.ts, text: message.text, message: updated };
    },
  },
  'chat.postEphemeral': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = postableChannel(core, optionalString(args, 'channel'));
      const userId = requiredString(args, 'user');
      if (!core.store.user(userId)) throw new SlackApiError('user_not_found');
      if (!channel.members.has(userId)) throw new SlackApiError('user_not_in_channel');
      spendPostingToken(core, channel);
      const content = readContent(core, args);
      const ts = threadTs(args);
      const message = postBotMessage(core, channel, content, {
        ephemeralTo: userId,
        ...(ts ? { threadTs: ts } : {}),
      });
      return { message_ts: message.ts };
    },
  },
  'chat.delete': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = postableChannel(core, optionalString(args, 'channel'));
      const message = ownMessage(core, channel, requiredString(args, 'ts'), 'cant_delete_message');
      deleteBotMessage(core, channel, message);
      return { channel: channel.id, ts: message.ts };
    },
  },
  'chat.getPermalink': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = visibleChannel(core, optionalString(args, 'channel'));
      const ts = requiredString(args, 'message_ts');
      if (!core.store.message(channel.id, ts)) throw new SlackApiError('message_not_found');
      const permalink = `https://${core.store.teamDomain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`;
      return { channel: channel.id, permalink };
    },
  },
};
