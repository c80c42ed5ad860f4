/**
 * The Rocket.Chat platform (`rocketChat`): one bot user per communication group, built the way
 * Rocket.Chat's bot architecture describes. The realtime session (DDP) logs in and follows the
 * user's message stream; this adapter turns stream messages into commands and answers into REST
 * calls. Commands come from mentions in configured channels and private groups (and their
 * threads), from direct messages when enabled, and from clicks on the bot's attachment buttons,
 * which post the command as the clicking user.
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { BotStatus } from '../../core/bot-status.js';
import type { InboundCommand } from '../../core/inbound-command.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type {
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import type { Bot } from '../bot.js';
import { BoundedMap } from './bounded-set.js';
import { catchUp } from './catch-up.js';
import type { RocketChat } from './config.js';
import { createRocketDeliverer } from './deliver.js';
import { dateMs } from './ejson.js';
import { commandFromMessage, type InboundContext } from './inbound.js';
import { type RocketPayload, rocketChatCapabilities } from './limits.js';
import { rocketChatMentionPattern } from './mention.js';
import type { RocketMessage, RoomMeta } from './message-types.js';
import { type Credentials, type Identity, RealtimeSession } from './realtime-session.js';
import { RestClient } from './rest-client.js';
import { RoomDirectory, type RoomSummary } from './room-directory.js';

export interface RocketChatBotOptions {
  /** The destination ID, `<group>/rocketChat`. */
  id: string;
  settings: RocketChat;
  logger: Logger;
}

/** Creates the bot of one communication group; nothing connects until start(). */
export function createRocketChatBot(options: RocketChatBotOptions): Bot {
  return new RocketChatBot(options);
}

/** Message ids already handled: the stream and a catch-up may both bring one. */
const keptMessageIds = 5000;
/** Button commands of recent bot messages, per room. */
const keptControls = 5000;

class RocketChatBot implements Bot {
  readonly id: string;
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = rocketChatCapabilities;
  /**
   * Rocket.Chat limits a user without `send-many-messages` to 5 messages per second; the REST
   * limiter's headers, when the bot is not exempt, slow it further (rate-limits.ts).
   */
  readonly pacing: PacingPolicy = { ratePerSecond: 4, burst: 5 };

  readonly #options: RocketChatBotOptions;
  readonly #log: Logger;
  readonly #seen = new BoundedMap<string, true>(keptMessageIds);
  readonly #controls = new BoundedMap<string, 'button' | 'select'>(keptControls);
  #identity: Identity | undefined;
  #username: string | undefined;
  #session: RealtimeSession | undefined;
  #rest: RestClient | undefined;
  #inbound: InboundContext | undefined;
  #deliver: ((outbound: Outbound) => Promise<PostedRef | undefined>) | undefined;
  #onCommand: ((command: InboundCommand) => void) | undefined;
  /** Server time of the newest message seen: where a catch-up starts. */
  #lastSeenMs = Date.now();
  /** Direct-message rooms commands came from, caught up after a reconnect too. */
  readonly #directRooms = new Set<string>();
  #stopped = false;
  #failure: string | undefined;

  constructor(options: RocketChatBotOptions) {
    this.id = options.id;
    this.#options = options;
    this.#log = options.logger.child({ component: 'rocketchat', bot: options.id });
  }

