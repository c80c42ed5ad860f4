import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import { RecordingDestination } from '../../test/support/recording-destination.js';
import { createTestLogger, waitFor } from '../../test/support/test-logger.js';
import { DeliverySettings } from '../config/slices/settings.js';
import { plaintextMessage } from '../contract/message.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Destination, Outbound } from './destination.js';
import { createDeliveryPipeline, type DeliveryPipeline } from './pipeline.js';
import { createMemoryStore } from './queue-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { storedQueueFactory } from './stored-queue.js';

class RecordingSink extends RecordingDestination {
  override readonly kind = 'sink' as const;
}

interface Rig {
  /** A pipeline over the queue file of this test (each call is a new "run" of the agent). */
  run(
    destinations: Destination[],
    options?: { capBytes?: number },
  ): {
    pipeline: DeliveryPipeline;
    lines: Record<string, unknown>[];
    metrics: ReturnType<typeof createMetrics>;
  };
}

const settings = DeliverySettings.parse({
  groupWait: '0s',
  retry: { initialBackoff: '10ms', maxBackoff: '50ms' },
});

const test = base.extend<{ rig: Rig }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  rig: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-durable-pipeline-'));
    const open: DeliveryPipeline[] = [];
    await use({
      run(destinations, options = {}) {
        const { logger, lines } = createTestLogger('debug');
        const metrics = createMetrics();
        const byId = new Map(destinations.map((d) => [d.id, d]));
        const { store, recovered } = openSqliteStore({
          file: join(dir, 'queue.sqlite'),
          synchronous: 'normal',
          dedupWindowMs: settings.dedupWindow.ms,
          log: logger,
        });
        const pipeline = createDeliveryPipeline({
          destination: (id) => byId.get(id),
          settings,
          logger,
          metrics,
          store,
          recovered,
          capBytes: options.capBytes ?? 64 * 1024 * 1024,
        });
        open.push(pipeline);
        return { pipeline, lines, metrics };
      },
    });
    for (const pipeline of open) await pipeline.close({ drainMs: 0 });
    await rm(dir, { recursive: true, force: true });
  },
});

const event = (destinationId: string, channelId: string, text: string, source = 'k8s'): Outbound => ({
  address: { destinationId, channelId },
  message: plaintextMessage(text),
  kind: 'event',
  sources: [source],
  dedupKey: `key:${text}`,
});

const texts = (d: RecordingDestination, channelId?: string) =>
  d.received
    .filter((o) => channelId === undefined || o.address.channelId === channelId)
    .map((o) => o.message.baseBody.plaintext);

