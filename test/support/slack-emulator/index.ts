/**
 * A local Slack for tests: a loopback HTTP + WebSocket server that the unchanged @slack/bolt
 * client talks to in Socket Mode (Web API, Socket Mode envelopes, uploads, response_urls), plus a
 * scripted-user API, fault injection and counters. See README.md for what it emulates and how
 * faithfully.
 */
import { randomBytes } from 'node:crypto';
import { defaultMessageLimits } from './block-validation.js';
import type { EmulatorCore } from './core.js';
import { startHttpServer, UPLOAD_FAULT_KEY } from './http-server.js';
import { IdFactory } from './ids.js';
import { clickButton, selectOption, typeInput } from './interactions.js';
import { TokenBuckets } from './rate-limiter.js';
import { ResponseUrls } from './response-urls.js';
import { directMessage, renameChannel, userMessage } from './scripted-user.js';
import { SocketModeServer } from './socket-server.js';
import { sharedSpecValidator } from './spec-validation.js';
import { WorkspaceStore } from './store.js';
import type {
  EventSubscription,
  OpenView,
  PostedMessage,
  SlackEmulator,
  SlackEmulatorOptions,
  UploadedFile,
} from './types.js';
import { submitView } from './views.js';

export type { MessageLimits } from './block-validation.js';
export type { SpecViolation } from './spec-validation.js';
export { SpecValidator, sharedSpecValidator } from './spec-validation.js';
export type {
  EmulatorFaults,
  EmulatorStats,
  EventSubscription,
  OpenView,
  PostedMessage,
  SlackEmulator,
  SlackEmulatorOptions,
  UploadedFile,
} from './types.js';

