/**
 * The discord.js client of one Discord bot: gateway connection (heartbeats, RESUME after a drop
 * or op 7, IDENTIFY again after an invalid session, all discord.js's own), the connection state
 * for `/status`, and a start that fails clearly: a bad token, a refused intent or an unreachable
 * API each name the setting to fix. Nothing is logged with the token in it.
 */
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { BotStatus } from '../../core/bot-status.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import type { Discord } from './config.js';

export interface DiscordTransportOptions {
  settings: Discord;
  /** `communications.<group>.discord`, for messages that name a setting. */
  configPath: string;
  logger: Logger;
  /** How long the first connection may take. Default 30 s. */
  connectTimeoutMs?: number;
  /** How long one REST request may take. Default 15 s. */
  restTimeoutMs?: number;
}

/** Close codes after which discord.js does not reconnect, with what to fix. */
const fatalCloses: Record<number, string> = {
  4004: 'the token was refused (4004 authentication failed)',
  4010: 'invalid shard (4010)',
  4011: 'sharding required (4011): the bot is in too many servers for one connection',
  4012: 'invalid API version (4012)',
  4013: 'invalid intents (4013)',
  4014: 'a privileged intent is not enabled for the bot (4014): turn on Message Content Intent in the Developer Portal, or set messageContentIntent: false',
};

export class DiscordTransport {
  readonly client: Client;
  readonly #options: DiscordTransportOptions;
  readonly #log: Logger;
  readonly #status: BotStatus = { state: 'stopped', reconnects: 0 };

  constructor(options: DiscordTransportOptions) {
    this.#options = options;
    this.#log = options.logger;
    const { settings } = options;
    const intents =
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.DirectMessages |
      (settings.messageContentIntent ? GatewayIntentBits.MessageContent : 0);
    this.client = new Client({
      intents,
      // DM channels are not cached before their first message; without this their messages are dropped.
      partials: [Partials.Channel],
      rest: {
        api: settings.apiUrl,
        timeout: options.restTimeoutMs ?? 15_000,
        // Failed posts go back to the delivery pipeline, which retries them; a 5xx retried here,
        // under it, could post a message twice. 429s are still waited out here, per bucket.
        retries: 0,
      },
    });
    this.#watch();
  }

  status(): BotStatus {
    return { ...this.#status };
  }

  /** Records a problem that does not stop the bot (a configured channel it cannot see). */
  noteProblem(problem: string): void {
    this.#status.lastError = problem;
  }

  /** Logs in and resolves once the gateway is READY with every server's GUILD_CREATE. */
  async connect(): Promise<void> {
    const { settings, configPath } = this.#options;
    this.#status.state = 'connecting';
    const timeoutMs = this.#options.connectTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onClose: ((event: { code: number }) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      this.client.once(Events.ClientReady, () => resolve());
      onClose = (event) => {
        reject(
          new SwitchboardError(
            event.code === 4004 ? 'SB_ERR_PLATFORM_AUTH' : 'SB_ERR_PLATFORM_CONNECT',
            `Discord closed the gateway connection: ${fatalCloses[event.code] ?? `close code ${event.code}`} (${configPath})`,
          ),
        );
      };
      this.client.once(Events.ShardDisconnect, onClose);
      timer = setTimeout(
        () =>
          reject(
            new SwitchboardError(
              'SB_ERR_PLATFORM_CONNECT',
              `The Discord gateway was not ready within ${timeoutMs / 1000} s${this.#status.lastError ? ` (last error: ${this.#status.lastError})` : ''}. Check that ${settings.apiUrl} and the gateway it names are reachable.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.all([this.client.login(settings.token.reveal()), ready]);
      this.#status.state = 'connected';
    } catch (err) {
      const failure =
        err instanceof SwitchboardError
          ? err
          : (err as { code?: string }).code === 'TokenInvalid'
            ? new SwitchboardError(
                'SB_ERR_PLATFORM_AUTH',
                `${configPath}.token was refused by Discord (401). Use the bot token from the Bot page of the application in the Developer Portal.`,
                { cause: err },
              )
            : new SwitchboardError(
                'SB_ERR_PLATFORM_CONNECT',
                `Discord could not be reached at ${settings.apiUrl}: ${(err as Error).message}`,
                { cause: err },
              );
      this.#status.state = 'failed';
      this.#status.lastError = failure.message;
      await this.client.destroy().catch(() => undefined);
      throw failure;
    } finally {
      clearTimeout(timer);
      if (onClose) this.client.off(Events.ShardDisconnect, onClose);
    }
  }

  async stop(): Promise<void> {
    this.#status.state = 'stopped';
    await this.client.destroy();
  }

  #watch(): void {
    const client = this.client;
    client.on(Events.ShardReconnecting, () => {
      if (this.#status.state === 'stopped' || this.#status.state === 'failed') return;
      if (this.#status.state === 'connected') this.#status.reconnects += 1;
      this.#status.state = 'reconnecting';
      this.#log.info({ reconnects: this.#status.reconnects }, 'Discord gateway reconnecting');
    });
    const back = (how: string) => () => {
      if (this.#status.state !== 'reconnecting') return;
      this.#status.state = 'connected';
      this.#log.info({ how }, 'Discord gateway connected again');
    };
    client.on(Events.ShardResume, back('resumed'));
    client.on(Events.ShardReady, back('identified'));
    client.on(Events.ShardDisconnect, (event) => {
      if (this.#status.state === 'stopped') return;
      this.#status.state = 'failed';
      this.#status.lastError = `gateway closed: ${fatalCloses[event.code] ?? `close code ${event.code}`}`;
      this.#log.error({ code: event.code }, 'Discord gateway closed for good');
    });
    client.on(Events.ShardError, (err) => {
      this.#status.lastError = err.message;
      this.#log.warn({ err: err.message }, 'Discord gateway connection error');
    });
    client.on(Events.Warn, (message) => this.#log.warn({ detail: message }, 'discord.js warning'));
    client.rest.on('rateLimited', (info) =>
      this.#log.debug(
        { route: info.route, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope },
        'Discord rate limit: waiting',
      ),
    );
  }
}
