import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import type { QueuedDelivery } from './queue.js';
import { openSqliteStore } from './sqlite-store.js';
import { storedQueueFactory } from './stored-queue.js';

const test = base.extend<{ dir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-stored-queue-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

const sinkEvent = (id: number): QueuedDelivery => ({
  id,
  lane: 'event',
  enqueuedAt: 1_000 + id,
  outbound: {
    address: { destinationId: 'team/webhook', channelId: '' },
    message: { baseBody: { plaintext: `event ${id}` }, timestamp: new Date('2026-12-01T10:00:00Z') },
    kind: 'event',
    sources: ['k8s'],
    dedupKey: `key-${id}`,
    rawObject: { i: id, at: new Date('2026-12-01T10:00:00Z') },
    idempotencyKey: `idem-${id}`,
  },
});

describe('storedQueueFactory', () => {
  test('a sink queue past its budget keeps only the place of newer events and reads them back from the file when due', async ({
    dir,
  }) => {
    const { logger } = createTestLogger();
    const { store } = openSqliteStore({
      file: join(dir, 'q.sqlite'),
      synchronous: 'normal',
      dedupWindowMs: 30_000,
      log: logger,
    });
    const queue = storedQueueFactory(store, { sinkBodiesInMemory: 3 })(
      { destinationId: 'team/webhook', channelId: '' },
      'sink',
      [],
    );
    const items = Array.from({ length: 8 }, (_, n) => sinkEvent(n + 1));
    for (const item of items) queue.put(item);
    // Spilled only once written: until then every body is the one handed in.
    expect(queue.peek('event', 8).every((item, n) => item === items[n])).toBe(true);
    await store.append([]);
    await Promise.resolve();

    const front = queue.peek('event', 2);
    expect(front[0]).toBe(items[0]);
    expect(front[1]).toBe(items[1]);
    const all = queue.peek('event', 8);
    // The newer ones come back from the file: equal (dates, raw object, keys), not the same objects.
    expect(all.slice(3).some((item, n) => item === items[n + 3])).toBe(false);
    expect(all).toEqual(items);
    expect(queue.size('event')).toBe(8);

    // Delivered ones leave the queue and the file; what is left is still read back whole.
    queue.remove([1, 2, 3, 4], 'posted');
    await store.append([]);
    expect(queue.peek('event', 10)).toEqual(items.slice(4));
    expect(store.counts().items).toBe(4);
    await store.close();
  });

  test('chat channels keep every body in memory: their copies share one message per event', async ({
    dir,
  }) => {
    const { logger } = createTestLogger();
    const { store } = openSqliteStore({
      file: join(dir, 'q.sqlite'),
      synchronous: 'normal',
      dedupWindowMs: 30_000,
      log: logger,
    });
    const chat = storedQueueFactory(store, { sinkBodiesInMemory: 1 })(
      { destinationId: 'team/slack', channelId: 'C1' },
      'chat',
      [],
    );
    const items = Array.from({ length: 4 }, (_, n) => sinkEvent(n + 1));
    for (const item of items) chat.put(item);
    await store.append([]);
    await Promise.resolve();
    expect(chat.peek('event', 4).every((item, n) => item === items[n])).toBe(true);
    await store.close();
  });
});
