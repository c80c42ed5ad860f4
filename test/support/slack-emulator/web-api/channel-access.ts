/** Which conversations the bot may see and post to, with the errors Slack gives otherwise. */
import type { EmulatorCore } from '../core.js';
import type { ChannelRecord } from '../store.js';
import { SlackApiError } from './api-error.js';

/** A conversation the bot can see: any public channel, private channels and DMs it is in. */
export function visibleChannel(core: EmulatorCore, ref: string | undefined): ChannelRecord {
  const channel = ref === undefined ? undefined : core.store.resolveChannel(ref);
  if (!channel) throw new SlackApiError('channel_not_found');
  if (channel.kind !== 'public' && !channel.members.has(core.store.botUserId)) {
    throw new SlackApiError('channel_not_found');
  }
  return channel;
}

/** A conversation the bot can post to: it must be a member (`not_in_channel` for public channels it is not in). */
export function postableChannel(core: EmulatorCore, ref: string | undefined): ChannelRecord {
  const channel = visibleChannel(core, ref);
  if (!channel.members.has(core.store.botUserId)) throw new SlackApiError('not_in_channel');
  return channel;
}
