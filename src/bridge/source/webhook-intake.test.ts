import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../../test/support/test-logger.js';
import { DeliverySettings } from '../../config/slices/settings.js';
import { encodeEvent } from '../../contract/event.js';
import { plaintextMessage } from '../../contract/message.js';
import type { Destination, DestinationCapabilities } from '../../delivery/destination.js';
import { createDeliveryPipeline } from '../../delivery/pipeline.js';
import type { QueueStore } from '../../delivery/queue-store.js';
import { openSqliteStore } from '../../delivery/sqlite-store.js';
import { PluginError } from '../../errors/switchboard-error.js';
import type { SourceClient } from '../../plugins/host/source-client.js';
import { createEventDispatcher } from './event-dispatch.js';
import { createWebhookIntake, withHttpStatus } from './webhook-intake.js';

const refused = (grpcCode: number, pluginMessage: string) =>
  new PluginError('SB_ERR_PLUGIN_CALL', `plugin hook: HandleExternalRequest failed: ${pluginMessage}`, {
    details: { plugin: 'hook', method: 'HandleExternalRequest', grpcCode, pluginMessage },
  });

describe('withHttpStatus', () => {
  it('answers UNAUTHENTICATED with 401 and INVALID_ARGUMENT with 400, with the plugin’s own text', () => {
    expect(withHttpStatus(refused(16, 'bad signature'))).toMatchObject({
      statusCode: 401,
      message: 'bad signature',
    });
    expect(withHttpStatus(refused(3, 'plugin x: y failed: z'))).toMatchObject({
      statusCode: 400,
      message: 'plugin x: y failed: z',
    });
  });

  it('answers any other failure with 500 and keeps its message and cause', () => {
    const crash = new PluginError('SB_ERR_PLUGIN_EXITED', 'plugin hook exited (code 2)', {
      details: { plugin: 'hook', grpcCode: 14 },
    });
    const answer = withHttpStatus(crash);
    expect(answer).toMatchObject({ statusCode: 500, message: 'plugin hook exited (code 2)' });
    expect(answer.cause).toBe(crash);
    expect(withHttpStatus(refused(13, 'internal'))).toMatchObject({ statusCode: 500, message: 'internal' });
  });
});

const sinkId = 'alerts/webhook';
const sinkCapabilities: DestinationCapabilities = {
  edit: false,
  files: false,
  threads: false,
  interactive: false,
  maxMessageLength: 1_000_000,
};

const alertsContext = () => ({
  interactive: false,
  clusterName: 'c',
  sourceName: 'alerts',
  incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
});

/** The webhook path of group `alerts` over a real pipeline: one source entry, one sink. */
function alertsIntake(options: {
  sink: Destination;
  plugin: SourceClient;
  pipeline?: Partial<Parameters<typeof createDeliveryPipeline>[0]>;
  persistTimeoutMs?: number;
}) {
  const { logger } = createTestLogger('warn');
  const { sink } = options;
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === sink.id ? sink : undefined),
    settings: DeliverySettings.parse({}),
    logger,
    ...options.pipeline,
  });
  const dispatch = createEventDispatcher({
    fanout: () => ({ channels: [], sinks: [{ destinationId: sink.id, channelId: '' }] }),
    notificationsEnabled: () => true,
    capabilities: () => sink.capabilities,
    outbox: pipeline,
    logger,
  });
  const handler = createWebhookIntake({
    entries: () => [{ key: 'hook', rawConfig: new Uint8Array() }],
    auth: () => ({ type: 'none' }),
    sourceClient: () => options.plugin,
    wantsEnvelope: () => false,
    context: alertsContext,
    dispatch,
    persisted: () => pipeline.persisted(),
    ...(options.persistTimeoutMs !== undefined ? { persistTimeoutMs: options.persistTimeoutMs } : {}),
  })('alerts');
  if (!handler) throw new Error('no handler');
  return { handler, pipeline };
}

describe('createWebhookIntake with the durable delivery queue', () => {
  /** The plugin side: its HandleExternalRequest turns the body into an event (no process needed here). */
  const plugin = {
    handleExternalRequest: async ({ payload }: { payload: Uint8Array }) =>
      encodeEvent({ message: plaintextMessage(new TextDecoder().decode(payload)), rawObject: { n: 1 } }),
  } as unknown as SourceClient;
  /** A sink whose receiver never answers: what was accepted stays in the queue. */
  const stuck: Destination = {
    id: sinkId,
    kind: 'sink',
    capabilities: sinkCapabilities,
    deliver: () => new Promise(() => {}),
  };

  const intakeOver = (store: QueueStore) =>
    alertsIntake({ sink: stuck, plugin, pipeline: { store }, persistTimeoutMs: 300 });

  it('answers only once the event is in the queue file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-intake-'));
    const file = join(dir, 'q.sqlite');
    const { logger } = createTestLogger('warn');
    const opened = openSqliteStore({ file, synchronous: 'normal', dedupWindowMs: 30_000, log: logger });
    // A store whose writes take 200 ms to be durable (a networked store, or a slow disk).
    const slow: QueueStore = {
      append: (items) => opened.store.append(items).then(() => new Promise((r) => setTimeout(r, 200))),
      ack: (ids, posted) => opened.store.ack(ids, posted),
      counts: () => opened.store.counts(),
      close: () => opened.store.close(),
    };
    const { handler, pipeline } = intakeOver(slow);
    const started = performance.now();
    await handler.handle(Buffer.from('disk is 95% full'), {});
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    // Read by another connection, as a restarted agent would.
    const reader = new Database(file, { readonly: true });
    const rows = reader.prepare('SELECT message FROM events').all() as { message: string }[];
    reader.close();
    expect(rows.map((r) => r.message).join()).toContain('disk is 95% full');
    await pipeline.close({ drainMs: 0 });
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 when the queue write fails or does not finish in time, so the sender retries', async () => {
    const failing: QueueStore = {
      append: () => Promise.reject(new Error('SQLITE_FULL: database or disk is full')),
      ack: () => Promise.resolve(),
      counts: () => ({ items: 0, bytes: 0 }),
      close: () => Promise.resolve(),
    };
    const full = intakeOver(failing);
    await expect(full.handler.handle(Buffer.from('x'), {})).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('not stored in the delivery queue: SQLITE_FULL'),
    });
    await full.pipeline.close({ drainMs: 0 });

    const never: QueueStore = { ...failing, append: () => new Promise(() => {}) };
    const hung = intakeOver(never);
    await expect(hung.handler.handle(Buffer.from('x'), {})).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('within 300 ms'),
    });
    await hung.pipeline.close({ drainMs: 0 });
  });
});