describe('delivery pipeline over the SQLite store', () => {
  test('a new run delivers, in order per channel, what the last one could not', async ({ rig }) => {
    const down = new RecordingDestination('team/chat');
    down.failNext = Number.POSITIVE_INFINITY;
    const first = rig.run([down]);
    for (let n = 1; n <= 5; n++) void first.pipeline.send(event('team/chat', 'C1', `c1-${n}`));
    for (let n = 1; n <= 3; n++) void first.pipeline.send(event('team/chat', 'C2', `c2-${n}`));
    void first.pipeline.send({
      address: { destinationId: 'team/chat', channelId: 'C2' },
      message: plaintextMessage('answer'),
    });
    await new Promise((r) => setTimeout(r, 100));
    await first.pipeline.close({ drainMs: 0 });
    expect(down.received).toEqual([]);

    const up = new RecordingDestination('team/chat');
    const second = rig.run([up]);
    expect(second.pipeline.storeStatus()).toMatchObject({ items: 9, awaitingDestination: 9 });
    second.pipeline.resume();
    await waitFor(() => up.received.length === 9, 5000, 'nine messages');
    expect(texts(up, 'C1')).toEqual(['c1-1', 'c1-2', 'c1-3', 'c1-4', 'c1-5']);
    // The answer goes ahead of the channel's events, as it would have in the first run.
    expect(texts(up, 'C2')).toEqual(['answer', 'c2-1', 'c2-2', 'c2-3']);
    expect(
      second.lines.find((l) => l.msg === 'delivering messages left in the queue by the previous run'),
    ).toMatchObject({ messages: 9 });
    await waitFor(() => second.pipeline.storeStatus().items === 0, 2000, 'an empty store');
  });

  test('an event confirmed before the restart is not posted again when a copy comes through another group', async ({
    rig,
  }) => {
    const chat = new RecordingDestination('team/chat');
    const first = rig.run([chat]);
    await first.pipeline.send(event('team/chat', 'C1', 'pod restarted', 'group-a'));
    await first.pipeline.close({ drainMs: 1000 });

    const again = new RecordingDestination('team/chat');
    const second = rig.run([again]);
    second.pipeline.resume();
    const ref = await second.pipeline.send(event('team/chat', 'C1', 'pod restarted', 'group-b'));
    // Delivered before the restart: its message id was not kept.
    expect(ref).toEqual({ channelId: 'C1', messageId: '' });
    expect(again.received).toEqual([]);
    // A new occurrence from the group it came through is delivered (only the fan-out copy is suppressed).
    await second.pipeline.send(event('team/chat', 'C1', 'pod restarted', 'group-a'));
    expect(texts(again)).toEqual(['pod restarted']);
  });

  test('a copy through another group merges its source into a sink event whose body was spilled to the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-durable-spill-'));
    const { logger } = createTestLogger('silent');
    const { store, recovered } = openSqliteStore({
      file: join(dir, 'queue.sqlite'),
      synchronous: 'normal',
      dedupWindowMs: settings.dedupWindow.ms,
      log: logger,
    });
    const sink = new RecordingSink('team/hook');
    sink.failNext = Number.POSITIVE_INFINITY;
    const pipeline = createDeliveryPipeline({
      destination: (id) => (id === sink.id ? sink : undefined),
      settings: { ...settings, sinkConcurrency: 1 },
      logger,
      store,
      recovered,
      capBytes: 64 * 1024 * 1024,
      // Two bodies in memory: the later events keep only their place, their bodies are in the file.
      queue: storedQueueFactory(store, { sinkBodiesInMemory: 2 }),
    });
    try {
      for (let n = 1; n <= 20; n++) pipeline.post?.(event('team/hook', '', `e${n}`, 'group-a'));
      await pipeline.persisted();
      await new Promise((r) => setTimeout(r, 20));
      const merged = pipeline.send(event('team/hook', '', 'e15', 'group-b'));
      sink.failNext = 0;
      expect(await merged).toBeDefined();
      await waitFor(() => sink.received.length >= 20, 5000, 'twenty events at the sink');
      expect(texts(sink)).toEqual(Array.from({ length: 20 }, (_, k) => `e${k + 1}`));
      expect(sink.received[14]?.sources).toEqual(['group-a', 'group-b']);
      expect(sink.received.filter((o) => o.sources?.includes('group-b'))).toHaveLength(1);
    } finally {
      await pipeline.close({ drainMs: 0 });
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a message for a destination not configured now stays stored until its channel is used', async ({
    rig,
  }) => {
    const down = new RecordingDestination('team/chat');
    down.failNext = Number.POSITIVE_INFINITY;
    const first = rig.run([down]);
    void first.pipeline.send(event('team/chat', 'C1', 'kept'));
    await new Promise((r) => setTimeout(r, 50));
    await first.pipeline.close({ drainMs: 0 });

    const second = rig.run([]);
    second.pipeline.resume();
    expect(
      second.lines.find((l) =>
        String(l.msg).startsWith('queued messages for destinations that are not configured'),
      ),
    ).toMatchObject({
      channels: [{ destination: 'team/chat', channel: 'C1', items: 1 }],
    });
    expect(second.pipeline.storeStatus()).toMatchObject({ items: 1, awaitingDestination: 1 });
    await second.pipeline.close({ drainMs: 0 });

    const up = new RecordingDestination('team/chat');
    const third = rig.run([up]);
    await third.pipeline.send(event('team/chat', 'C1', 'new'));
    expect(texts(up)).toEqual(['kept', 'new']);
  });

  test('at the size cap the oldest events are dropped, and exactly those are counted', async ({ rig }) => {
    const sink = new RecordingSink('team/webhook');
    sink.failNext = Number.POSITIVE_INFINITY;
    const { pipeline, lines, metrics } = rig.run([sink], { capBytes: 20_000 });
    const total = 200;
    for (let n = 0; n < total; n++)
      void pipeline.send(event('team/webhook', '', `event-${n} ${'x'.repeat(200)}`));
    await new Promise((r) => setTimeout(r, 50));
    const { droppedAtCap, bytes } = pipeline.storeStatus();
    expect(droppedAtCap).toBeGreaterThan(50);
    // The cap is checked before each message is written, so the store may pass it by one message.
    expect(bytes).toBeLessThanOrEqual(20_000 + 500);
    expect(lines.find((l) => String(l.msg).startsWith('delivery queue file at its size cap'))).toMatchObject({
      level: 40,
      capBytes: 20_000,
    });
    sink.failNext = 0;
    await waitFor(() => pipeline.storeStatus().items === 0, 5000, 'the queue to drain');
    const delivered = new Set(texts(sink));
    expect(delivered.size).toBe(total - droppedAtCap);
    // Oldest first: the newest event is there, the first ones that were not in flight are not.
    expect(delivered.has(`event-${total - 1} ${'x'.repeat(200)}`)).toBe(true);
    const dropped = (
      await metrics.registry.getSingleMetric('switchboard_delivery_store_dropped_total')?.get()
    )?.values;
    expect(dropped?.[0]).toMatchObject({ labels: { destination: 'team/webhook' }, value: droppedAtCap });
  });

  test('at the size cap a chat channel is told in its next digest, with the count and the reason', async ({
    rig,
  }) => {
    const chat = new RecordingDestination('team/slack');
    chat.failNext = Number.POSITIVE_INFINITY;
    const { pipeline } = rig.run([chat], { capBytes: 20_000 });
    for (let n = 0; n < 200; n++)
      void pipeline.send(event('team/slack', 'C1', `event-${n} ${'x'.repeat(200)}`));
    await new Promise((r) => setTimeout(r, 50));
    const { droppedAtCap } = pipeline.storeStatus();
    expect(droppedAtCap).toBeGreaterThan(50);
    chat.failNext = 0;
    await waitFor(() => pipeline.storeStatus().items === 0, 5000, 'the queue to drain');
    const notes = chat.received.flatMap((o) => o.message.sections?.[0]?.context?.map((c) => c.text) ?? []);
    const note = notes.find((t) => t.includes('the delivery queue file reached its size cap'));
    expect(note).toBeDefined();
    const counted = notes
      .map((t) => /^… and ([\d,]+) more events? whose details were dropped/.exec(t)?.[1])
      .filter((n): n is string => n !== undefined)
      .reduce((sum, n) => sum + Number(n.replaceAll(',', '')), 0);
    // Every event the cap dropped is announced in the channel, exactly.
    expect(counted).toBe(droppedAtCap);
  });

  test('the memory store keeps the memory bounds: past queueLimit.perChannel events are counted, not queued', async () => {
    const sink = new RecordingSink('team/webhook');
    sink.failNext = Number.POSITIVE_INFINITY;
    const { logger } = createTestLogger('debug');
    const metrics = createMetrics();
    const pipeline = createDeliveryPipeline({
      destination: () => sink,
      settings: DeliverySettings.parse({ queueLimit: { perChannel: 10 }, groupWait: '0s' }),
      logger,
      metrics,
      store: createMemoryStore(),
    });
    for (let n = 0; n < 15; n++) void pipeline.send(event('team/webhook', '', `e${n}`));
    expect(pipeline.storeStatus()).toEqual({ items: 10, bytes: 0, droppedAtCap: 0, awaitingDestination: 0 });
    const overflow = (await metrics.registry.getSingleMetric('switchboard_delivery_overflow_total')?.get())
      ?.values;
    expect(overflow?.[0]?.value).toBe(5);
    await pipeline.close({ drainMs: 0 });
  });
});
