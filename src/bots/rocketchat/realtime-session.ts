/**
 * The bot user's realtime session: a DDP connection that is logged in and subscribed to the
 * user's message stream (`stream-room-messages` / `__my_messages__`), and that stays so. When the
 * connection drops it reconnects with backoff, logs in again (the stored token; with a password
 * configured, the password once the token no longer works), subscribes again and then lets the
 * bot catch up on what was said during the gap (`onResumed`).
 */
import { createHash } from 'node:crypto';
import { type BackoffPolicy, backoffDelay, sleep } from '../../core/backoff.js';
import type { BotStatus } from '../../core/bot-status.js';
import type { Logger } from '../../log/logger.js';
import { DdpConnection, DdpError } from './ddp-connection.js';
import type { RocketMessage, RoomMeta } from './message-types.js';

/** How the bot user signs in. */
export type Credentials =
  | { kind: 'token'; userId: string; token: string }
  | { kind: 'password'; username: string; password: string };

/** Who the bot is signed in as, and the token REST calls carry. */
export interface Identity {
  userId: string;
  token: string;
}

export interface RealtimeSessionOptions {
  /** `ws(s)://host/websocket`. */
  url: string;
  ca?: string[];
  timeoutMs: number;
  pingIntervalMs: number;
  backoff: BackoffPolicy;
  credentials: Credentials;
  logger: Logger;
  /** A message from the stream, with the room facts `__my_messages__` adds. */
  onMessage(message: RocketMessage, meta: RoomMeta | undefined): void;
  /** Runs after each reconnect, once logged in and subscribed: catch up on the gap. */
  onResumed(): Promise<void>;
  /** The identity changed (a password login issued a new token). */
  onIdentity(identity: Identity): void;
}

/** The login failed for a reason a retry with the same credentials will not fix. */
export class LoginRefused extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'LoginRefused';
  }
}

const streamName = 'stream-room-messages';
const myMessages = '__my_messages__';

export class RealtimeSession {
  readonly #options: RealtimeSessionOptions;
  readonly #log: Logger;
  #connection: DdpConnection | undefined;
  #identity: Identity | undefined;
  #state: BotStatus['state'] = 'connecting';
  #reconnects = 0;
  #lastError: string | undefined;
  readonly #stopping = new AbortController();

  constructor(options: RealtimeSessionOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  /** Connects, logs in and subscribes once; rejects (naming why) when that fails. */
  async start(): Promise<Identity> {
    try {
      const identity = await this.#establish();
      this.#state = 'connected';
      return identity;
    } catch (err) {
      this.#state = 'failed';
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  status(): BotStatus {
    return {
      state: this.#state,
      reconnects: this.#reconnects,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#state = 'stopped';
    this.#connection?.close();
  }

  async #establish(): Promise<Identity> {
    const { url, ca, timeoutMs, pingIntervalMs } = this.#options;
    const connection = new DdpConnection({
      url,
      ...(ca ? { ca } : {}),
      timeoutMs,
      pingIntervalMs,
      onEvent: (collection, fields) => this.#event(collection, fields),
      onClose: (code, reason) => this.#lost(connection, code, reason),
    });
    this.#connection = connection;
    await connection.open();
    try {
      const identity = await this.#login(connection);
      await connection.subscribe(streamName, [myMessages, { useCollection: false, args: [] }]);
      return identity;
    } catch (err) {
      connection.close();
      throw err;
    }
  }

  async #login(connection: DdpConnection): Promise<Identity> {
    const { credentials } = this.#options;
    const resumeWith =
      this.#identity?.token ?? (credentials.kind === 'token' ? credentials.token : undefined);
    if (resumeWith) {
      try {
        return this.#signedIn(await connection.call('login', [{ resume: resumeWith }]));
      } catch (err) {
        // A password login's token expired or was revoked: the password still works.
        if (!(err instanceof DdpError) || credentials.kind !== 'password') throw refused(err);
        this.#log.info('the realtime token was refused; logging in with the password again');
      }
    }
    if (credentials.kind !== 'password') throw new Error('no credentials to log in with');
    const digest = createHash('sha256').update(credentials.password).digest('hex');
    try {
      return this.#signedIn(
        await connection.call('login', [
          { user: { username: credentials.username }, password: { digest, algorithm: 'sha-256' } },
        ]),
      );
    } catch (err) {
      throw refused(err);
    }
  }

  #signedIn(result: unknown): Identity {
    const r = (result ?? {}) as { id?: unknown; token?: unknown };
    if (typeof r.id !== 'string' || typeof r.token !== 'string') {
      throw new Error('the login answer has no user id and token');
    }
    const identity = { userId: r.id, token: r.token };
    const changed = identity.token !== this.#identity?.token || identity.userId !== this.#identity?.userId;
    this.#identity = identity;
    if (changed) this.#options.onIdentity(identity);
    return identity;
  }

  #event(collection: string, fields: Record<string, unknown>): void {
    if (collection !== streamName) return;
    const args = fields.args;
    if (!Array.isArray(args)) return;
    const [message, meta] = args as [RocketMessage | undefined, RoomMeta | undefined];
    if (message && typeof message === 'object') this.#options.onMessage(message, meta);
  }

  #lost(connection: DdpConnection, code: number, reason: string): void {
    if (this.#stopping.signal.aborted || connection !== this.#connection) return;
    this.#state = 'reconnecting';
    this.#lastError = `realtime connection closed (${code}${reason ? ` ${reason}` : ''})`;
    this.#log.warn({ code, reason }, 'Rocket.Chat realtime connection lost; reconnecting');
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    const signal = this.#stopping.signal;
    for (let attempt = 1; !signal.aborted; attempt++) {
      // The first attempt goes at once: most drops are a server restart or a proxy's idle cut.
      if (attempt > 1) await sleep(backoffDelay(this.#options.backoff, attempt - 1), signal);
      if (signal.aborted) return;
      try {
        await this.#establish();
      } catch (err) {
        this.#lastError = (err as Error).message;
        if (err instanceof LoginRefused) {
          this.#state = 'failed';
          this.#log.error({ err: this.#lastError }, 'Rocket.Chat refused the login; the bot stays offline');
          return;
        }
        this.#log.warn({ attempt, err: this.#lastError }, 'Rocket.Chat reconnect failed; retrying');
        continue;
      }
      if (signal.aborted) return;
      this.#reconnects++;
      this.#state = 'connected';
      this.#log.info({ reconnects: this.#reconnects }, 'Rocket.Chat realtime connection restored');
      try {
        await this.#options.onResumed();
      } catch (err) {
        this.#log.warn({ err: (err as Error).message }, 'catching up after the reconnect failed');
      }
      return;
    }
  }
}

function refused(err: unknown): Error {
  if (err instanceof DdpError) {
    return new LoginRefused(`Rocket.Chat refused the login: ${err.reason || String(err.error)}`, {
      cause: err,
    });
  }
  return err as Error;
}
