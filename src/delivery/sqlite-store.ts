import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import { decodeOutbound, encodeOutbound } from './outbound-codec.js';
import type { PostedKey, QueueStore, Recovered, StoredItem } from './queue-store.js';

/** `settings.delivery.store.synchronous`: when SQLite waits for the disk (see docs/delivery.md). */
export type SyncPolicy = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** The database file (its `-wal` and `-shm` companions sit next to it). */
  file: string;
  synchronous: SyncPolicy;
  /** Posted dedup keys older than this are forgotten (and not recovered). */
  dedupWindowMs: number;
  log: Logger;
  now?: () => number;
}

/** A store opened from its file, with what the previous run left. */
export interface OpenedSqliteStore {
  store: QueueStore;
  recovered: Recovered;
  /** Where a damaged file was moved to, when it was. */
  quarantined?: string;
}

/**
 * SQLite error codes that mean the file itself is bad (damaged, truncated, not a database, or a
 * database of another shape): retrying cannot help, so it is quarantined. Anything else (cannot
 * open, read-only, busy, disk full) is about the environment and is reported instead.
 */
const damaged = /^SQLITE_(CORRUPT|NOTADB|FORMAT|IOERR_SHORT_READ|ERROR$)/;
/** Posted keys past the window are deleted at most this often. */
const pruneEveryMs = 30_000;

const schema = `
CREATE TABLE IF NOT EXISTS items (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  lane TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  outbound TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posted (
  destination TEXT NOT NULL,
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  sources TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  PRIMARY KEY (destination, channel, dedup_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS posted_by_time ON posted (posted_at);
`;

interface ItemRow {
  id: number;
  destination: string;
  channel: string;
  kind: string;
  lane: string;
  enqueued_at: number;
  outbound: string;
}

interface PostedRow {
  destination: string;
  channel: string;
  dedup_key: string;
  sources: string;
  posted_at: number;
}

/**
 * The key a destination that deduplicates could use to drop a re-post after a crash: the event's
 * content key (copies of one event share it) or, for replies, the item id (stable across restarts).
 */
export function idempotencyKey(item: StoredItem): string {
  const scope = `${item.destinationId}/${item.channelId}`;
  return item.lane === 'event' && item.outbound.dedupKey
    ? `${scope}/event/${item.outbound.dedupKey}`
    : `${scope}/item/${item.id}`;
}

/**
 * Opens (or creates) the queue file in WAL mode and reads what it holds. A damaged file is
 * renamed to `<file>.corrupt-<time>` (with its WAL), reported with SB_ERR_QUEUE_CORRUPT, and
 * replaced by an empty one, so a bad file never stops the agent. A file that cannot be opened
 * at all (permissions, missing directory) throws SB_ERR_QUEUE_STORE naming it.
 */
export function openSqliteStore(options: SqliteStoreOptions): OpenedSqliteStore {
  const now = options.now ?? Date.now;
  try {
    return openChecked(options, now);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!damaged.test(code) || !existsSync(options.file)) throw openError(options.file, err);
    const quarantined = `${options.file}.corrupt-${new Date(now()).toISOString().replaceAll(':', '')}`;
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(options.file + suffix)) renameSync(options.file + suffix, quarantined + suffix);
    const error = new SwitchboardError(
      'SB_ERR_QUEUE_CORRUPT',
      `delivery queue file ${options.file} is damaged (${(err as Error).message}); it was moved to ${quarantined} and the agent starts with an empty queue: messages it held are not delivered`,
      { cause: err },
    );
    options.log.error(
      { code: error.code, file: options.file, quarantined, err: error.message },
      'delivery queue file damaged; quarantined',
    );
    try {
      return { ...openChecked(options, now), quarantined };
    } catch (again) {
      throw openError(options.file, again);
    }
  }
}

function openError(file: string, err: unknown): SwitchboardError {
  return new SwitchboardError(
    'SB_ERR_QUEUE_STORE',
    `cannot open the delivery queue file ${file}: ${(err as Error).message}; check that settings.delivery.store points into a writable state directory, or set settings.delivery.store.type to memory`,
    { cause: err },
  );
}

function openChecked(options: SqliteStoreOptions, now: () => number): OpenedSqliteStore {
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      const err = new Error(`integrity check failed: ${String(check)}`);
      Object.assign(err, { code: 'SQLITE_CORRUPT' });
      throw err;
    }
    db.exec(schema);
    const recovered = recover(db, options, now());
    return { store: sqliteStore(db, options, now), recovered };
  } catch (err) {
    db.close();
    throw err;
  }
}

