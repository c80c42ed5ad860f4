/**
 * The Slack connection: a bolt App over Socket Mode, built so that failures are clear and
 * bounded. The bot token is checked with `auth.test` before bolt is built, bolt is created with
 * `deferInitialization` and initialised explicitly (bolt's constructor-time `auth.test` would
 * otherwise fail as an unhandled rejection), every Web API client has an explicit bounded retry
 * policy (without one, socket-mode silently gives listener clients 100 retries), and the client
 * that posts does not retry at all: a post that reached Slack but timed out would be posted again
 * under the delivery pipeline's own retries, so the pipeline is the one owner of retries and rate
 * limits (429s are rejected to it with their Retry-After). Reconnects are socket-mode's
 * (disconnect frames, refresh_requested, dead sockets), made immediate after a refresh
 * (refresh-reconnect.ts); this module tracks them for `status()`
 * and retries a reconnect whose `apps.connections.open` fails, which socket-mode would leave as
 * an unhandled rejection.
 */
import { App, type Logger as BoltLogger, SocketModeReceiver, webApi } from '@slack/bolt';
import type { BotStatus } from '../../core/bot-status.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import { boltLogger } from './bolt-logger.js';
import type { SocketSlack } from './config.js';
import type { SlackMessageEvent } from './inbound.js';
import type { BlockActionLike } from './interaction.js';
import { formCallbackId } from './modal.js';
import { reconnectAtOnceAfterRefresh } from './refresh-reconnect.js';
import { redactUrl, startErrorFrom } from './web-errors.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

/** Who the bot is, from `auth.test`. */
export interface SlackIdentity {
  userId: string;
  botId: string;
  /** The bot user's name (`switchboard`). */
  userName: string;
  teamId: string;
  /** `https://<workspace>.slack.com/` */
  url: string;
}

/** What the transport hands up; each is called without awaiting (acks never wait for work). */
export interface TransportHandlers {
  /** An `app_mention`, or a `message` in a direct message. */
  message(event: SlackMessageEvent): void;
  action(body: BlockActionsBody, action: BlockActionLike): void;
  /** A form the bot opened as a modal was submitted (`view_submission`). */
  viewSubmission(body: ViewSubmissionBody): void;
  channelRenamed(id: string, name: string): void;
}

/** The parts of a `block_actions` payload the bot reads. */
export interface BlockActionsBody {
  user: { id: string };
  channel?: { id: string };
  container?: { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
  message?: { ts?: string; thread_ts?: string };
  state?: { values?: Record<string, Record<string, unknown>> };
  /** Lets the app open a modal for this user, for about 3 s and once. */
  trigger_id?: string;
  /** Set when the element is in a modal the bot opened (its form's buttons). */
  view?: { private_metadata?: string };
}

/** The parts of a `view_submission` payload the bot reads. */
export interface ViewSubmissionBody {
  user: { id: string };
  view: {
    id?: string;
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, Record<string, unknown>>> };
  };
}

export interface SlackTransportOptions {
  settings: SocketSlack;
  /** Config path of the platform (`communications.team-a.socketSlack`), for error messages. */
  configPath: string;
  logger: Logger;
  handlers: TransportHandlers;
  /** How long the first Socket Mode connection may take. Default 30 s. */
  connectTimeoutMs?: number;
}

/** Delay before retrying a failed reconnect: doubles from 1 s to at most 60 s. */
const reconnectBackoff = (attempt: number) => Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));

export class SlackTransport {
  readonly #options: SlackTransportOptions;
  readonly #log: Logger;
  readonly #boltLog: BoltLogger;
  readonly #status: BotStatus = { state: 'stopped', reconnects: 0 };
  #app: App | undefined;
  #connectedOnce = false;
  #stopping = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAttempt = 0;
  /** Posts, edits, uploads and modals: no retries and 429 rejected, so the delivery pipeline decides. */
  client: WebClient | undefined;
  /** Look-ups (channel list, users): web-api itself waits out a 429. */
  lookupClient: WebClient | undefined;

  constructor(options: SlackTransportOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#boltLog = boltLogger(options.logger.child({ component: 'slack-client' }));
  }

