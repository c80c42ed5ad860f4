import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventDispatcher } from '../../src/bridge/source/event-dispatch.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import { encodeEvent } from '../../src/contract/event.js';
import type { Destination, DestinationCapabilities } from '../../src/delivery/destination.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { openSqliteStore } from '../../src/delivery/sqlite-store.js';
import { createTestLogger } from '../support/test-logger.js';

/**
 * Issue 19 point 3 through the real chain: the source dispatcher fans one event out to twenty
 * chat channels and a sink, the pipeline queues twenty-one copies, and the queue file stores
 * the event's message once, and the chat copies as one fanout row.
 */
const capabilities: DestinationCapabilities = {
  edit: false,
  files: true,
  threads: false,
  interactive: false,
  maxMessageLength: 3000,
};
/** Destinations that never answer: every copy stays queued in the file. */
const silent = (id: string, kind: 'chat' | 'sink'): Destination => ({
  id,
  kind,
  capabilities,
  deliver: () => new Promise(() => {}),
});

describe('fan-out into the queue file', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores the message of an event once for twenty channels and a sink, and the copies come back after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-fanout-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'q.sqlite');
    const { logger } = createTestLogger('warn');
    const settings = DeliverySettings.parse({});
    const opened = openSqliteStore({ file, synchronous: 'normal', dedupWindowMs: 30_000, log: logger });
    const chat = silent('team/slack', 'chat');
    const sink = silent('team/webhook', 'sink');
    const pipeline = createDeliveryPipeline({
      destination: (id) => (id === chat.id ? chat : id === sink.id ? sink : undefined),
      settings,
      logger,
      store: opened.store,
      recovered: opened.recovered,
      capBytes: 2 ** 20,
    });
    const channels = Array.from({ length: 20 }, (_, k) => ({ destinationId: chat.id, channelId: `C${k}` }));
    const dispatch = createEventDispatcher({
      fanout: () => ({ channels, sinks: [{ destinationId: sink.id, channelId: '' }] }),
      notificationsEnabled: () => true,
      capabilities: () => capabilities,
      outbox: pipeline,
      logger,
    });
    const text = `Pod default/web-1 restarted ${'x'.repeat(1500)}`;
    dispatch('k8s', encodeEvent({ message: { baseBody: { plaintext: text } }, rawObject: { pod: 'web-1' } }));
    await pipeline.persisted();

    const reader = new Database(file, { readonly: true });
    const events = reader.prepare('SELECT message FROM events').all() as { message: string }[];
    const items = reader.prepare('SELECT channel, length(outbound) AS size FROM items').all() as {
      channel: string;
      size: number;
    }[];
    const fanouts = reader.prepare('SELECT copies, length(outbound) AS size FROM fanouts').all() as {
      copies: string;
      size: number;
    }[];
    reader.close();
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toContain('web-1 restarted');
    // The twenty chat copies are one fanout row listing their channels; the sink's copy (with its
    // raw object and idempotency key) is an items row.
    expect(fanouts).toHaveLength(1);
    expect((JSON.parse(fanouts[0]?.copies ?? '[]') as [number, string][]).map((c) => c[1])).toEqual(
      channels.map((c) => c.channelId),
    );
    expect(items.map((i) => i.channel)).toEqual(['']);
    // Neither keeps the 1.5 kB message.
    expect(Math.max(...items.map((i) => i.size), ...fanouts.map((f) => f.size))).toBeLessThan(500);
    // The cap counts the message once.
    expect(pipeline.storeStatus().bytes).toBeLessThan(1600 + 21 * 500);
    await pipeline.close({ drainMs: 0 });

    const again = openSqliteStore({ file, synchronous: 'normal', dedupWindowMs: 30_000, log: logger });
    cleanups.push(() => again.store.close());
    const copies = again.recovered.items;
    expect(copies.map((c) => c.channelId).sort()).toEqual([...channels.map((c) => c.channelId), ''].sort());
    expect(new Set(copies.map((c) => c.outbound.message)).size).toBe(1);
    expect(copies.find((c) => c.kind === 'sink')?.outbound.rawObject).toEqual({ pod: 'web-1' });
  });
});
