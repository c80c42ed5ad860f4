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

describe('createWebhookIntake with the durable delivery queue', () => {
  const sinkId = 'alerts/webhook';
  const sinkCapabilities: DestinationCapabilities = {
    edit: false,
    files: false,
    threads: false,
    interactive: false,
    maxMessageLength: 1_000_000,
  };
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

  const intakeOver = (store: QueueStore, persisted: boolean) => {
    const { logger } = createTestLogger('warn');
    const pipeline = createDeliveryPipeline({
      destination: (id) => (id === sinkId ? stuck : undefined),
      settings: DeliverySettings.parse({}),
      logger,
      store,
    });
    const dispatch = createEventDispatcher({
      fanout: () => ({ channels: [], sinks: [{ destinationId: sinkId, channelId: '' }] }),
      notificationsEnabled: () => true,
      capabilities: () => sinkCapabilities,
      outbox: pipeline,
      logger,
    });
    const handler = createWebhookIntake({
      entries: () => [{ key: 'hook', rawConfig: new Uint8Array() }],
      auth: () => ({ type: 'none' }),
      sourceClient: () => plugin,
      wantsEnvelope: () => false,
      context: () => ({
        interactive: false,
        clusterName: 'c',
        sourceName: 'alerts',
        incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
      }),
      dispatch,
      ...(persisted ? { persisted: () => pipeline.persisted(), persistTimeoutMs: 300 } : {}),
    })('alerts');
    if (!handler) throw new Error('no handler');
    return { handler, pipeline };
  };

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
    const { handler, pipeline } = intakeOver(slow, true);
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
    const full = intakeOver(failing, true);
    await expect(full.handler.handle(Buffer.from('x'), {})).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('not stored in the delivery queue: SQLITE_FULL'),
    });
    await full.pipeline.close({ drainMs: 0 });

    const never: QueueStore = { ...failing, append: () => new Promise(() => {}) };
    const hung = intakeOver(never, true);
    await expect(hung.handler.handle(Buffer.from('x'), {})).rejects.toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('within 300 ms'),
    });
    await hung.pipeline.close({ drainMs: 0 });
  });
});
