/**
 * The Discord platform (`discord`): a Bot on discord.js. Commands come from messages that start
 * with the bot's mention in configured channels and their threads, from DMs when enabled, from `/switchboard`, and
 * from clicks on the bot's buttons and selects; interactions are acknowledged at once (Discord
 * allows 3 s) and answered when the command is done. Answers are markdown within 2,000
 * characters, events are embeds coloured by level, long output is a file, streaming output edits
 * one message.
 */
import type { Message as DiscordMessage, GuildMember, Interaction } from 'discord.js';
import { Events, MessageFlags, Routes } from 'discord.js';
import type { BotStatus } from '../../core/bot-status.js';
import type { CommandOrigin, InboundCommand } from '../../core/inbound-command.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type {
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import type { Bot } from '../bot.js';
import { decodeCustomId, decodeOptionValue } from './component-ids.js';
import type { Discord } from './config.js';
import { createDiscordDeliverer } from './deliver.js';
import {
  commandFromInteraction,
  commandFromMessage,
  type InboundContext,
  startsWithMention,
} from './inbound.js';
import { InteractionBook } from './interaction-book.js';
import { discordCapabilities } from './limits.js';
import { discordMentionPattern } from './mention.js';
import { discordErrorCode } from './rest-errors.js';
import { registerSlashCommand, slashCommandName, slashCommandOption } from './slash-command.js';
import { threadParentOf } from './thread-parent.js';
import { DiscordTransport } from './transport.js';

export interface DiscordBotOptions {
  /** The destination ID, `<group>/discord`. */
  id: string;
  settings: Discord;
  logger: Logger;
  /** How long the first gateway connection may take. Default 30 s. */
  connectTimeoutMs?: number;
}

/** Creates the Discord bot of one communication group; nothing connects until start(). */
export function createDiscordBot(options: DiscordBotOptions): Bot {
  return new DiscordBot(options);
}

/** Component references kept for decoding clicks (see component-ids.ts). */
const keptRefs = 5000;

class DiscordBot implements Bot {
  readonly id: string;
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = discordCapabilities;
  /** Discord lets a bot post about 5 messages per 5 s in one channel; the REST queue paces finer. */
  readonly pacing: PacingPolicy = { ratePerSecond: 1, burst: 5 };

  readonly #options: DiscordBotOptions;
  readonly #log: Logger;
  readonly #transport: DiscordTransport;
  readonly #refs = new Map<string, string>();
  readonly #interactions = new InteractionBook();
  readonly #deliver: (outbound: Outbound) => Promise<PostedRef | undefined>;
  #inbound: InboundContext;
  #onCommand: ((command: InboundCommand) => void) | undefined;
  #connected = false;