const ALL_SUBSCRIPTIONS: EventSubscription[] = [
  'app_mention',
  'message.channels',
  'message.groups',
  'message.im',
  'channel_rename',
  'group_rename',
];

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const ackTimeoutMs = positive(options.ackTimeoutMs ?? 3000, 'ackTimeoutMs');
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new Error(
      `retryAfterSeconds must be an integer >= 0 (Slack sends whole seconds), got ${retryAfterSeconds}`,
    );
  }
  const maxRedeliveries = options.maxRedeliveries ?? 3;
  if (!Number.isInteger(maxRedeliveries) || maxRedeliveries < 0) {
    throw new Error(`maxRedeliveries must be an integer >= 0, got ${maxRedeliveries}`);
  }
  const triggerLifetimeMs = positive(options.triggerLifetimeMs ?? 3000, 'triggerLifetimeMs');
  const pingIntervalMs = options.serverPingIntervalMs ?? 10_000;
  if (!(pingIntervalMs >= 0)) throw new Error(`serverPingIntervalMs must be >= 0, got ${pingIntervalMs}`);
  for (const subscription of options.subscriptions ?? []) {
    if (!ALL_SUBSCRIPTIONS.includes(subscription)) {
      throw new Error(
        `subscriptions: unknown event ${JSON.stringify(subscription)}; expected one of ${ALL_SUBSCRIPTIONS.join(', ')}`,
      );
    }
  }

  const ids = new IdFactory();
  const store = new WorkspaceStore(ids);
  const core: EmulatorCore = {
    store,
    ids,
    socket: new SocketModeServer({ appId: store.appId, ackTimeoutMs, maxRedeliveries, pingIntervalMs }),
    buckets: new TokenBuckets(options.rateLimit ?? { ratePerSecond: 1, burst: 3 }),
    responseUrls: new ResponseUrls(),
    limits: { ...defaultMessageLimits, ...options.limits },
    retryAfterSeconds,
    echoBotMessages: options.echoBotMessages ?? true,
    subscriptions: new Set(options.subscriptions ?? ALL_SUBSCRIPTIONS),
    botToken: `xoxb-${store.teamId}-${randomBytes(12).toString('hex')}`,
    appToken: `xapp-1-${store.appId}-${randomBytes(12).toString('hex')}`,
    verificationToken: `vtok-${randomBytes(6).toString('hex')}`,
    faults: { slowMs: 0, httpFailures: new Map(), slackErrors: new Map() },
    stats: { calls: {}, rateLimited: 0, responseUrlPosts: 0, uploads: 0 },
    validator: options.validateSpec ? sharedSpecValidator() : undefined,
    violations: [],
    triggers: new Map(),
    triggerLifetimeMs,
    views: new Map(),
    baseUrl: '',
  };
  const server = await startHttpServer(core);
  let closed: Promise<void> | undefined;

  const enqueue = <T>(where: string, map: Map<string, T[]>, method: string, value: T, count: number) => {
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`${where}: count must be an integer >= 1, got ${count}`);
    map.set(method, [...(map.get(method) ?? []), ...Array.from({ length: count }, () => value)]);
  };

  return {
    apiUrl: `${core.baseUrl}api/`,
    botToken: core.botToken,
    appToken: core.appToken,
    botUserId: store.botUserId,
    botId: store.botId,
    teamId: store.teamId,
    appId: store.appId,
    addChannel: (name, channelOptions) => {
      const channel = store.addChannel(name, channelOptions);
      return { id: channel.id, name: channel.name };
    },
    renameChannel: (id, newName) => renameChannel(core, id, newName),
    addUser: (name) => {
      const user = store.addUser(name);
      return { id: user.id, name: user.name };
    },
    userMessage: async (post) => userMessage(core, post),
    directMessage: async (post) => directMessage(core, post),
    clickButton: (target) => clickButton(core, target),
    selectOption: (target) => selectOption(core, target),
    typeInput: (target) => typeInput(core, target),
    views: (user) =>
      [...core.views.values()]
        .filter((v) => v.open && (user === undefined || v.user === user))
        .map((v): OpenView => ({ id: v.id, user: v.user, view: structuredClone(v.view) })),
    submitView: (target) => submitView(core, target),
    messages: (channelRef) => {
      const channel = store.requireChannel(channelRef, 'messages');
      return store
        .channelMessages(channel.id)
        .filter((m) => m.user === store.botUserId)
        .map((m): PostedMessage => {
          const posted: PostedMessage = {
            ts: m.ts,
            channel: m.channel,
            user: m.user,
            text: m.text,
            edits: m.edits,
            history: m.history.map((h) => ({ ...h })),
          };
          if (m.blocks) posted.blocks = m.blocks;
          if (m.threadTs) posted.thread_ts = m.threadTs;
          if (m.ephemeralTo) posted.ephemeralTo = m.ephemeralTo;
          if (m.files) posted.files = [...m.files];
          return posted;
        });
    },
    files: (channelRef) => {
      const channelId = channelRef === undefined ? undefined : store.requireChannel(channelRef, 'files').id;
      return [...store.files.values()]
        .filter((f) => f.completed && f.content && (channelId === undefined || f.channel === channelId))
        .map((f): UploadedFile => {
          const file: UploadedFile = {
            id: f.id,
            channel: f.channel ?? '',
            filename: f.filename,
            content: f.content as Buffer,
          };
          if (f.title !== undefined) file.title = f.title;
          if (f.threadTs !== undefined) file.thread_ts = f.threadTs;
          if (f.initialComment !== undefined) file.initial_comment = f.initialComment;
          return file;
        });
    },
    stats: () => ({
      ...core.stats,
      calls: { ...core.stats.calls },
      connections: core.socket.stats.connections,
      liveConnections: core.socket.liveConnections,
      redeliveries: core.socket.stats.redeliveries,
      envelopes: core.socket.stats.envelopes,
      acks: core.socket.stats.acks,
      expired: core.socket.stats.expired,
    }),
    specViolations: () => [...core.violations],
    faults: {
      dropSocket: () => core.socket.drop(),
      sendDisconnect: (reason) => core.socket.sendDisconnect(reason),
      slowResponses: (ms) => {
        core.faults.slowMs = positive(ms, 'slowResponses', true);
      },
      failNext: (method, status, count = 1) => {
        if (!Number.isInteger(status) || status < 300 || status > 599) {
          throw new Error(`failNext: status must be an HTTP error status (300-599), got ${status}`);
        }
        enqueue('failNext', core.faults.httpFailures, method, status, count);
      },
      errorNext: (method, error, count = 1) => {
        if (!/^[a-z_]+$/.test(error))
          throw new Error(
            `errorNext: error must be a Slack error code like channel_not_found, got ${JSON.stringify(error)}`,
          );
        if (method === UPLOAD_FAULT_KEY)
          throw new Error('errorNext: upload URLs answer HTTP statuses; use failNext');
        enqueue('errorNext', core.faults.slackErrors, method, error, count);
      },
      freezeSocket: () => core.socket.freeze(),
    },
    waitFor: async <T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = fn();
        if (value !== undefined && value !== false && value !== null) return value;
        if (Date.now() > deadline)
          throw new Error(
            `slack emulator: condition not met within ${timeoutMs} ms: ${fn.toString().slice(0, 200)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => {
      closed ??= (async () => {
        await core.socket.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}

function positive(value: number, name: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms, got ${value}`,
    );
  }
  return value;
}