function recover(db: Database.Database, options: SqliteStoreOptions, now: number): Recovered {
  const items: StoredItem[] = [];
  const bad: number[] = [];
  for (const row of db.prepare('SELECT * FROM items ORDER BY id').iterate() as Iterable<ItemRow>) {
    try {
      items.push({
        id: row.id,
        destinationId: row.destination,
        channelId: row.channel,
        kind: row.kind === 'sink' ? 'sink' : 'chat',
        lane: row.lane === 'event' ? 'event' : 'reply',
        enqueuedAt: row.enqueued_at,
        outbound: decodeOutbound(row.outbound),
      });
    } catch (err) {
      bad.push(row.id);
      options.log.error(
        { code: 'SB_ERR_QUEUE_CORRUPT', file: options.file, id: row.id, err: (err as Error).message },
        'delivery queue item unreadable; dropped',
      );
    }
  }
  const drop = db.prepare('DELETE FROM items WHERE id = ?');
  for (const id of bad) drop.run(id);
  db.prepare('DELETE FROM posted WHERE posted_at < ?').run(now - options.dedupWindowMs);
  const posted = (db.prepare('SELECT * FROM posted ORDER BY posted_at').all() as PostedRow[]).map(
    (row): PostedKey => ({
      destinationId: row.destination,
      channelId: row.channel,
      dedupKey: row.dedup_key,
      sources: JSON.parse(row.sources) as string[],
      postedAt: row.posted_at,
    }),
  );
  return { items, posted, unreadable: bad.length };
}

type Op =
  | { kind: 'append'; rows: { item: StoredItem; text: string }[] }
  | { kind: 'ack'; ids: readonly number[]; posted: readonly PostedKey[] };

/**
 * Writes are batched: every call made in one turn of the event loop goes into one transaction,
 * run before the next I/O callback, so a webhook answered after `append` was called finds its
 * event written (and a fan-out to twenty channels costs one commit, not twenty).
 */
function sqliteStore(db: Database.Database, options: SqliteStoreOptions, now: () => number): QueueStore {
  const insert = db.prepare(
    `INSERT INTO items (id, destination, channel, kind, lane, enqueued_at, idempotency_key, outbound)
     VALUES (@id, @destination, @channel, @kind, @lane, @enqueuedAt, @key, @outbound)
     ON CONFLICT (id) DO UPDATE SET outbound = excluded.outbound`,
  );
  const remove = db.prepare('DELETE FROM items WHERE id = ?');
  const remember = db.prepare(
    `INSERT INTO posted (destination, channel, dedup_key, sources, posted_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET sources = excluded.sources, posted_at = excluded.posted_at`,
  );
  const prune = db.prepare('DELETE FROM posted WHERE posted_at < ?');
  const sizes = new Map<number, number>();
  let bytes = 0;
  const sized = db.prepare('SELECT id, length(outbound) AS size FROM items');
  for (const row of sized.iterate() as Iterable<{ id: number; size: number }>) {
    sizes.set(row.id, row.size);
    bytes += row.size;
  }
  let ops: Op[] = [];
  let settle: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  let scheduled = false;
  let closed = false;
  let prunedAt = now();

  const write = db.transaction((batch: Op[]) => {
    for (const op of batch) {
      if (op.kind === 'append') {
        for (const { item, text } of op.rows)
          insert.run({
            id: item.id,
            destination: item.destinationId,
            channel: item.channelId,
            kind: item.kind,
            lane: item.lane,
            enqueuedAt: item.enqueuedAt,
            key: idempotencyKey(item),
            outbound: text,
          });
      } else {
        for (const id of op.ids) remove.run(id);
        for (const p of op.posted)
          remember.run(p.destinationId, p.channelId, p.dedupKey, JSON.stringify(p.sources), p.postedAt);
      }
    }
    const t = now();
    if (t - prunedAt >= pruneEveryMs) {
      prunedAt = t;
      prune.run(t - options.dedupWindowMs);
    }
  });

  const flush = (): void => {
    scheduled = false;
    const batch = ops;
    const waiting = settle;
    ops = [];
    settle = [];
    if (batch.length === 0) return;
    try {
      write(batch);
      for (const w of waiting) w.resolve();
    } catch (err) {
      const error = new SwitchboardError(
        'SB_ERR_QUEUE_STORE',
        `writing the delivery queue file ${options.file} failed: ${(err as Error).message}; the messages stay queued in memory but would not survive a restart`,
        { cause: err },
      );
      options.log.error(
        { code: error.code, file: options.file, err: error.message },
        'delivery queue write failed',
      );
      for (const w of waiting) w.reject(error);
    }
  };

  const enqueue = (op: Op): Promise<void> => {
    if (closed) return Promise.resolve();
    ops.push(op);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
    return new Promise((resolve, reject) => settle.push({ resolve, reject }));
  };

  return {
    append(items) {
      const rows = items.map((item) => {
        const text = encodeOutbound(item.outbound);
        bytes += text.length - (sizes.get(item.id) ?? 0);
        sizes.set(item.id, text.length);
        return { item, text };
      });
      return enqueue({ kind: 'append', rows });
    },
    ack(ids, posted = []) {
      for (const id of ids) {
        bytes -= sizes.get(id) ?? 0;
        sizes.delete(id);
      }
      return enqueue({ kind: 'ack', ids, posted });
    },
    counts: () => ({ items: sizes.size, bytes }),
    close() {
      if (closed) return Promise.resolve();
      flush();
      closed = true;
      db.close();
      return Promise.resolve();
    },
  };
}
