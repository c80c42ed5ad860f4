import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type AddressInfo, isIPv6 } from 'node:net';
import type { WebSocket } from 'ws';
import type { BotStatus } from '../../core/bot-status.js';
import { nameMentionPattern } from '../../core/command-text.js';
import {
  type ConsoleMessage,
  type FileRef,
  maxCommandLength,
  protocolVersion,
  readClientFrame,
  type ServerFrame,
} from '../../core/console-protocol.js';
import { envNameForPath } from '../../core/env-names.js';
import type { InboundCommand } from '../../core/inbound-command.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type {
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../delivery/destination.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import type { Bot, PlatformContext } from '../bot.js';
import { AccessPolicy } from './access.js';
import type { Console } from './config.js';
import { FileStore } from './file-store.js';
import { ConsoleHistory, type HistoryLimits } from './history.js';
import { createConsoleHttpServer } from './http-server.js';
import { cleanUserName, readModalTrigger, toConsoleCommand } from './inbound.js';
import { consoleCapabilities } from './limits.js';
import { consoleToken, consoleUrl } from './listen-address.js';
import { loadPageAssets } from './page-assets.js';
import { renderConsoleMessage } from './render.js';
import { type ConsoleClient, SocketHub } from './socket-hub.js';

/** The console platform: a Bot whose chat is a web page (and `switchboard chat`). */
export interface ConsoleBot extends Bot {
  /** The page's URL once listening (without the token), else undefined. */
  url(): string | undefined;
}

export interface ConsoleBotOptions {
  /** `<group>/console`. */
  id: string;
  settings: Console;
  logger: Logger;
  context: PlatformContext;
  /** Where the page's files are; default: next to this module (`page/`). */
  pageDir?: URL | string;
  /**
   * Where the modules the page shares with the agent are (console-protocol.js); default: the
   * compiled core/ next to this module. Code bundled away from dist/ names them here.
   */
  pageModules?: Readonly<Record<string, URL | string>>;
  /** Per-channel history kept for late clients; default 200 messages, 2 M characters. */
  history?: Partial<HistoryLimits>;
  /** Bytes of attached files kept for download; default 64 MiB. */
  maxFileBytes?: number;
  /** How often status changes are pushed; default 2 s. */
  statusIntervalMs?: number;
  /** WebSocket ping period; default 30 s. */
  heartbeatMs?: number;
  /** Commands each client may send per second, and in a burst; default 10 and 20. */
  commandRate?: { perSecond: number; burst: number };
}

const botName = 'Switchboard';
const mention = `@${botName}`;
/** Not global or sticky, so one instance can be shared: matching keeps no state in it. */
const mentionRegExp = nameMentionPattern(botName);

/**
 * The web console: serves the page, keeps a bounded history per channel, turns what clients
 * type or click into commands for the agent, and shows every message the agent delivers to
 * every connected client (edits in place, long output as a download). See docs/console.md.
 */
export class ConsoleBotImpl implements ConsoleBot {
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = consoleCapabilities;
  /** No platform limit, but pacing turns event storms into digests a person can read. */
  readonly pacing: PacingPolicy = { ratePerSecond: 20, burst: 20 };
  readonly id: string;

  readonly #options: ConsoleBotOptions;
  readonly #log: Logger;
  readonly #channels: string[];
  readonly #history: ConsoleHistory;
  readonly #files: FileStore;
  readonly #session = randomUUID().slice(0, 8);
  #state: BotStatus['state'] = 'stopped';
  #lastError: string | undefined;
  #onCommand: ((command: InboundCommand) => void) | undefined;
  #server: Server | undefined;
  #hub: SocketHub | undefined;
  #access: AccessPolicy | undefined;
  #url: string | undefined;
  #statusTimer: NodeJS.Timeout | undefined;
  #lastStatus = '';
  #sequence = 0;
  #forms = 0;
  /** Echoes of commands not yet sent; see {@link ConsoleBotImpl.#publishSoon}. */
  #echoes: { type: 'message'; message: ConsoleMessage; ref?: string }[] = [];
  readonly #commandRate: { perSecond: number; burst: number };

