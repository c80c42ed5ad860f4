/** conversations.* and users.info: what the bot can look up about channels, DMs and people. */
import { conversationObject, userObject } from '../payloads.js';
import type { ChannelRecord } from '../store.js';
import { SlackApiError } from './api-error.js';
import { flag, integer, optionalString, requiredString } from './args.js';
import { visibleChannel } from './channel-access.js';
import type { MethodDefinition } from './method.js';

const CONVERSATION_TYPES = new Set(['public_channel', 'private_channel', 'mpim', 'im']);

/** Opaque cursors like Slack's (base64 of an offset); a cursor that does not decode is `invalid_cursor`. */
function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = Buffer.from(cursor, 'base64')
    .toString('utf8')
    .match(/^offset:(\d+)$/);
  if (!match) throw new SlackApiError('invalid_cursor');
  return Number(match[1]);
}

function page<T>(items: T[], cursor: string | undefined, limit: number): { items: T[]; next: string } {
  const offset = decodeCursor(cursor);
  const slice = items.slice(offset, offset + limit);
  return { items: slice, next: offset + limit < items.length ? encodeCursor(offset + limit) : '' };
}

export const conversationMethods: Record<string, MethodDefinition> = {
  'conversations.list': {
    token: 'bot',
    run: ({ core, args }) => {
      const types = (optionalString(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
      for (const type of types) if (!CONVERSATION_TYPES.has(type)) throw new SlackApiError('invalid_types');
      const limit = integer(args, 'limit', 100, 1, 1000, 'invalid_limit');
      const bot = core.store.botUserId;
      const wanted = (channel: ChannelRecord) =>
        (channel.kind === 'public' && types.includes('public_channel')) ||
        (channel.kind === 'private' && types.includes('private_channel') && channel.members.has(bot)) ||
        (channel.kind === 'im' && types.includes('im'));
      const { items, next } = page(
        core.store.allChannels().filter(wanted),
        optionalString(args, 'cursor'),
        limit,
      );
      return {
        channels: items.map((channel) => conversationObject(core.store, channel)),
        response_metadata: { next_cursor: next },
      };
    },
  },
  'conversations.info': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = visibleChannel(core, optionalString(args, 'channel'));
      return { channel: conversationObject(core.store, channel, flag(args, 'include_num_members')) };
    },
  },
  'conversations.members': {
    token: 'bot',
    run: ({ core, args }) => {
      const channel = visibleChannel(core, optionalString(args, 'channel'));
      const limit = integer(args, 'limit', 100, 1, 1000, 'invalid_limit');
      const { items, next } = page([...channel.members], optionalString(args, 'cursor'), limit);
      return { members: items, response_metadata: { next_cursor: next } };
    },
  },
  'conversations.open': {
    token: 'bot',
    run: ({ core, args }) => {
      const existing = optionalString(args, 'channel');
      if (existing !== undefined) {
        const channel = visibleChannel(core, existing);
        return {
          channel: flag(args, 'return_im') ? conversationObject(core.store, channel) : { id: channel.id },
        };
      }
      const users = (optionalString(args, 'users') ?? '').split(',').filter((u) => u !== '');
      if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
      if (users.length > 1) {
        throw SlackApiError.withMessages('method_not_supported_for_channel_type', [
          'multi-person DMs are not emulated; open a DM with one user',
        ]);
      }
      const userId = users[0] as string;
      if (!core.store.user(userId) || userId === core.store.botUserId)
        throw new SlackApiError('user_not_found');
      const alreadyOpen = core.store.hasIm(userId);
      const channel = core.store.openIm(userId);
      const body: Record<string, unknown> = {
        channel: flag(args, 'return_im') ? conversationObject(core.store, channel) : { id: channel.id },
      };
      if (alreadyOpen) {
        body.no_op = true;
        body.already_open = true;
      }
      return body;
    },
  },
  'users.info': {
    token: 'bot',
    run: ({ core, args }) => {
      const user = core.store.user(requiredString(args, 'user', 'user_not_found'));
      if (!user) throw new SlackApiError('user_not_found');
      return { user: userObject(core.store, user) };
    },
  },
};