  status(): BotStatus {
    return { ...this.#status };
  }

  /** Checks the bot token and prepares bolt; nothing is connected yet. */
  async authenticate(): Promise<SlackIdentity> {
    const { settings } = this.#options;
    this.#stopping = false;
    this.#status.state = 'connecting';
    const botToken = settings.botToken.reveal();
    const clientOptions = this.#clientOptions(true, settings.apiRetries);
    const authClient = new webApi.WebClient(botToken, clientOptions);
    this.client = new webApi.WebClient(botToken, this.#clientOptions(true, 0));
    this.lookupClient = new webApi.WebClient(botToken, this.#clientOptions(false, settings.apiRetries));
    let identity: SlackIdentity;
    try {
      const auth = await authClient.auth.test();
      identity = {
        userId: auth.user_id ?? '',
        botId: auth.bot_id ?? '',
        userName: auth.user ?? 'switchboard',
        teamId: auth.team_id ?? '',
        url: auth.url ?? '',
      };
    } catch (err) {
      throw this.#fail(
        startErrorFrom(err, {
          setting: `${this.#options.configPath}.botToken`,
          step: 'auth.test',
          apiUrl: settings.apiUrl,
          hint: 'Use the "Bot User OAuth Token" (xoxb-…) of the installed app.',
        }),
      );
    }
    if (!identity.userId) {
      throw this.#fail(
        new SwitchboardError(
          'SB_ERR_PLATFORM_AUTH',
          `${this.#options.configPath}.botToken is not a bot token: auth.test names no bot user. Use the "Bot User OAuth Token" (xoxb-…).`,
        ),
      );
    }

    const receiver = new SocketModeReceiver({
      appToken: settings.appToken.reveal(),
      logger: this.#boltLog,
      clientPingTimeout: settings.pingTimeout.ms,
      installerOptions: { clientOptions: this.#clientOptions(false, settings.apiRetries) },
    });
    this.#watchSocket(receiver);
    // The token was just verified; bolt gets the identity instead of calling auth.test again.
    const app = new App({
      token: botToken,
      botId: identity.botId,
      botUserId: identity.userId,
      receiver,
      socketMode: true,
      deferInitialization: true,
      tokenVerificationEnabled: false,
      clientOptions,
      logger: this.#boltLog,
    });
    await app.init();
    this.#listen(app);
    this.#app = app;
    return identity;
  }

  /** Opens the Socket Mode connection; resolves once Slack said hello. */
  async connect(): Promise<void> {
    const app = this.#app;
    if (!app) throw new Error('authenticate() first');
    const timeoutMs = this.#options.connectTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SwitchboardError(
              'SB_ERR_PLATFORM_CONNECT',
              `The Slack Socket Mode connection did not open within ${timeoutMs / 1000} s${this.#status.lastError ? ` (last error: ${this.#status.lastError})` : ''}. Check that Socket Mode is enabled for the app and that ${redactUrl(this.#options.settings.apiUrl)} and Slack's WebSocket hosts are reachable.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([app.start(), timeout]);
    } catch (err) {
      await this.stop();
      if (err instanceof SwitchboardError) throw this.#fail(err);
      throw this.#fail(
        startErrorFrom(err, {
          setting: `${this.#options.configPath}.appToken`,
          step: 'apps.connections.open',
          apiUrl: this.#options.settings.apiUrl,
          hint: 'Use an app-level token (xapp-…) with the connections:write scope, and enable Socket Mode for the app.',
        }),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records a start-up failure found outside the transport (a configured channel missing). */
  markFailed(message: string): void {
    this.#status.state = 'failed';
    this.#status.lastError = message;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    const app = this.#app;
    this.#app = undefined;
    if (app) {
      // socket-mode resolves stop() when the socket has closed; a peer that never answers the
      // close frame must not hold the agent's shutdown.
      await Promise.race([app.stop().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    if (this.#status.state !== 'failed') this.#status.state = 'stopped';
  }

  #clientOptions(rejectRateLimits: boolean, retries: number) {
    const { settings } = this.#options;
    return {
      slackApiUrl: settings.apiUrl,
      logger: this.#boltLog,
      timeout: settings.apiTimeout.ms,
      rejectRateLimitedCalls: rejectRateLimits,
      retryConfig: {
        retries,
        factor: 2,
        minTimeout: 1000,
        maxTimeout: 10_000,
        randomize: true,
      },
    };
  }

  #fail(err: SwitchboardError): SwitchboardError {
    this.#status.state = 'failed';
    this.#status.lastError = err.message;
    return err;
  }

  #listen(app: App): void {
    const { handlers } = this.#options;
    app.event('app_mention', async ({ event }) => {
      handlers.message(event as unknown as SlackMessageEvent);
    });
    app.event('message', async ({ event }) => {
      const message = event as unknown as SlackMessageEvent;
      // Channel messages that mention the bot arrive as app_mention too; only DMs are taken here.
      if (message.channel_type === 'im') handlers.message(message);
    });
    app.action({ type: 'block_actions' }, async ({ ack, body, action }) => {
      // Slack wants the ack within 3 s; the command runs after it.
      await ack();
      handlers.action(body as unknown as BlockActionsBody, action as unknown as BlockActionLike);
    });
    app.view(
      { type: 'view_submission', callback_id: new RegExp(`^${formCallbackId}`) },
      async ({ ack, body }) => {
        // Without an ack within 3 s Slack shows the person an error in the modal; the commands run after it.
        await ack();
        handlers.viewSubmission(body as unknown as ViewSubmissionBody);
      },
    );
    // Public channels announce renames as channel_rename, private ones as group_rename.
    app.event('channel_rename', async ({ event }) => {
      handlers.channelRenamed(event.channel.id, event.channel.name);
    });
    app.event('group_rename', async ({ event }) => {
      handlers.channelRenamed(event.channel.id, event.channel.name);
    });
    app.error(async (err) => {
      this.#log.warn({ err: err.message, code: err.code }, 'Slack event handling failed');
    });
  }

  /** Follows socket-mode's lifecycle events into status(), and guards its reconnects. */
  #watchSocket(receiver: SocketModeReceiver): void {
    const socket = receiver.client;
    socket.on('connecting', () => {
      if (!this.#connectedOnce) this.#status.state = 'connecting';
    });
    socket.on('connected', () => {
      if (this.#connectedOnce) {
        this.#status.reconnects += 1;
        this.#log.info({ reconnects: this.#status.reconnects }, 'Slack Socket Mode reconnected');
      }
      this.#connectedOnce = true;
      this.#retryAttempt = 0;
      this.#status.state = 'connected';
    });
    socket.on('close', () => {
      if (this.#stopping || !this.#connectedOnce) return;
      if (this.#status.state === 'connected') {
        this.#log.warn({}, 'Slack Socket Mode connection closed; reconnecting');
        this.#status.lastError = 'Socket Mode connection closed';
      }
      this.#status.state = 'reconnecting';
    });
    socket.on('reconnecting', () => {
      if (!this.#stopping) this.#status.state = 'reconnecting';
    });
    socket.on('disconnected', () => {
      if (this.#stopping && this.#status.state !== 'failed') this.#status.state = 'stopped';
    });
    socket.on('error', (err: Error) => {
      this.#status.lastError = err.message;
    });

    const start = socket.start.bind(socket);
    let calls = 0;
    // socket-mode calls start() again to reconnect and does not handle its rejection: a failed
    // apps.connections.open (network down, token revoked) would be an unhandledRejection. Only
    // the first call, app.start()'s, may reject.
    socket.start = async () => {
      const first = calls === 0;
      calls += 1;
      try {
        return await start();
      } catch (err) {
        if (first) throw err;
        if (!this.#stopping) this.#reconnectFailed(err, () => void socket.start());
        return undefined as unknown as Awaited<ReturnType<typeof start>>;
      }
    };
    reconnectAtOnceAfterRefresh(socket, () => {
      if (!this.#stopping) void socket.start();
    });
  }

  #reconnectFailed(err: unknown, retry: () => void): void {
    const failure = startErrorFrom(err, {
      setting: `${this.#options.configPath}.appToken`,
      step: 'apps.connections.open (reconnect)',
      apiUrl: this.#options.settings.apiUrl,
      hint: 'The app token may have been revoked.',
    });
    // A refused token needs a person; the bot keeps trying slowly meanwhile.
    if (failure.code === 'SB_ERR_PLATFORM_AUTH') this.#status.state = 'failed';
    else if (this.#connectedOnce) this.#status.state = 'reconnecting';
    this.#status.lastError = failure.message;
    const delay = reconnectBackoff(this.#retryAttempt);
    this.#retryAttempt += 1;
    this.#log.warn({ err: failure.message, retryInMs: delay }, 'Slack Socket Mode reconnect failed');
    this.#retryTimer = setTimeout(() => {
      if (!this.#stopping) retry();
    }, delay);
  }
}
