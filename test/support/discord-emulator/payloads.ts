/**
 * Gateway and REST objects as Discord sends them, typed with `discord-api-types/v10` so that a
 * change of Discord's shapes fails type-checking here rather than drifting silently.
 */
import {
  type APIChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type APIThreadChannel,
  type APIUser,
  type ApplicationFlags,
  type ChannelFlags,
  ChannelType,
  type GatewayGuildCreateDispatchData,
  type GatewayReadyDispatchData,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  Locale,
  MessageType,
  type RoleFlags,
  ThreadAutoArchiveDuration,
  type UserFlags,
} from 'discord-api-types/v10';

export interface EmuUser {
  id: string;
  username: string;
  bot: boolean;
}

export interface EmuChannel {
  id: string;
  name: string;
  /** Absent for DM channels. */
  guildId?: string;
  /** The other party of a DM channel. */
  recipientId?: string;
  /** A thread: its type (11 public, 12 private), the channel it lives in, who started it. */
  thread?: { type: ChannelType.PublicThread | ChannelType.PrivateThread; parentId: string; ownerId: string };
}

export interface EmuAttachment {
  id: string;
  filename: string;
  content: Buffer;
}

/** A message as the emulator keeps it: every version, for the tests. */
export interface EmuMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: EmuAttachment[];
  flags: number;
  timestamp: string;
  editedTimestamp: string | null;
  /** Earlier versions (content, embeds and components as JSON), oldest first. */
  history: { content: string; embeds: APIEmbed[]; components: APIMessageTopLevelComponent[] }[];
  /** Only this user sees it (an ephemeral interaction answer). */
  ephemeralFor?: string;
  /** Made by the interaction with this ID (a reply or follow-up). */
  interactionId?: string;
  deleted: boolean;
  /** Mentioned users (`<@id>` in content). */
  mentions: string[];
  referencedMessageId?: string;
}

export function apiUser(user: EmuUser): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.bot ? null : user.username[0]?.toUpperCase() + user.username.slice(1),
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
    flags: 0 as UserFlags,
    public_flags: 0 as UserFlags,
    primary_guild: null,
  };
}

const joinedAt = '2025-01-01T00:00:00.000Z';

export function guildMember(user: EmuUser): APIGuildMember {
  return {
    user: apiUser(user),
    roles: [],
    joined_at: joinedAt,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
  };
}

export function interactionMember(user: EmuUser): APIInteractionGuildMember {
  return { ...guildMember(user), user: apiUser(user), permissions: '1071698660929' };
}

export function apiChannel(channel: EmuChannel, users: ReadonlyMap<string, EmuUser>): APIChannel {
  if (!channel.guildId) {
    const recipient = users.get(channel.recipientId ?? '');
    return {
      id: channel.id,
      type: ChannelType.DM,
      name: null,
      recipients: recipient ? [apiUser(recipient)] : [],
      last_message_id: null,
      flags: 0 as ChannelFlags,
    };
  }
  if (channel.thread) return apiThread(channel, channel.thread);
  return {
    id: channel.id,
    type: ChannelType.GuildText,
    name: channel.name,
    guild_id: channel.guildId,
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0 as ChannelFlags,
  };
}

/** A thread as Discord describes it: its own channel, with `parent_id` and `thread_metadata`. */
function apiThread(channel: EmuChannel, thread: NonNullable<EmuChannel['thread']>): APIThreadChannel {
  return {
    id: channel.id,
    type: thread.type,
    name: channel.name,
    guild_id: channel.guildId ?? '',
    parent_id: thread.parentId,
    owner_id: thread.ownerId,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0 as ChannelFlags,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    thread_metadata: {
      archived: false,
      archive_timestamp: joinedAt,
      auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
      locked: false,
      ...(thread.type === ChannelType.PrivateThread ? { invitable: true } : {}),
    },
  };
}

export function apiMessage(message: EmuMessage, users: ReadonlyMap<string, EmuUser>): APIMessage {
  const author = users.get(message.authorId) ?? { id: message.authorId, username: 'unknown', bot: false };
  return {
    id: message.id,
    channel_id: message.channelId,
    author: apiUser(author),
    content: message.content,
    timestamp: message.timestamp,
    edited_timestamp: message.editedTimestamp,
    tts: false,
    mention_everyone: false,
    mentions: message.mentions.flatMap((id) => {
      const user = users.get(id);
      return user ? [apiUser(user)] : [];
    }),
    mention_roles: [],
    attachments: message.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      size: a.content.length,
      url: `https://cdn.discordapp.invalid/attachments/${message.channelId}/${a.id}/${a.filename}`,
      proxy_url: `https://media.discordapp.invalid/attachments/${message.channelId}/${a.id}/${a.filename}`,
    })),
    embeds: message.embeds,
    components: message.components,
    pinned: false,
    type: message.referencedMessageId ? MessageType.Reply : MessageType.Default,
    flags: message.flags,
  };
}

export function readyData(options: {
  bot: EmuUser;
  applicationId: string;
  guildIds: string[];
  sessionId: string;
  resumeUrl: string;
}): GatewayReadyDispatchData {
  return {
    v: 10,
    user: { ...apiUser(options.bot), bot: true },
    guilds: options.guildIds.map((id) => ({ id, unavailable: true })),
    session_id: options.sessionId,
    resume_gateway_url: options.resumeUrl,
    shard: [0, 1],
    application: { id: options.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
  };
}

export function guildCreateData(options: {
  id: string;
  name: string;
  ownerId: string;
  members: EmuUser[];
  channels: EmuChannel[];
  /** Active threads the bot can see (GUILD_CREATE lists them apart from the channels). */
  threads: EmuChannel[];
  users: ReadonlyMap<string, EmuUser>;
}): GatewayGuildCreateDispatchData {
  return {
    id: options.id,
    name: options.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: options.ownerId,
    region: 'europe',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: options.id,
        name: '@everyone',
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 0,
        permissions: '1071698660929',
        managed: false,
        mentionable: false,
        flags: 0 as RoleFlags,
      },
    ],
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    joined_at: joinedAt,
    large: false,
    unavailable: false,
    member_count: options.members.length,
    voice_states: [],
    members: options.members.map(guildMember),
    channels: options.channels.map((c) =>
      apiChannel(c, options.users),
    ) as GatewayGuildCreateDispatchData['channels'],
    threads: options.threads.map((t) =>
      apiChannel(t, options.users),
    ) as GatewayGuildCreateDispatchData['threads'],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
