/**
 * A local Discord for tests: one loopback HTTP server with the REST API under `/api/v10` and the
 * gateway (WebSocket, `?v=10&encoding=json`) that the unchanged discord.js client talks to, plus
 * scripted users (messages, DMs, slash commands, clicks, selections), fault injection and
 * counters. See README.md for what it emulates and how faithfully.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  type APIMessageComponentInteraction,
  type APIMessageTopLevelComponent,
  type APIStringSelectComponent,
  type APIThreadChannel,
  ApplicationIntegrationType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayInteractionCreateDispatchData,
  type GatewayMessageCreateDispatchData,
  type GatewayThreadCreateDispatchData,
  InteractionType,
  Locale,
} from 'discord-api-types/v10';
import { Gateway } from './gateway.js';
import { createHandlers } from './handlers.js';
import {
  apiChannel,
  apiMessage,
  apiUser,
  type EmuChannel,
  type EmuMessage,
  type EmuUser,
  guildCreateData,
  guildMember,
  interactionMember,
  readyData,
} from './payloads.js';
import { type BucketRule, RateLimits } from './rate-limits.js';
import { createRestHandler, type RestFault } from './rest.js';
import type { SpecViolation } from './spec-validation.js';
import { DiscordState, type EmuInteraction } from './state.js';

export type { EmuChannel, EmuMessage, EmuUser } from './payloads.js';
export type { RestFault } from './rest.js';
export type { SpecViolation } from './spec-validation.js';

export interface DiscordEmulatorOptions {
  /** Gateway heartbeat interval sent in HELLO. Default 1,000 ms (Discord: 41,250). */
  heartbeatIntervalMs?: number;
  /** Privileged intents enabled for the application. Default none (MessageContent off). */
  privilegedIntents?: number;
  /** `POST /channels/{id}/messages` per channel. Default 5 per 5 s, as observed on Discord. */
  messageBucket?: BucketRule;
  /** Every other route. Default 50 per s. */
  defaultBucket?: BucketRule;
  /** Requests per second across routes (interaction routes exempt). Default 50. */
  globalPerSecond?: number;
  /** How long after an interaction its callback is accepted. Default 3,000 ms. */
  ackDeadlineMs?: number;
}