describe('Idempotency-Key: a sender retrying a request gets one event', () => {
  /**
   * An intake over a real pipeline whose sink records what it is given, and a plugin that stamps
   * every request it sees (as the incoming-webhook plugin stamps the time), so two sends of one
   * body are two different events unless something names them as one.
   */
  const over = (store?: { file: string }) => {
    const { logger } = createTestLogger('warn');
    const opened = store
      ? openSqliteStore({ file: store.file, synchronous: 'normal', dedupWindowMs: 30_000, log: logger })
      : undefined;
    const delivered: string[] = [];
    const sink: Destination = {
      id: sinkId,
      kind: 'sink',
      capabilities: sinkCapabilities,
      deliver: async (outbound) => {
        delivered.push(JSON.stringify(outbound.rawObject));
        return { channelId: '', messageId: String(delivered.length) };
      },
    };
    let stamp = 0;
    const stamping = {
      handleExternalRequest: async ({ payload }: { payload: Uint8Array }) => {
        stamp += 1;
        const text = new TextDecoder().decode(payload);
        return encodeEvent({ message: plaintextMessage(text), rawObject: { text, stamp } });
      },
    } as unknown as SourceClient;
    const { handler, pipeline } = alertsIntake({
      sink,
      plugin: stamping,
      pipeline: {
        settings: DeliverySettings.parse({ groupWait: '0s' }),
        ...(opened ? { store: opened.store, recovered: opened.recovered } : {}),
      },
    });
    const settled = async (count: number) => {
      for (let i = 0; i < 50 && delivered.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    };
    return { handler, pipeline, delivered, settled };
  };

  it('delivers a request sent twice without a key twice (each is an occurrence)', async () => {
    const { handler, pipeline, delivered, settled } = over();
    await handler.handle(Buffer.from('disk full'), {});
    await handler.handle(Buffer.from('disk full'), {});
    await settled(2);
    expect(delivered).toEqual(['{"text":"disk full","stamp":1}', '{"text":"disk full","stamp":2}']);
    await pipeline.close({ drainMs: 0 });
  });

  it('delivers a request sent again with the same key once, queued or already posted, and distinct keys apart', async () => {
    const { handler, pipeline, delivered, settled } = over();
    // The retry while the first copy is still queued or in flight, then again after it was posted.
    await Promise.all([
      handler.handle(Buffer.from('disk full'), { 'idempotency-key': 'delivery-1' }),
      handler.handle(Buffer.from('disk full'), { 'idempotency-key': 'delivery-1' }),
    ]);
    await settled(1);
    await handler.handle(Buffer.from('disk full'), { 'idempotency-key': '"delivery-1"' });
    await handler.handle(Buffer.from('disk full'), { 'idempotency-key': 'delivery-2' });
    await settled(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(delivered).toEqual(['{"text":"disk full","stamp":1}', '{"text":"disk full","stamp":4}']);
    await pipeline.close({ drainMs: 0 });
  });

  it('still knows a key posted before a restart (the queue file keeps posted keys)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-idem-'));
    const file = join(dir, 'q.sqlite');
    const first = over({ file });
    await first.handler.handle(Buffer.from('node down'), { 'idempotency-key': 'k-7' });
    await first.settled(1);
    expect(first.delivered).toHaveLength(1);
    await first.pipeline.close({ drainMs: 1000 });
    const second = over({ file });
    await second.handler.handle(Buffer.from('node down'), { 'idempotency-key': 'k-7' });
    await second.handler.handle(Buffer.from('node down'), { 'idempotency-key': 'k-8' });
    await second.settled(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(second.delivered).toEqual(['{"text":"node down","stamp":2}']);
    await second.pipeline.close({ drainMs: 0 });
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a malformed key with 400 naming the header, before the plugin sees the request', async () => {
    const { handler, pipeline, delivered } = over();
    for (const bad of ['', 'has space', 'x'.repeat(256), ['a', 'b']]) {
      await expect(handler.handle(Buffer.from('x'), { 'idempotency-key': bad })).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringMatching(
          /^Idempotency-Key header .*: expected one value of 1 to 255 visible ASCII/,
        ),
      });
    }
    expect(delivered).toEqual([]);
    await pipeline.close({ drainMs: 0 });
  });
});