  async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
    const { settings } = this.#options;
    const [group] = this.id.split('/');
    const where = `communications.${group}.rocketChat`;
    const baseUrl = settings.url.replace(/\/+$/, '');
    let ca: string[] | undefined;
    if (settings.tls.caFile !== '') {
      try {
        // Node replaces its default authorities with `ca`; the system ones stay trusted.
        ca = [...rootCertificates, await readFile(settings.tls.caFile, 'utf8')];
      } catch (err) {
        throw this.#fail(
          `${where}.tls.caFile "${settings.tls.caFile}" cannot be read: ${(err as Error).message}`,
        );
      }
    }
    const rest = new RestClient({
      baseUrl,
      ...(ca ? { ca } : {}),
      timeoutMs: settings.requestTimeout.ms,
      identity: () => this.#identity,
    });
    this.#rest = rest;
    const session = new RealtimeSession({
      url: `${baseUrl.replace(/^http/, 'ws')}/websocket`,
      ...(ca ? { ca } : {}),
      timeoutMs: settings.requestTimeout.ms,
      pingIntervalMs: settings.pingInterval.ms,
      backoff: { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0.2 },
      credentials: credentials(settings, where),
      logger: this.#log,
      onMessage: (message, meta) => this.#message(message, meta),
      onResumed: () => this.#catchUp(),
      onIdentity: (identity) => {
        this.#identity = identity;
      },
    });
    this.#session = session;
    try {
      this.#identity = await session.start();
      const me = (await rest.get('me')) as { username?: string };
      if (!me.username) throw new Error('GET /api/v1/me answered without a username');
      this.#username = me.username;
      const listed = (await rest.get('rooms.get')) as { update?: RoomSummary[] };
      const configured = Object.entries(settings.channels).map(([alias, c]) => ({ alias, name: c.name }));
      let rooms: RoomDirectory;
      try {
        rooms = new RoomDirectory(configured, listed.update ?? []);
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`);
      }
      const direct = settings.directMessages;
      this.#inbound = {
        botId: this.id,
        botUserId: this.#identity.userId,
        mention: this.mentionPattern(),
        rooms,
        ...(direct.enabled
          ? { directChannelRef: settings.channels[direct.channel]?.name ?? direct.channel }
          : {}),
        controlOrigin: (rid, text) => this.#controls.get(`${rid}\n${text}`),
      };
      this.#deliver = createRocketDeliverer({
        rest,
        rooms,
        botMention: `@${me.username}`,
        remember: (rid, payload) => this.#rememberControls(rid, payload),
      });
    } catch (err) {
      await session.stop();
      await rest.close();
      throw this.#fail(`Rocket.Chat bot ${this.id} could not start: ${(err as Error).message}`, err);
    }
    this.#log.info(
      {
        botUser: this.#identity.userId,
        username: this.#username,
        channels: Object.keys(settings.channels).length,
      },
      'Rocket.Chat bot connected',
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#session?.stop();
    await this.#rest?.close();
  }

  status(): BotStatus {
    if (this.#failure && !this.#session) return { state: 'failed', reconnects: 0, lastError: this.#failure };
    if (this.#stopped) return { ...(this.#session?.status() ?? { reconnects: 0 }), state: 'stopped' };
    return this.#session?.status() ?? { state: 'connecting', reconnects: 0 };
  }

  mentionPattern(): RegExp {
    // Before start nothing can be addressed to the bot.
    if (!this.#username) return /^(?!)/;
    return new RegExp(`^${rocketChatMentionPattern(this.#username).source}`, 'i');
  }

  async deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    if (!this.#deliver) {
      throw new DeliveryError(`${this.id} is not connected`, { reason: 'unavailable', retryable: true });
    }
    return this.#deliver(outbound);
  }

  #fail(message: string, cause?: unknown): Error {
    this.#failure = message;
    return new Error(message, { cause });
  }

  #message(message: RocketMessage, meta: RoomMeta | undefined): void {
    const ctx = this.#inbound;
    if (!ctx || typeof message._id !== 'string') return;
    if (this.#seen.seen(message._id, true)) return;
    const ts = dateMs(message.ts);
    if (ts !== undefined && ts > this.#lastSeenMs) this.#lastSeenMs = ts;
    const command = commandFromMessage(message, meta, ctx);
    if ('skipped' in command) {
      this.#log.debug(
        { room: message.rid, message: message._id, why: command.skipped },
        'message is no command',
      );
      return;
    }
    if (command.replyChannelId) this.#directRooms.add(command.replyChannelId);
    this.#onCommand?.(command);
  }

  async #catchUp(): Promise<void> {
    const rest = this.#rest;
    const ctx = this.#inbound;
    if (!rest || !ctx) return;
    const rooms = [...ctx.rooms.rooms(), ...this.#directRooms];
    const found = await catchUp({
      rest,
      rooms,
      sinceMs: this.#lastSeenMs,
      // Served channels are all known from the start; only a DM can be new, and only when DMs are commands.
      follow: (room) => room.t === 'd' && ctx.directChannelRef !== undefined,
      logger: this.#log,
    });
    for (const message of found) this.#message(message, undefined);
  }

  #rememberControls(rid: string, payload: RocketPayload): void {
    for (const attachment of payload.attachments ?? []) {
      for (const action of attachment.actions ?? []) {
        if (action.msg) this.#controls.set(`${rid}\n${action.msg}`, attachment.title ? 'select' : 'button');
      }
    }
  }
}

function credentials(settings: RocketChat, where: string): Credentials {
  const token = settings.authToken?.reveal() ?? '';
  if (settings.userId && token !== '') return { kind: 'token', userId: settings.userId, token };
  const password = settings.password?.reveal() ?? '';
  if (settings.username && password !== '') {
    return { kind: 'password', username: settings.username, password };
  }
  throw new Error(`${where}: set userId + authToken or username + password`);
}
