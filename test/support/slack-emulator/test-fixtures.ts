/**
 * Vitest fixtures and helpers for tests against the Slack emulator: emulators that check their
 * traffic against Slack's spec (a test that produced a violation fails), bolt apps in Socket Mode
 * with a quiet logger that still records errors, and bare Socket Mode connections.
 */
import { App, type AppOptions, type Logger, LogLevel, SocketModeReceiver, type types } from '@slack/bolt';
import { test as base, expect } from 'vitest';
import { type SlackEmulator, type SlackEmulatorOptions, startSlackEmulator } from './index.js';
import { connectRawSocket, type RawSocketClient } from './raw-socket-client.js';

export interface BoltHandle {
  app: App;
  /** Everything bolt logged at error level, and every listener error. */
  errors: string[];
}

export interface BoltOptions {
  clientOptions?: Partial<NonNullable<AppOptions['clientOptions']>>;
  /** Socket Mode ping timeout (reconnect delay and dead-socket detection scale with it). */
  clientPingTimeout?: number;
}

interface Fixtures {
  /** Starts an emulator (validateSpec on); stopped and checked for spec violations after the test. */
  slack: (options?: SlackEmulatorOptions) => Promise<SlackEmulator>;
  /** Starts a bolt App in Socket Mode against an emulator; stopped after the test. */
  bolt: (emulator: SlackEmulator, options?: BoltOptions) => Promise<BoltHandle>;
  /** Opens bare Socket Mode connections; closed after the test. */
  raw: (emulator: SlackEmulator) => Promise<RawSocketClient>;
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take the context as their first argument
  slack: async ({}, use) => {
    const started: SlackEmulator[] = [];
    await use(async (options) => {
      const emulator = await startSlackEmulator({ validateSpec: true, ...options });
      started.push(emulator);
      return emulator;
    });
    for (const emulator of started) {
      await emulator.close();
      expect(emulator.specViolations()).toEqual([]);
    }
  },
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take the context as their first argument
  bolt: async ({}, use) => {
    const started: App[] = [];
    await use(async (emulator, options = {}) => {
      const handle = await startBolt(emulator, options);
      started.push(handle.app);
      return handle;
    });
    for (const app of started) await app.stop().catch(() => {});
  },
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take the context as their first argument
  raw: async ({}, use) => {
    const opened: RawSocketClient[] = [];
    await use(async (emulator) => {
      const client = await connectRawSocket(emulator.apiUrl, emulator.appToken);
      opened.push(client);
      await emulator.waitFor(() => client.frames.some((f) => f.type === 'hello' || f.type === 'disconnect'));
      return client;
    });
    for (const client of opened) await client.close();
  },
});

/** A bolt/web-api logger that drops everything but errors, which it collects. */
export function quietLogger(errors: string[]): Logger {
  return {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (...message: unknown[]) => {
      errors.push(message.map(String).join(' '));
    },
    setLevel: () => {},
    getLevel: () => LogLevel.ERROR,
    setName: () => {},
  };
}

/** A bolt App in Socket Mode against `emulator`, started; its errors are collected. */
export async function startBolt(emulator: SlackEmulator, options: BoltOptions): Promise<BoltHandle> {
  const errors: string[] = [];
  const logger = quietLogger(errors);
  const clientOptions = {
    slackApiUrl: emulator.apiUrl,
    retryConfig: { retries: 0 },
    ...options.clientOptions,
  };
  const receiver =
    options.clientPingTimeout === undefined
      ? undefined
      : new SocketModeReceiver({
          appToken: emulator.appToken,
          logger,
          logLevel: LogLevel.ERROR,
          clientPingTimeout: options.clientPingTimeout,
          installerOptions: { clientOptions },
        });
  const app = new App({
    token: emulator.botToken,
    appToken: emulator.appToken,
    socketMode: true,
    logger,
    logLevel: LogLevel.ERROR,
    deferInitialization: true,
    clientOptions,
    ...(receiver ? { receiver } : {}),
  });
  app.error(async (error) => {
    errors.push(`listener error: ${error.message}`);
  });
  await app.init();
  await app.start();
  return { app, errors };
}

/** A raw Web API call, form-encoded like @slack/web-api; `token` null sends none. */
export function api(
  emulator: SlackEmulator,
  method: string,
  args: Record<string, string>,
  token: string | null = emulator.botToken,
) {
  return fetch(`${emulator.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: new URLSearchParams(args).toString(),
  });
}

export function interactiveBlocks(): types.KnownBlock[] {
  const option = (value: string): types.PlainTextOption => ({
    text: { type: 'plain_text', text: value },
    value,
  });
  return [
    { type: 'section', text: { type: 'mrkdwn', text: '*Pods*' } },
    {
      type: 'actions',
      block_id: 'buttons',
      elements: [
        {
          type: 'button',
          action_id: 'run:pods',
          text: { type: 'plain_text', text: 'Get pods' },
          value: 'kubectl get pods',
        },
        {
          type: 'button',
          action_id: 'run:logs',
          text: { type: 'plain_text', text: 'Logs' },
          value: 'kubectl logs',
        },
      ],
    },
    {
      type: 'actions',
      block_id: 'pick',
      elements: [
        {
          type: 'static_select',
          action_id: 'pick:ns',
          placeholder: { type: 'plain_text', text: 'Namespace' },
          options: [option('shop'), option('prod')],
        },
        {
          type: 'multi_static_select',
          action_id: 'pick:many',
          options: [option('a'), option('b'), option('c')],
        },
      ],
    },
  ];
}

/** The HTTP status a WebSocket upgrade to `url` gets (101 when accepted). */
export async function upgradeStatus(url: string): Promise<number> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => {});
  });
}
