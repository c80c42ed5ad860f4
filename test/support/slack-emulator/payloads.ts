/**
 * Slack's JSON objects built from workspace state: conversations, users, the bot profile, messages
 * (as the Web API returns them and as events carry them), files, and the rich_text blocks Slack
 * attaches to messages people type.
 */
import type { ChannelRecord, FileRecord, MessageRecord, UserRecord, WorkspaceStore } from './store.js';

type Json = Record<string, unknown>;

const ICON = 'https://a.slack-edge.com/80588/img/plugins/app/bot_';

export function botProfile(store: WorkspaceStore): Json {
  return {
    id: store.botId,
    deleted: false,
    name: store.botName,
    updated: 1_700_000_000,
    app_id: store.appId,
    icons: { image_36: `${ICON}36.png`, image_48: `${ICON}48.png`, image_72: `${ICON}72.png` },
    team_id: store.teamId,
  };
}

/** A conversation object (conversations.info/list/open): the channel shape, or the IM shape for DMs. */
export function conversationObject(store: WorkspaceStore, channel: ChannelRecord, withCount = false): Json {
  if (channel.kind === 'im') {
    return {
      id: channel.id,
      created: channel.created,
      is_archived: false,
      is_im: true,
      is_org_shared: false,
      user: channel.imUser,
      is_user_deleted: false,
      priority: 0,
      is_open: true,
    };
  }
  const conversation: Json = {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.kind === 'private',
    created: channel.created,
    is_archived: false,
    is_general: false,
    unlinked: 0,
    name_normalized: channel.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    is_ext_shared: false,
    creator: channel.creator,
    is_member: channel.members.has(store.botUserId),
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [...channel.previousNames],
  };
  if (withCount) conversation.num_members = channel.members.size;
  return conversation;
}

export function userObject(store: WorkspaceStore, user: UserRecord): Json {
  const profile: Json = {
    title: '',
    phone: '',
    skype: '',
    real_name: user.realName,
    real_name_normalized: user.realName,
    display_name: user.isBot ? '' : user.name,
    display_name_normalized: user.isBot ? '' : user.name,
    fields: null,
    status_text: '',
    status_emoji: '',
    status_expiration: 0,
    avatar_hash: 'g0000000000e',
    first_name: user.realName,
    last_name: '',
    image_24: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=24`,
    image_48: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=48`,
    image_72: `https://secure.gravatar.com/avatar/${user.id}.jpg?s=72`,
    team: store.teamId,
  };
  if (user.isBot) {
    profile.bot_id = user.botId;
    profile.api_app_id = store.appId;
    profile.always_active = true;
  }
  return {
    id: user.id,
    team_id: store.teamId,
    name: user.name,
    deleted: false,
    color: '9f69e7',
    real_name: user.realName,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile,
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot,
    is_app_user: false,
    updated: user.updated,
  };
}

/** A message as Slack returns and sends it (chat.postMessage's `message`, events, block_actions). */
export function messageObject(store: WorkspaceStore, message: MessageRecord): Json {
  const object: Json = { type: 'message' };
  if (message.subtype) object.subtype = message.subtype;
  object.text = message.text;
  object.user = message.user;
  if (message.botId) {
    object.bot_id = message.botId;
    object.app_id = store.appId;
  }
  if (message.clientMsgId) object.client_msg_id = message.clientMsgId;
  object.ts = message.ts;
  object.team = store.teamId;
  if (message.botId) object.bot_profile = botProfile(store);
  if (message.blocks) object.blocks = message.blocks;
  if (message.attachments) object.attachments = message.attachments;
  if (message.threadTs) {
    object.thread_ts = message.threadTs;
    const parent = store.message(message.channel, message.threadTs);
    if (parent && parent.ts !== message.ts) object.parent_user_id = parent.user;
  }
  return object;
}

/** The file object of a shared file (file_share events). */
export function fileObject(store: WorkspaceStore, file: FileRecord): Json {
  const base = `https://files.slack.com/files-pri/${store.teamId}-${file.id}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.filename,
    title: file.title ?? file.filename,
    mimetype: 'text/plain',
    filetype: 'text',
    pretty_type: 'Plain Text',
    user: store.botUserId,
    user_team: store.teamId,
    editable: true,
    size: file.content?.length ?? file.length,
    mode: 'snippet',
    is_external: false,
    external_type: '',
    is_public: true,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `${base}/${file.filename}`,
    url_private_download: `${base}/download/${file.filename}`,
    permalink: `https://emu.slack.com/files/${store.botUserId}/${file.id}/${file.filename}`,
  };
}

/**
 * The rich_text block Slack's client attaches to a typed message: mentions, channels, links and
 * broadcasts become their own elements, entities in plain text are unescaped.
 */
export function richTextBlocks(text: string, blockId: string): Json[] {
  const elements: Json[] = [];
  const pattern = /<([@#!])?([^>|]+)(?:\|([^>]*))?>/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) elements.push({ type: 'text', text: unescapeEntities(text.slice(last, index)) });
    const [, sigil, target = '', label] = match;
    if (sigil === '@') elements.push({ type: 'user', user_id: target });
    else if (sigil === '#') elements.push({ type: 'channel', channel_id: target });
    else if (sigil === '!') elements.push({ type: 'broadcast', range: target });
    else elements.push(label ? { type: 'link', url: target, text: label } : { type: 'link', url: target });
    last = index + match[0].length;
  }
  if (last < text.length) elements.push({ type: 'text', text: unescapeEntities(text.slice(last)) });
  return [{ type: 'rich_text', block_id: blockId, elements: [{ type: 'rich_text_section', elements }] }];
}

function unescapeEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}