  constructor(options: DiscordBotOptions) {
    this.id = options.id;
    this.#options = options;
    this.#log = options.logger.child({ component: 'discord', bot: options.id });
    const [group] = options.id.split('/');
    const { settings } = options;
    this.#transport = new DiscordTransport({
      settings,
      configPath: `communications.${group}.discord`,
      logger: this.#log,
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    });
    const channels = new Map(Object.entries(settings.channels).map(([alias, c]) => [c.id, alias] as const));
    const direct = settings.directMessages;
    this.#inbound = {
      botId: this.id,
      botUserId: settings.botID,
      channels,
      ...(direct.enabled
        ? { directChannelRef: settings.channels[direct.channel]?.id ?? direct.channel }
        : {}),
    };
    this.#deliver = createDiscordDeliverer({
      rest: this.#transport.client.rest,
      interactions: this.#interactions,
      renderContext: () => ({
        botMention: `<@${this.#inbound.botUserId}>`,
        botName: `@${this.#transport.client.user?.username ?? 'Switchboard'}`,
      }),
      remember: (refs) => {
        for (const [token, text] of refs) {
          this.#refs.delete(token);
          this.#refs.set(token, text);
        }
        for (const oldest of this.#refs.keys()) {
          if (this.#refs.size <= keptRefs) break;
          this.#refs.delete(oldest);
        }
      },
      logger: this.#log,
    });
  }

  async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
    const { settings } = this.#options;
    const client = this.#transport.client;
    client.on(Events.MessageCreate, (message) => this.#message(message));
    client.on(Events.InteractionCreate, (interaction) => {
      this.#interaction(interaction).catch((err: unknown) =>
        this.#log.warn({ err: (err as Error).message }, 'Discord interaction could not be handled'),
      );
    });
    if (settings.slashCommand) {
      client.on(Events.GuildCreate, (guild) => {
        if (this.#connected) void this.#register(guild.id);
      });
    }
    await this.#transport.connect();
    const userId = client.user?.id;
    if (userId && userId !== settings.botID) {
      this.#log.warn(
        { configured: settings.botID, actual: userId },
        'botID differs from the bot user the token belongs to; mentions of the actual bot are used',
      );
    }
    if (userId) this.#inbound = { ...this.#inbound, botUserId: userId };
    this.#connected = true;
    await this.#checkChannels();
    if (settings.slashCommand)
      await Promise.all([...client.guilds.cache.keys()].map((g) => this.#register(g)));
    this.#log.info(
      {
        botUser: this.#inbound.botUserId,
        guilds: client.guilds.cache.size,
        channels: this.#inbound.channels.size,
      },
      'Discord bot connected',
    );
  }

  async stop(): Promise<void> {
    this.#connected = false;
    await this.#transport.stop();
  }

  status(): BotStatus {
    return this.#transport.status();
  }

  mentionPattern(): RegExp {
    return new RegExp(`^${discordMentionPattern(this.#inbound.botUserId).source}`);
  }

  async deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    if (!this.#connected) {
      throw new DeliveryError(`${this.id} is not connected`, { reason: 'unavailable', retryable: true });
    }
    return this.#deliver(outbound);
  }

  /** A configured channel that is gone is reported, and the bot serves the others (Botkube stopped). */
  async #checkChannels(): Promise<void> {
    const rest = this.#transport.client.rest;
    const missing: string[] = [];
    await Promise.all(
      [...this.#inbound.channels].map(async ([id, alias]) => {
        try {
          await rest.get(Routes.channel(id));
        } catch (err) {
          const code = discordErrorCode(err);
          missing.push(alias);
          this.#log.warn(
            { channel: alias, channelId: id, code, err: (err as Error).message },
            code === 10003 || code === 50001
              ? 'a configured Discord channel does not exist or the bot cannot see it; it is skipped'
              : 'a configured Discord channel could not be checked',
          );
        }
      }),
    );
    if (missing.length > 0)
      this.#transport.noteProblem(`channels not reachable: ${missing.sort().join(', ')}`);
  }

  async #register(guildId: string): Promise<void> {
    const appId = this.#transport.client.application?.id ?? this.#inbound.botUserId;
    try {
      await registerSlashCommand(this.#transport.client.rest, appId, guildId);
      this.#log.debug({ guild: guildId }, 'slash command registered');
    } catch (err) {
      this.#log.warn(
        { guild: guildId, err: (err as Error).message },
        'the /switchboard command could not be registered (the bot needs the applications.commands scope)',
      );
    }
  }

  #message(message: DiscordMessage): void {
    const ctx = this.#inbound;
    const run = (parent?: string) => {
      const command = commandFromMessage(message, ctx, parent);
      if (command) this.#onCommand?.(command);
    };
    // Only a mention outside the configured channels can come from a thread of one of them.
    const maybeThread =
      message.guildId !== null &&
      !message.author.bot &&
      !ctx.channels.has(message.channelId) &&
      startsWithMention(message.content, ctx.botUserId);
    if (!maybeThread) {
      run();
      return;
    }
    this.#threadParent(message.channelId)
      .then(run)
      .catch((err: unknown) =>
        this.#log.warn({ err: (err as Error).message }, 'Discord thread message could not be handled'),
      );
  }

  #threadParent(channelId: string | null): Promise<string | undefined> {
    if (!channelId || this.#inbound.channels.has(channelId)) return Promise.resolve(undefined);
    return threadParentOf(this.#transport.client, channelId, this.#log);
  }

  async #interaction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return;
    let text: string | undefined;
    let origin: CommandOrigin;
    let kind: 'command' | 'component';
    if (interaction.isChatInputCommand()) {
      if (interaction.commandName !== slashCommandName) return;
      text = interaction.options.getString(slashCommandOption, true);
      origin = 'typed';
      kind = 'command';
    } else if (interaction.isButton()) {
      text = decodeCustomId(interaction.customId, (ref) => this.#refs.get(ref));
      origin = 'button';
      kind = 'component';
    } else if (interaction.isStringSelectMenu()) {
      const base = decodeCustomId(interaction.customId, (ref) => this.#refs.get(ref));
      const values = interaction.values.map((v) => decodeOptionValue(v, (ref) => this.#refs.get(ref)));
      const component = interaction.component as { maxValues?: number | null; max_values?: number };
      const multi = (component.maxValues ?? component.max_values ?? 1) > 1;
      text =
        base === undefined || values.some((v) => v === undefined) ? undefined : `${base} ${values.join(',')}`;
      origin = multi ? 'multi-select' : 'select';
      kind = 'component';
    } else {
      return;
    }
    const member = interaction.member as GuildMember | null;
    const parent = interaction.guildId ? await this.#threadParent(interaction.channelId) : undefined;
    const mapped = commandFromInteraction(
      {
        interactionId: interaction.id,
        channelId: interaction.channelId ?? '',
        ...(parent ? { threadParentId: parent } : {}),
        guildId: interaction.guildId,
        user: {
          id: interaction.user.id,
          displayName:
            (member && 'displayName' in member ? member.displayName : undefined) ||
            interaction.user.globalName ||
            interaction.user.username,
        },
        text: text ?? '',
        origin,
        ...(interaction.isMessageComponent() ? { sourceMessageId: interaction.message.id } : {}),
      },
      this.#inbound,
    );
    const served =
      mapped && (this.#inbound.channels.has(interaction.channelId ?? '') || mapped.replyChannelId);
    if (text === undefined || !served) {
      // Answered at once and only to the user: a silent interaction shows "did not respond".
      await interaction.reply({
        content:
          text === undefined
            ? 'This control is from before Switchboard restarted; run the command again to get a fresh one.'
            : 'Switchboard is not set up for this channel.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    // Within Discord's 3 s, before the command runs: the answer comes later through the webhook.
    try {
      if (interaction.isChatInputCommand()) await interaction.deferReply();
      else await interaction.deferUpdate();
      this.#interactions.add({
        id: interaction.id,
        token: interaction.token,
        applicationId: interaction.applicationId,
        kind,
        receivedAt: Date.now(),
      });
    } catch (err) {
      // Too late (10062) or refused: the command still runs, and its answer goes to the channel.
      this.#log.warn(
        { interaction: interaction.id, code: discordErrorCode(err), err: (err as Error).message },
        'Discord interaction could not be acknowledged in time; answering in the channel',
      );
    }
    this.#onCommand?.(mapped);
  }
}
