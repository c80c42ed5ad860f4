/**
 * The events Slack sends about messages and channels: a person's message (message + app_mention),
 * echoes of the bot's own posts, edits (message_changed), deletions (message_deleted), file shares,
 * and renames. Each goes out only if the app subscribes to it and is in the channel.
 */
import type { types } from '@slack/bolt';
import { channelType, type EmulatorCore, emitEvent, hearsMessages } from './core.js';
import { fileObject, messageObject } from './payloads.js';
import type { ChannelRecord, MessageRecord } from './store.js';

type Json = Record<string, unknown>;

function messageEvent(core: EmulatorCore, channel: ChannelRecord, message: MessageRecord): Json {
  return {
    ...messageObject(core.store, message),
    channel: channel.id,
    event_ts: message.ts,
    channel_type: channelType(channel),
  };
}

/**
 * A person's message: `message` for the channel's message.* subscription, plus `app_mention` when
 * it mentions the bot outside a DM (Slack sends both; apps de-duplicate).
 */
export function emitUserMessage(core: EmulatorCore, channel: ChannelRecord, message: MessageRecord): void {
  if (!channel.members.has(core.store.botUserId)) return;
  const mentioned = new RegExp(`<@${core.store.botUserId}[>|]`).test(message.text);
  if (mentioned && channel.kind !== 'im' && core.subscriptions.has('app_mention')) {
    const { channel_type: _, ...mention } = messageEvent(core, channel, message);
    emitEvent(core, { ...mention, type: 'app_mention' });
  }
  if (hearsMessages(core, channel)) emitEvent(core, messageEvent(core, channel, message));
}

/** The echo of the bot's own post (bolt's ignoreSelf middleware drops it by `user`). */
export function emitBotPost(core: EmulatorCore, channel: ChannelRecord, message: MessageRecord): void {
  if (!core.echoBotMessages || !hearsMessages(core, channel)) return;
  const event = messageEvent(core, channel, message);
  if (message.subtype === 'file_share') {
    event.files = (message.files ?? []).flatMap((id) => {
      const file = core.store.files.get(id);
      return file ? [fileObject(core.store, file)] : [];
    });
    event.upload = false;
    event.display_as_bot = false;
  }
  emitEvent(core, event);
}

/** message_changed after chat.update (or a replace_original through response_url). */
export function emitMessageChanged(
  core: EmulatorCore,
  channel: ChannelRecord,
  message: MessageRecord,
  previous: { text: string; blocks?: Record<string, unknown>[] },
): void {
  if (!core.echoBotMessages || !hearsMessages(core, channel)) return;
  const ts = core.ids.ts();
  const before = messageObject(core.store, { ...message, text: previous.text, blocks: previous.blocks });
  emitEvent(core, {
    type: 'message',
    subtype: 'message_changed',
    message: { ...messageObject(core.store, message), edited: { user: core.store.botUserId, ts } },
    previous_message: before,
    channel: channel.id,
    hidden: true,
    ts,
    event_ts: ts,
    channel_type: channelType(channel),
  });
}

/** message_deleted after chat.delete (or delete_original). */
export function emitMessageDeleted(core: EmulatorCore, channel: ChannelRecord, message: MessageRecord): void {
  if (!core.echoBotMessages || !hearsMessages(core, channel)) return;
  const ts = core.ids.ts();
  emitEvent(core, {
    type: 'message',
    subtype: 'message_deleted',
    previous_message: messageObject(core.store, message),
    channel: channel.id,
    hidden: true,
    deleted_ts: message.ts,
    ts,
    event_ts: ts,
    channel_type: channelType(channel),
  });
}

/** channel_rename for public channels, group_rename for private ones (to members only). */
export function emitRename(core: EmulatorCore, channel: ChannelRecord): void {
  const isPrivate = channel.kind === 'private';
  if (!core.subscriptions.has(isPrivate ? 'group_rename' : 'channel_rename')) return;
  if (isPrivate && !channel.members.has(core.store.botUserId)) return;
  const event: types.ChannelRenameEvent = {
    type: 'channel_rename',
    channel: {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      created: channel.created,
      is_channel: true,
      is_mpim: false,
    },
    event_ts: core.ids.ts(),
  };
  emitEvent(core, { ...event, type: isPrivate ? 'group_rename' : 'channel_rename' });
}