export interface DiscordEmulator {
  /** The REST base to give discord.js (`rest.api`): `http://127.0.0.1:P/api`. */
  apiUrl: string;
  gatewayUrl: string;
  token: string;
  botUserId: string;
  applicationId: string;
  guildId: string;
  addChannel(name: string): EmuChannel;
  /**
   * `owner` starts a thread named `name` in guild channel `parent` (public unless `private`).
   * The bot hears of it by THREAD_CREATE, and GUILD_CREATE lists it on later connections;
   * `announce: false` leaves the THREAD_CREATE out (a private thread the bot is not yet a member
   * of), so the client has not cached it when the first message in it arrives.
   */
  addThread(options: {
    name: string;
    parent: string;
    owner: string;
    private?: boolean;
    announce?: boolean;
  }): EmuChannel;
  addUser(name: string): EmuUser;
  /** A channel ID that answers 404 (deleted, or never existed). */
  missingChannel(): string;
  /** `user` writes `content` in a guild channel (MESSAGE_CREATE). */
  userMessage(options: { user: string; channel: string; content: string }): EmuMessage;
  /** `user` writes `content` to the bot in a DM (MESSAGE_CREATE without guild fields). */
  directMessage(options: { user: string; content: string }): EmuMessage;
  /** `user` runs `/switchboard <command>` in `channel` (or the user's DM with the bot). */
  slashCommand(options: { user: string; channel?: string; command: string; name?: string }): EmuInteraction;
  /** `user` clicks the button labelled `label` on message `messageId`. */
  clickButton(options: { user: string; messageId: string; label: string }): EmuInteraction;
  /** `user` picks `values` in the select of `messageId` whose placeholder is `placeholder` (or the one offering them). */
  selectOption(options: {
    user: string;
    messageId: string;
    placeholder?: string;
    values: string[];
  }): EmuInteraction;
  /** Bot messages in `channel` as its members see them, oldest first (ephemeral ones excluded). */
  messages(channel: string): EmuMessage[];
  /** Ephemeral answers only `user` saw. */
  ephemeral(user: string): EmuMessage[];
  interaction(id: string): EmuInteraction | undefined;
  /** Commands registered in the guild. */
  commands(): unknown[];
  faults: {
    /** The next request to `route` (`METHOD /template`) gets this answer. */
    failNext(route: string, status: RestFault['status'], retryAfterSeconds?: number): void;
    /** Cuts the gateway socket; the session stays resumable. */
    dropSocket(): void;
    /** Op 7 RECONNECT. */
    reconnect(): void;
    /** Op 9 INVALID_SESSION. */
    invalidSession(resumable: boolean): void;
    /** Delays every interaction callback answer by `ms`. */
    slowCallbacks(ms: number): void;
  };
  stats(): {
    requests: number;
    rateLimited: number;
    faults: number;
    identifies: number;
    resumes: number;
    connections: number;
  };
  /** REST requests as received (`METHOD /template` and body). */
  requests(): { route: string; body: unknown; at: number }[];
  /** Requests the bot sent, or responses the emulator gave, that Discord's spec rejects. */
  specViolations(): SpecViolation[];
  close(): Promise<void>;
}

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const state = new DiscordState();
  const token = `emu.${randomBytes(18).toString('base64url')}`;
  const messageBucket = options.messageBucket ?? { limit: 5, windowMs: 5000 };
  const defaultBucket = options.defaultBucket ?? { limit: 50, windowMs: 1000 };
  const limits = new RateLimits({
    route: (route) => (route === 'POST /channels/{channel_id}/messages' ? messageBucket : defaultBucket),
    globalPerSecond: options.globalPerSecond ?? 50,
  });
  const faults: RestFault[] = [];
  const restStats = { requests: 0, rateLimited: 0, faults: 0 };
  const violations: SpecViolation[] = [];
  const log: { route: string; body: unknown; at: number }[] = [];
  const missing = new Set<string>();
  let callbackDelayMs = 0;
  let port = 0;
  const gatewayUrl = () => `ws://127.0.0.1:${port}/gateway`;

  const gateway: Gateway = new Gateway({
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    privilegedIntents: options.privilegedIntents ?? 0,
    url: gatewayUrl,
    onIdentify: (session) => [
      {
        t: GatewayDispatchEvents.Ready,
        d: readyData({
          bot: state.bot,
          applicationId: state.applicationId,
          guildIds: [state.guildId],
          sessionId: session.id,
          resumeUrl: gatewayUrl(),
        }),
      },
      {
        t: GatewayDispatchEvents.GuildCreate,
        d: guildCreateData({
          id: state.guildId,
          name: state.guildName,
          ownerId: state.bot.id,
          members: [...state.users.values()],
          channels: [...state.channels.values()].filter((c) => c.guildId && !c.thread && !missing.has(c.id)),
          threads: [...state.channels.values()].filter((c) => c.thread && !missing.has(c.id)),
          users: state.users,
        }),
      },
    ],
  });

  /** MESSAGE_CREATE as the bot's intents let it see the message. */
  const dispatchMessage = (message: EmuMessage) => {
    const session = gateway.session;
    if (!session) return;
    const channel = state.channels.get(message.channelId);
    const direct = !channel?.guildId;
    const intents = session.intents;
    if (
      direct
        ? (intents & GatewayIntentBits.DirectMessages) === 0
        : (intents & GatewayIntentBits.GuildMessages) === 0
    )
      return;
    const own = message.authorId === state.bot.id;
    const mentionsBot = message.mentions.includes(state.bot.id);
    const contentVisible = own || direct || mentionsBot || (intents & GatewayIntentBits.MessageContent) !== 0;
    const api = apiMessage(message, state.users);
    const author = state.users.get(message.authorId);
    const data: GatewayMessageCreateDispatchData = {
      ...api,
      ...(contentVisible ? {} : { content: '', embeds: [], attachments: [], components: [] }),
      mentions: api.mentions.map((u) => {
        const user = state.users.get(u.id);
        return user && !direct ? { ...u, member: guildMember(user) } : u;
      }),
      // Discord names the channel type; discord.js 14.28 builds an uncached channel from it (a
      // thread built so has no parent_id: that needs THREAD_CREATE or a GET of the channel).
      channel_type: direct ? 1 : (channel?.thread?.type ?? 0),
      ...(direct
        ? {}
        : {
            guild_id: state.guildId,
            ...(author ? { member: { ...guildMember(author), user: undefined } } : {}),
          }),
    } as GatewayMessageCreateDispatchData;
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, data);
  };

  const handle = createHandlers({
    state,
    gatewayUrl,
    echo: dispatchMessage,
    missingChannels: missing,
    ackDeadlineMs: options.ackDeadlineMs ?? 3000,
  });
  const rest = createRestHandler({
    token,
    limits,
    faults,
    stats: restStats,
    violations,
    log,
    callbackDelayMs: () => callbackDelayMs,
    handle,
  });

  const server = createServer((req, res) => {
    rest(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').startsWith('/gateway')) gateway.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const user = (id: string) => {
    const found = state.users.get(id);
    if (!found) throw new Error(`no emulated user ${id}`);
    return found;
  };

  const interact = (
    who: EmuUser,
    channelId: string,
    type: InteractionType.ApplicationCommand | InteractionType.MessageComponent,
    data: GatewayInteractionCreateDispatchData['data'],
    clicked?: EmuMessage,
  ): EmuInteraction => {
    const channel = state.channels.get(channelId);
    if (!channel) throw new Error(`no emulated channel ${channelId}`);
    const interaction: EmuInteraction = {
      id: state.ids.next(),
      token: `itok-${randomBytes(24).toString('base64url')}`,
      type,
      channelId,
      userId: who.id,
      createdAt: Date.now(),
      ...(clicked ? { messageId: clicked.id } : {}),
    };
    state.interactions.set(interaction.id, interaction);
    const direct = !channel.guildId;
    // The fields every interaction shares are typed against discord-api-types; the union of
    // interaction kinds is put together below.
    const common: Pick<
      APIMessageComponentInteraction,
      | 'id'
      | 'application_id'
      | 'token'
      | 'version'
      | 'channel_id'
      | 'app_permissions'
      | 'locale'
      | 'entitlements'
      | 'authorizing_integration_owners'
      | 'attachment_size_limit'
    > = {
      id: interaction.id,
      application_id: state.applicationId,
      token: interaction.token,
      version: 1,
      channel_id: channelId,
      app_permissions: '1071698660929',
      locale: Locale.EnglishUS,
      entitlements: [],
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: state.guildId },
      attachment_size_limit: 26_214_400,
    };
    const payload = {
      ...common,
      type,
      // Discord sends the interaction's channel as a partial channel object; a thread's carries
      // its parent_id and thread_metadata.
      channel: direct
        ? { id: channelId, type: 1 }
        : channel.thread
          ? apiChannel(channel, state.users)
          : { id: channelId, type: 0, name: channel.name, guild_id: state.guildId },
      ...(direct
        ? { user: apiUser(who), context: 1 }
        : {
            guild_id: state.guildId,
            member: interactionMember(who),
            guild_locale: Locale.EnglishUS,
            context: 0,
          }),
      ...(clicked ? { message: apiMessage(clicked, state.users) } : {}),
      data,
    } as unknown as GatewayInteractionCreateDispatchData;
    gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return interaction;
  };

  const componentsOf = (messageId: string) => {
    const message = state.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`no message ${messageId}`);
    const inner = (message.components as APIMessageTopLevelComponent[])
      .filter(
        (row): row is APIActionRowComponent<APIComponentInMessageActionRow> =>
          row.type === ComponentType.ActionRow,
      )
      .flatMap((row) => row.components);
    return { message, inner };
  };

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gatewayUrl(),
    token,
    botUserId: state.bot.id,
    applicationId: state.applicationId,
    guildId: state.guildId,
    addChannel: (name) => state.addChannel(name),
    addUser: (name) => state.addUser(name),
    addThread({ name, parent, owner, private: priv = false, announce = true }) {
      const thread = state.addThread(name, parent, user(owner).id, priv);
      if (announce && gateway.session) {
        const data: GatewayThreadCreateDispatchData = {
          ...(apiChannel(thread, state.users) as APIThreadChannel),
          newly_created: true,
        };
        gateway.dispatch(GatewayDispatchEvents.ThreadCreate, data);
      }
      return thread;
    },
    missingChannel() {
      const channel = state.addChannel('deleted');
      missing.add(channel.id);
      return channel.id;
    },
    userMessage({ user: id, channel, content }) {
      if (!state.channels.get(channel)?.guildId) throw new Error(`no guild channel ${channel}`);
      const posted = state.createMessage({ channelId: channel, authorId: user(id).id, content });
      dispatchMessage(posted);
      return posted;
    },
    directMessage({ user: id, content }) {
      const dm = state.dmChannel(user(id).id);
      const posted = state.createMessage({ channelId: dm.id, authorId: id, content });
      dispatchMessage(posted);
      return posted;
    },
    slashCommand({ user: id, channel, command, name = 'switchboard' }) {
      const who = user(id);
      const channelId = channel ?? state.dmChannel(who.id).id;
      const registered = (state.commands.get(state.guildId) ?? []) as { id: string; name: string }[];
      const found = registered.find((c) => c.name === name);
      if (!found) throw new Error(`/${name} is not registered in the guild`);
      return interact(who, channelId, InteractionType.ApplicationCommand, {
        id: found.id,
        name,
        type: 1,
        options: [{ name: 'command', type: 3, value: command }],
      } as GatewayInteractionCreateDispatchData['data']);
    },
    clickButton({ user: id, messageId, label }) {
      const { message, inner } = componentsOf(messageId);
      const button = inner.find(
        (c): c is APIButtonComponentWithCustomId =>
          c.type === ComponentType.Button && 'label' in c && c.label === label && 'custom_id' in c,
      );
      if (!button) throw new Error(`message ${messageId} has no button "${label}"`);
      return interact(
        user(id),
        message.channelId,
        InteractionType.MessageComponent,
        {
          custom_id: button.custom_id,
          component_type: ComponentType.Button,
        } as GatewayInteractionCreateDispatchData['data'],
        message,
      );
    },
    selectOption({ user: id, messageId, placeholder, values }) {
      const { message, inner } = componentsOf(messageId);
      const selects = inner.filter(
        (c): c is APIStringSelectComponent => c.type === ComponentType.StringSelect,
      );
      const select =
        selects.find((s) => placeholder !== undefined && s.placeholder === placeholder) ??
        selects.find((s) => values.every((v) => s.options.some((o) => o.value === v || o.label === v)));
      if (!select) throw new Error(`message ${messageId} has no select offering ${values.join(', ')}`);
      const picked = values.map(
        (v) => select.options.find((o) => o.value === v || o.label === v)?.value ?? v,
      );
      return interact(
        user(id),
        message.channelId,
        InteractionType.MessageComponent,
        {
          custom_id: select.custom_id,
          component_type: ComponentType.StringSelect,
          values: picked,
        } as GatewayInteractionCreateDispatchData['data'],
        message,
      );
    },
    messages: (channel) =>
      state.channelMessages(channel).filter((m) => m.authorId === state.bot.id && !m.ephemeralFor),
    ephemeral: (id) => [...state.messages.values()].filter((m) => m.ephemeralFor === id && !m.deleted),
    interaction: (id) => state.interactions.get(id),
    commands: () => state.commands.get(state.guildId) ?? [],
    faults: {
      failNext: (route, status, retryAfterSeconds) =>
        faults.push({ route, status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }),
      dropSocket: () => gateway.drop(),
      reconnect: () => gateway.requestReconnect(),
      invalidSession: (resumable) => gateway.invalidateSession(resumable),
      slowCallbacks: (ms) => {
        callbackDelayMs = ms;
      },
    },
    stats: () => ({ ...restStats, ...gateway.stats }),
    requests: () => [...log],
    specViolations: () => [...violations],
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
