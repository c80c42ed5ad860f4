import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test as base, describe, expect } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import { plaintextMessage } from '../contract/message.js';
import type { StoredItem } from './queue-store.js';
import { openSqliteStore } from './sqlite-store.js';

const test = base.extend<{ dir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-sqlite-store-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

const item = (id: number, text: string, extra: Partial<StoredItem> = {}): StoredItem => ({
  id,
  destinationId: 'team/slack',
  channelId: 'C1',
  kind: 'chat',
  lane: 'event',
  enqueuedAt: 1_000 + id,
  outbound: {
    address: { destinationId: 'team/slack', channelId: 'C1' },
    message: plaintextMessage(text),
    kind: 'event',
    dedupKey: `key-${id}`,
    sources: ['k8s'],
  },
  ...extra,
});

const open = (file: string, now = () => 10_000) => {
  const { logger, lines } = createTestLogger();
  const opened = openSqliteStore({ file, synchronous: 'normal', dedupWindowMs: 30_000, log: logger, now });
  return { ...opened, lines };
};

describe('openSqliteStore', () => {
  test('keeps appended items until acked, in id order, with dates and files intact, across a reopen', async ({
    dir,
  }) => {
    const file = join(dir, 'q.sqlite');
    const first = open(file);
    const withFile = item(3, 'reply', {
      lane: 'reply',
      outbound: {
        address: { destinationId: 'team/slack', channelId: 'C1' },
        message: { ...plaintextMessage('long'), timestamp: new Date('2026-12-01T10:00:00Z') },
        // A Buffer, as plugins hand files over: its toJSON must not be what gets stored.
        file: { name: 'out.txt', content: Buffer.from([0, 1, 2, 250]) },
      },
    });
    await first.store.append([item(1, 'one'), item(2, 'two'), withFile]);
    // A replacement keeps the item's place (an edit collapsed, or sources merged).
    await first.store.append([item(1, 'one, merged')]);
    await first.store.ack(
      [2],
      [
        {
          destinationId: 'team/slack',
          channelId: 'C1',
          dedupKey: 'key-2',
          sources: ['k8s'],
          postedAt: 9_000,
        },
      ],
    );
    expect(first.store.counts().items).toBe(2);
    await first.store.close();

    const second = open(file);
    expect(second.recovered.items.map((i) => [i.id, i.outbound.message.baseBody.plaintext])).toEqual([
      [1, 'one, merged'],
      [3, 'long'],
    ]);
    const reply = second.recovered.items[1];
    expect(reply?.lane).toBe('reply');
    expect(reply?.outbound.message.timestamp).toEqual(new Date('2026-12-01T10:00:00Z'));
    expect(reply?.outbound.file?.content).toEqual(new Uint8Array([0, 1, 2, 250]));
    expect(second.recovered.posted).toEqual([
      { destinationId: 'team/slack', channelId: 'C1', dedupKey: 'key-2', sources: ['k8s'], postedAt: 9_000 },
    ]);
    expect(second.store.counts()).toEqual({ items: 2, bytes: expect.any(Number) });
    expect(second.store.counts().bytes).toBeGreaterThan(100);
    await second.store.close();
  });

  test('forgets posted keys older than the dedup window', async ({ dir }) => {
    const file = join(dir, 'q.sqlite');
    const first = open(file);
    await first.store.ack(
      [],
      [
        { destinationId: 'd', channelId: 'c', dedupKey: 'old', sources: [], postedAt: 1_000 },
        { destinationId: 'd', channelId: 'c', dedupKey: 'new', sources: [], postedAt: 50_000 },
      ],
    );
    await first.store.close();
    const second = open(file, () => 60_000);
    expect(second.recovered.posted.map((p) => p.dedupKey)).toEqual(['new']);
    await second.store.close();
  });

  test('quarantines a file that is not a database and starts empty, saying so with SB_ERR_QUEUE_CORRUPT', async ({
    dir,
  }) => {
    const file = join(dir, 'q.sqlite');
    await writeFile(file, 'this is not an SQLite database, just some text that is long enough. '.repeat(100));
    const opened = open(file);
    expect(opened.recovered.items).toEqual([]);
    expect(opened.quarantined).toMatch(/q\.sqlite\.corrupt-/);
    expect(await readFile(opened.quarantined as string, 'utf8')).toContain('not an SQLite database');
    const logged = opened.lines.find((l) => l.msg === 'delivery queue file damaged; quarantined');
    expect(logged).toMatchObject({
      level: 50,
      code: 'SB_ERR_QUEUE_CORRUPT',
      file,
      quarantined: opened.quarantined,
    });
    await opened.store.append([item(1, 'fresh')]);
    await opened.store.close();
    expect(open(file).recovered.items).toHaveLength(1);
  });

  test('quarantines a truncated file and starts empty', async ({ dir }) => {
    const file = join(dir, 'q.sqlite');
    const first = open(file);
    await first.store.append(
      Array.from({ length: 400 }, (_, n) => item(n + 1, `event ${n} ${'x'.repeat(400)}`)),
    );
    await first.store.close();
    // Checkpointed on close: the pages are in the main file; cut it in the middle of the table.
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const { size } = await stat(file);
    await truncate(file, Math.floor(size / 2));
    const opened = open(file);
    expect(opened.quarantined).toBeDefined();
    expect(opened.recovered.items).toEqual([]);
    expect(opened.lines.some((l) => l.code === 'SB_ERR_QUEUE_CORRUPT')).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.corrupt-')).length).toBeGreaterThanOrEqual(1);
    await opened.store.close();
  });

  test('drops an unreadable item with SB_ERR_QUEUE_CORRUPT and keeps the others', async ({ dir }) => {
    const file = join(dir, 'q.sqlite');
    const first = open(file);
    // A reply is an items row of its own; the events of chat channels go into fanout rows.
    await first.store.append([
      item(1, 'one', { lane: 'reply' }),
      item(2, 'two', { lane: 'reply' }),
      item(3, 'three'),
      item(4, 'four'),
    ]);
    await first.store.close();
    const db = new Database(file);
    db.prepare('UPDATE items SET outbound = ? WHERE id = 1').run('{"address": ');
    const { id } = db.prepare('SELECT id FROM fanouts ORDER BY id LIMIT 1').get() as { id: number };
    db.prepare('UPDATE fanouts SET copies = ? WHERE id = ?').run('[[3, "C1"', id);
    db.close();
    const opened = open(file);
    expect(opened.recovered.items.map((i) => i.id)).toEqual([2, 4]);
    expect(opened.recovered.unreadable).toBe(2);
    expect(opened.lines.find((l) => l.msg === 'delivery queue item unreadable; dropped')).toMatchObject({
      code: 'SB_ERR_QUEUE_CORRUPT',
      id: 1,
    });
    expect(opened.quarantined).toBeUndefined();
    await opened.store.close();
  });

  test('a file that cannot be opened is SB_ERR_QUEUE_STORE naming it, not a quarantine', async ({ dir }) => {
    const file = join(dir, 'missing-dir', 'q.sqlite');
    expect(() => open(file)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_QUEUE_STORE', message: expect.stringContaining(file) }),
    );
  });

  test('stores the message of an event once for all its copies, and deletes it with the last copy', async ({
    dir,
  }) => {
    const file = join(dir, 'q.sqlite');
    const first = open(file);
    const message = {
      ...plaintextMessage(`shared ${'x'.repeat(2000)}`),
      timestamp: new Date('2026-12-01T10:00:00Z'),
    };
    const copies = Array.from({ length: 20 }, (_, n) =>
      item(n + 1, '', {
        channelId: `C${n}`,
        outbound: {
          address: { destinationId: 'team/slack', channelId: `C${n}` },
          message,
          kind: 'event',
          sources: ['k8s'],
        },
      }),
    );
    await first.store.append(copies);
    // Twenty copies cost one message plus twenty small parts, not twenty messages.
    expect(first.store.counts().items).toBe(20);
    expect(first.store.counts().bytes).toBeLessThan(2000 + 20 * 300);
    await first.store.ack(copies.slice(0, 18).map((c) => c.id));
    await first.store.close();

    const db = new Database(file);
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    // One fanout row lists the twenty copies; one acks row names the eighteen confirmed.
    expect(db.prepare('SELECT count(*) AS n FROM fanouts').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT items FROM acks').all()).toEqual([
      { items: JSON.stringify(copies.slice(0, 18).map((c) => c.id)) },
    ]);
    db.close();

    const second = open(file);
    const [a, b] = second.recovered.items;
    expect(second.recovered.items.map((i) => [i.id, i.channelId, i.outbound.address.channelId])).toEqual([
      [19, 'C18', 'C18'],
      [20, 'C19', 'C19'],
    ]);
    // Recovered copies share one Message again (one summary, one stored row after a restart too).
    expect(a?.outbound.message).toBe(b?.outbound.message);
    expect(a?.outbound.message).toEqual(message);
    await second.store.ack([19, 20]);
    expect(second.store.counts()).toEqual({ items: 0, bytes: 0 });
    await second.store.close();
    const after = new Database(file);
    for (const table of ['events', 'fanouts', 'acks', 'items'])
      expect(after.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    after.close();
  });

  test('fanout copies: confirmed ones stay confirmed across restarts, a replaced one keeps its place, and rows go once nothing needs them', async ({
    dir,
  }) => {
    const file = join(dir, 'q.sqlite');
    const tables = () => {
      const db = new Database(file);
      const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      const counts = { events: n('events'), fanouts: n('fanouts'), acks: n('acks'), items: n('items') };
      db.close();
      return counts;
    };
    const copy = (id: number, message: ReturnType<typeof plaintextMessage>, channel: string) =>
      item(id, '', {
        channelId: channel,
        enqueuedAt: 5_000 + id,
        outbound: {
          address: { destinationId: 'team/slack', channelId: channel },
          message,
          kind: 'event',
          dedupKey: `key-${message.baseBody.plaintext}`,
          sources: ['k8s'],
        },
      });
    const a = plaintextMessage('a');
    const b = plaintextMessage('b');
    const first = open(file);
    // Two events to three channels, in one turn: two fanout rows.
    await first.store.append([
      copy(1, a, 'C1'),
      copy(2, a, 'C2'),
      copy(3, a, 'C3'),
      copy(4, b, 'C1'),
      copy(5, b, 'C2'),
      copy(6, b, 'C3'),
    ]);
    // C1 posted both (one acks row), C2's copy of a got its sources merged (moves to items).
    await first.store.ack([1, 4]);
    await first.store.append([
      { ...copy(2, a, 'C2'), outbound: { ...copy(2, a, 'C2').outbound, sources: ['k8s', 'other'] } },
    ]);
    expect(first.store.counts().items).toBe(4);
    await first.store.close();
    expect(tables()).toEqual({ events: 2, fanouts: 2, acks: 2, items: 1 });

    const second = open(file);
    expect(
      second.recovered.items.map((i) => [
        i.id,
        i.channelId,
        i.enqueuedAt,
        i.outbound.message.baseBody.plaintext,
        i.outbound.sources,
        i.outbound.dedupKey,
      ]),
    ).toEqual([
      [2, 'C2', 5_002, 'a', ['k8s', 'other'], 'key-a'],
      [3, 'C3', 5_003, 'a', ['k8s'], 'key-a'],
      [5, 'C2', 5_005, 'b', ['k8s'], 'key-b'],
      [6, 'C3', 5_006, 'b', ['k8s'], 'key-b'],
    ]);
    expect(second.recovered.items[0]?.outbound.address).toEqual({
      destinationId: 'team/slack',
      channelId: 'C2',
    });
    expect(second.store.counts().items).toBe(4);
    // Event a is done everywhere: its fanout row, the acks rows naming only it, and its message go.
    await second.store.ack([2, 3]);
    await second.store.close();
    expect(tables()).toEqual({ events: 1, fanouts: 1, acks: 1, items: 0 });
    const third = open(file);
    expect(third.recovered.items.map((i) => i.id)).toEqual([5, 6]);
    await third.store.ack([5, 6]);
    expect(third.store.counts()).toEqual({ items: 0, bytes: 0 });
    await third.store.close();
    expect(tables()).toEqual({ events: 0, fanouts: 0, acks: 0, items: 0 });
  });

  test('a replaced item with another message lets go of the old one', async ({ dir }) => {
    const file = join(dir, 'q.sqlite');
    const opened = open(file);
    await opened.store.append([item(1, 'first text')]);
    await opened.store.append([item(1, 'second text')]);
    await opened.store.close();
    const db = new Database(file);
    expect(db.prepare('SELECT message FROM events').all()).toEqual([
      { message: expect.stringContaining('second text') },
    ]);
    db.close();
    expect(open(file).recovered.items.map((i) => i.outbound.message.baseBody.plaintext)).toEqual([
      'second text',
    ]);
  });

  test('reads and migrates a queue file of the first layout (one whole outbound per row)', async ({
    dir,
  }) => {
    const file = join(dir, 'q.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, destination TEXT NOT NULL, channel TEXT NOT NULL,
      kind TEXT NOT NULL, lane TEXT NOT NULL, enqueued_at INTEGER NOT NULL, idempotency_key TEXT NOT NULL,
      outbound TEXT NOT NULL);
      CREATE TABLE posted (destination TEXT NOT NULL, channel TEXT NOT NULL, dedup_key TEXT NOT NULL,
      sources TEXT NOT NULL, posted_at INTEGER NOT NULL, PRIMARY KEY (destination, channel, dedup_key)) WITHOUT ROWID;`);
    old.prepare('INSERT INTO items VALUES (7, ?, ?, ?, ?, ?, ?, ?)').run(
      'team/slack',
      'C1',
      'chat',
      'event',
      1_007,
      'k',
      JSON.stringify({
        address: { destinationId: 'team/slack', channelId: 'C1' },
        message: {
          baseBody: { plaintext: 'from the old layout' },
          timestamp: { $sb: 'date', v: '2026-12-01T10:00:00.000Z' },
        },
        kind: 'event',
        sources: ['k8s'],
      }),
    );
    old.close();
    const opened = open(file);
    expect(opened.quarantined).toBeUndefined();
    const [recovered] = opened.recovered.items;
    expect(recovered?.id).toBe(7);
    expect(recovered?.outbound.message.baseBody.plaintext).toBe('from the old layout');
    expect(recovered?.outbound.message.timestamp).toEqual(new Date('2026-12-01T10:00:00Z'));
    await opened.store.append([item(8, 'new layout')]);
    await opened.store.ack([7]);
    await opened.store.close();
    const reopened = open(file);
    expect(reopened.recovered.items.map((i) => [i.id, i.outbound.message.baseBody.plaintext])).toEqual([
      [8, 'new layout'],
    ]);
    await reopened.store.close();
  });

  test('quarantines a file of a newer layout, naming both layouts', async ({ dir }) => {
    const file = join(dir, 'q.sqlite');
    const newer = new Database(file);
    newer.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, whatever TEXT)');
    newer.pragma('user_version = 9');
    newer.close();
    const opened = open(file);
    expect(opened.quarantined).toMatch(/q\.sqlite\.corrupt-/);
    const logged = opened.lines.find((l) => l.msg === 'delivery queue file damaged; quarantined');
    expect(logged?.err).toContain(
      'queue layout 9, written by a newer Switchboard; this one reads layouts 0 to 3',
    );
    await opened.store.close();
  });
});