  constructor(options: ConsoleBotOptions) {
    this.#options = options;
    this.#commandRate = options.commandRate ?? { perSecond: 10, burst: 20 };
    this.id = options.id;
    this.#log = options.logger.child({ component: 'console', platform: options.id });
    this.#channels = [...new Set(Object.values(options.settings.channels).map((c) => c.name))];
    this.#history = new ConsoleHistory(this.#channels, {
      messages: options.history?.messages ?? 200,
      chars: options.history?.chars ?? 2_000_000,
    });
    this.#files = new FileStore(options.maxFileBytes ?? 64 * 1024 * 1024);
  }

  url(): string | undefined {
    return this.#url;
  }

  status(): BotStatus {
    return { state: this.#state, reconnects: 0, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  mentionPattern(): RegExp {
    return mentionRegExp;
  }

  async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    if (this.#server) throw new Error(`console ${this.id} is already started`);
    const { settings } = this.#options;
    this.#state = 'connecting';
    let hub: SocketHub | undefined;
    try {
      const token = consoleToken(this.id, settings);
      const assets = await loadPageAssets(this.#options.pageDir, this.#options.pageModules);
      hub = new SocketHub({
        logger: this.#log,
        welcome: (client) => this.#welcome(client),
        onText: (client, text) => this.#onText(client, text),
        maxBufferedBytes: 16 * 1024 * 1024,
        heartbeatMs: this.#options.heartbeatMs ?? 30_000,
        commandRate: this.#commandRate,
      });
      const { server } = createConsoleHttpServer({
        access: () => this.#access as AccessPolicy,
        assets,
        files: this.#files,
        session: () => ({
          session: this.#session,
          version: this.#options.context.version,
          protocol: protocolVersion,
        }),
        onSocket: (ws: WebSocket, url: URL) =>
          hub?.add(ws, cleanUserName(url.searchParams.get('user'), 'web')),
        logger: this.#log,
      });
      const port = await listen(server, settings.address, settings.port, this.id);
      this.#access = new AccessPolicy({ token, address: settings.address, port });
      this.#server = server;
      this.#hub = hub;
      this.#onCommand = onCommand;
      this.#url = consoleUrl(settings.address, port);
      this.#statusTimer = setInterval(() => this.#pushStatus(), this.#options.statusIntervalMs ?? 2000);
      this.#statusTimer.unref();
      this.#state = 'connected';
      this.#lastError = undefined;
      this.#log.info(
        { url: this.#url, channels: this.#channels, protected: token !== undefined },
        'web console listening',
      );
    } catch (err) {
      hub?.close();
      this.#state = 'failed';
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#onCommand = undefined;
    this.#url = undefined;
    if (this.#statusTimer) clearInterval(this.#statusTimer);
    this.#hub?.close();
    this.#hub = undefined;
    this.#state = 'stopped';
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    if (this.#state !== 'connected') {
      throw new DeliveryError(`console ${this.id} is not running`, {
        reason: 'unavailable',
        retryable: true,
      });
    }
    const channel = outbound.address.channelId;
    if (!this.#history.has(channel)) {
      throw new DeliveryError(
        `the console has no channel "${channel}"; its channels are ${this.#channels.join(', ')}`,
        { reason: 'unknown-channel', retryable: false },
      );
    }
    let rendering: ReturnType<typeof renderConsoleMessage>;
    try {
      rendering = renderConsoleMessage(outbound.message, { mention });
    } catch (err) {
      throw new DeliveryError((err as Error).message, { reason: 'too-large', retryable: false, cause: err });
    }
    if (!rendering) return undefined;

    const notices = [...rendering.notices];
    const files: FileRef[] = [];
    const keep = (name: string, content: Uint8Array) => {
      const ref = this.#files.add(name, content);
      if (ref) files.push(ref);
      else notices.push(`The file ${name} (${content.byteLength} bytes) is larger than the console keeps.`);
    };
    if (outbound.file) keep(outbound.file.name, outbound.file.content);

    const now = new Date().toISOString();
    // An edit of a message the console no longer keeps (or never had) is posted as a new one.
    const asked = outbound.replaces?.messageId;
    const previous = asked === undefined ? undefined : this.#history.get(channel, asked);
    const replaces = previous?.kind === 'bot' ? asked : undefined;
    const message: ConsoleMessage = {
      id: replaces ?? this.#nextId(),
      channel,
      kind: 'bot',
      postedAt: previous?.postedAt ?? now,
      ...(replaces === undefined ? {} : { editedAt: now }),
      revision: replaces === undefined ? 0 : (previous?.revision ?? 0) + 1,
      message: rendering.message,
      ...(files.length > 0 ? { files } : {}),
      ...(notices.length > 0 ? { notice: notices.join(' ') } : {}),
      ...(outbound.streaming ? { streaming: true as const } : {}),
      // The console's commands carry their own message id as the thread to answer in, so an
      // answer names its command and clients can tell it from an event arriving meanwhile.
      ...(outbound.address.threadId ? { replyTo: outbound.address.threadId } : {}),
    };
    this.#publish(replaces === undefined ? { type: 'message', message } : { type: 'edit', message });
    return { channelId: channel, messageId: message.id };
  }

  /**
   * Shows a `form` answer as a dialog in the one page whose click asked for it (the connection
   * its `modalTrigger` names), and nowhere else: not in the channel's history, not to other tabs
   * or `switchboard chat`. Resolves undefined, so that the pipeline posts the form in the channel,
   * when that connection has closed, the console is not running, the channel is unknown, or the
   * form breaks the console's limits (posted, it is refused the same way).
   */
  async openModal(outbound: Outbound): Promise<PostedRef | undefined> {
    const trigger = outbound.modalTrigger;
    if (!trigger || this.#state !== 'connected') return undefined;
    const channel = outbound.address.channelId;
    const notShown = (reason: string) => {
      this.#log.info({ reason, channel }, 'console form not opened as a dialog; posting it in the channel');
      return undefined;
    };
    const { connection, ref } = readModalTrigger(trigger.id);
    const client = this.#hub?.client(connection);
    if (!client) return notShown('the page that clicked has closed its connection');
    if (!this.#history.has(channel)) return notShown(`the console has no channel "${channel}"`);
    let rendering: ReturnType<typeof renderConsoleMessage>;
    try {
      rendering = renderConsoleMessage(outbound.message, { mention });
    } catch (err) {
      return notShown((err as Error).message);
    }
    if (!rendering) return undefined;
    if (this.#echoes.length > 0) this.#flushEchoes();
    this.#forms += 1;
    const id = `form:${this.#forms}`;
    const sent = client.send({
      type: 'form',
      id,
      channel,
      form: rendering.message,
      ...(rendering.notices.length > 0 ? { notice: rendering.notices.join(' ') } : {}),
      ...(ref === undefined ? {} : { ref }),
    });
    if (!sent) return notShown('the page that clicked could not be sent to');
    return { channelId: channel, messageId: id };
  }

  #nextId(): string {
    this.#sequence += 1;
    return `m${this.#sequence}`;
  }

  /** Keeps a message in its channel's history and sends it to every client. */
  #publish(frame: { type: 'message' | 'edit'; message: ConsoleMessage; ref?: string }): void {
    // Echoes go first, so that every client and the history see a command before its answer.
    if (this.#echoes.length > 0) this.#flushEchoes();
    const text = JSON.stringify(frame);
    this.#history.put(frame.message, text.length);
    this.#hub?.broadcast(text);
  }

  /**
   * Publishes a command's echo once the command has been handed to the agent (after this turn
   * of the event loop): serializing and writing it to every socket then overlaps the plugin
   * call instead of delaying its start. Anything published meanwhile sends the echoes first.
   */
  #publishSoon(frame: { type: 'message'; message: ConsoleMessage; ref?: string }): void {
    this.#echoes.push(frame);
    if (this.#echoes.length === 1) setImmediate(() => this.#flushEchoes());
  }

  #flushEchoes(): void {
    for (const frame of this.#echoes.splice(0)) this.#publish(frame);
  }

  #welcome(client: ConsoleClient): ServerFrame[] {
    const frames: ServerFrame[] = [
      {
        type: 'hello',
        protocol: protocolVersion,
        session: this.#session,
        version: this.#options.context.version,
        botName,
        mention,
        user: client.user,
        channels: this.#channels.map((name) => ({ id: name, name })),
        limits: {
          maxCommandLength,
          commandsPerSecond: this.#commandRate.perSecond,
          commandBurst: this.#commandRate.burst,
        },
      },
      ...this.#channels.map((channel) => ({
        type: 'history' as const,
        channel,
        messages: this.#history.list(channel),
      })),
    ];
    const status = this.#statusJson();
    if (status !== undefined) frames.push({ type: 'status', status: JSON.parse(status) });
    return frames;
  }

  #onText(client: ConsoleClient, text: string): void {
    // Whatever this frame gets back comes after the echo of the command before it.
    if (this.#echoes.length > 0) this.#flushEchoes();
    const read = readClientFrame(text);
    if (!read.ok) {
      client.send({ type: 'error', error: read.error, ...(read.ref ? { ref: read.ref } : {}) });
      return;
    }
    const frame = read.frame;
    const ref = frame.ref ? { ref: frame.ref } : {};
    if (!this.#history.has(frame.channel)) {
      client.send({
        type: 'error',
        error: `there is no channel "${frame.channel.slice(0, 100)}" here; the channels are ${this.#channels.join(', ')}`,
        ...ref,
      });
      return;
    }
    const onCommand = this.#onCommand;
    if (!onCommand) {
      client.send({ type: 'error', error: 'the console is stopping; try again in a moment', ...ref });
      return;
    }
    if (!client.takeCommand()) {
      client.send({
        type: 'error',
        error: 'too many commands at once (at most 10 a second); wait a moment',
        ...ref,
      });
      return;
    }
    const id = this.#nextId();
    const command = toConsoleCommand(frame, {
      botId: this.id,
      mention,
      mentionPattern: this.mentionPattern(),
      user: client.user,
      connection: client.id,
      receivedAt: Date.now(),
      messageId: id,
    });
    this.#publishSoon({
      type: 'message',
      message: {
        id,
        channel: frame.channel,
        kind: 'user',
        postedAt: new Date().toISOString(),
        revision: 0,
        user: client.user,
        text: command.shown,
        origin: frame.origin,
      },
      ...ref,
    });
    // Only a bot message of this channel may be replaced, whatever id a client sends.
    const source = frame.source === undefined ? undefined : this.#history.get(frame.channel, frame.source);
    onCommand(
      source?.kind === 'bot'
        ? { ...command.inbound, sourceMessage: { channelId: frame.channel, messageId: source.id } }
        : command.inbound,
    );
  }

  /** The agent's status as JSON, or undefined when it cannot be read. */
  #statusJson(): string | undefined {
    try {
      // Uptimes change on every read; leaving them out lets unchanged status go unsent.
      return JSON.stringify(this.#options.context.status(), (key, value) =>
        key === 'uptimeMs' ? undefined : value,
      );
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'agent status could not be read');
      return undefined;
    }
  }

  #pushStatus(): void {
    if (!this.#hub || this.#hub.size === 0) return;
    const status = this.#statusJson();
    if (status === undefined || status === this.#lastStatus) return;
    this.#lastStatus = status;
    this.#hub.broadcast(`{"type":"status","status":${status}}`);
  }
}

/** Listens and resolves with the bound port; a failure names the address and what to change. */
function listen(server: Server, address: string, port: number, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const group = id.split('/')[0] ?? id;
      const change = (key: 'port' | 'address') => {
        const path = ['communications', group, 'console', key];
        const variable = envNameForPath(path);
        return `change ${path.join('.')}${variable ? ` (or environment variable ${variable})` : ''}`;
      };
      const hint =
        err.code === 'EADDRINUSE'
          ? `port ${port} is already in use (another Switchboard or program?); ${change('port')}, or stop the other program`
          : err.code === 'EACCES'
            ? `not permitted to listen on port ${port} (ports below 1024 need privileges); ${change('port')}`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
              ? `${address} is not an address of this machine; ${change('address')}`
              : err.message;
      const where = isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
      reject(
        new SwitchboardError('SB_ERR_CONSOLE_START', `the web console cannot listen on ${where}: ${hint}`, {
          cause: err,
          details: { address, port, code: err.code },
        }),
      );
    };
    server.once('error', onError);
    server.listen({ host: address, port }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
