import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Message } from '../contract/message.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import {
  decodeMessage,
  decodeOutbound,
  encodeMessage,
  encodeOutboundRest,
  joinOutbound,
} from './outbound-codec.js';
import type { PostedKey, QueueStore, Recovered, StoredItem } from './queue-store.js';
import { prepareQueueFile } from './sqlite-schema.js';

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

interface ItemRow {
  id: number;
  destination: string;
  channel: string;
  kind: string;
  lane: string;
  enqueued_at: number;
  outbound: string;
  event_id: number | null;
  message: string | null;
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
    prepareQueueFile(db);
    const { recovered, shared } = recover(db, options, now());
    return { store: sqliteStore(db, options, now, shared), recovered };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The stored message of one event and the queued copies that point at it. */
interface SharedEvent {
  id: number;
  message: Message;
  size: number;
  /** Queued items holding it; its row is deleted when the last is acked. */
  refs: number;
}

function recover(
  db: Database.Database,
  options: SqliteStoreOptions,
  now: number,
): { recovered: Recovered; shared: Map<number, SharedEvent> } {
  // Events no item points at any more (their last copy was acked by a run that stopped before
  // deleting them) would only take room.
  db.exec('DELETE FROM events WHERE id NOT IN (SELECT event_id FROM items WHERE event_id IS NOT NULL)');
  const items: StoredItem[] = [];
  const bad: number[] = [];
  /** Items by id → the event they share, so copies recovered together share one Message again. */
  const shared = new Map<number, SharedEvent>();
  const events = new Map<number, SharedEvent>();
  const rows = db
    .prepare(
      'SELECT items.*, events.message AS message FROM items LEFT JOIN events ON events.id = items.event_id ORDER BY items.id',
    )
    .iterate() as Iterable<ItemRow>;
  for (const row of rows) {
    try {
      let outbound: StoredItem['outbound'];
      if (row.event_id === null) outbound = decodeOutbound(row.outbound);
      else {
        let event = events.get(row.event_id);
        if (!event) {
          if (row.message === null) throw new Error(`its event ${row.event_id} is missing`);
          event = {
            id: row.event_id,
            message: decodeMessage(row.message),
            size: row.message.length,
            refs: 0,
          };
          events.set(row.event_id, event);
        }
        outbound = joinOutbound(row.outbound, event.message);
        event.refs += 1;
        shared.set(row.id, event);
      }
      items.push({
        id: row.id,
        destinationId: row.destination,
        channelId: row.channel,
        kind: row.kind === 'sink' ? 'sink' : 'chat',
        lane: row.lane === 'event' ? 'event' : 'reply',
        enqueuedAt: row.enqueued_at,
        outbound,
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
  db.exec('DELETE FROM events WHERE id NOT IN (SELECT event_id FROM items WHERE event_id IS NOT NULL)');
  db.prepare('DELETE FROM posted WHERE posted_at < ?').run(now - options.dedupWindowMs);
  const since = now - options.dedupWindowMs;
  db.prepare('DELETE FROM posted_batches WHERE posted_at < ?').run(since);
  const posted = (db.prepare('SELECT * FROM posted ORDER BY posted_at').all() as PostedRow[]).map(
    (row): PostedKey => ({
      destinationId: row.destination,
      channelId: row.channel,
      dedupKey: row.dedup_key,
      sources: JSON.parse(row.sources) as string[],
      postedAt: row.posted_at,
    }),
  );
  const batches = db.prepare('SELECT * FROM posted_batches ORDER BY posted_at, id').iterate() as Iterable<{
    destination: string;
    channel: string;
    posted_at: number;
    keys: string;
  }>;
  for (const row of batches) {
    try {
      for (const [dedupKey, sources] of JSON.parse(row.keys) as [string, string[]][])
        posted.push({
          destinationId: row.destination,
          channelId: row.channel,
          dedupKey,
          sources,
          postedAt: row.posted_at,
        });
    } catch (err) {
      // Losing dedup keys only risks a repeated post; the queue itself is intact.
      options.log.warn(
        { code: 'SB_ERR_QUEUE_CORRUPT', file: options.file, err: (err as Error).message },
        'delivery queue posted keys unreadable; skipped',
      );
    }
  }
  return { recovered: { items, posted, unreadable: bad.length }, shared };
}

type Op =
  | { kind: 'event'; id: number; text: string }
  | { kind: 'append'; item: StoredItem; eventId: number; text: string }
  | { kind: 'ack'; ids: readonly number[]; posted: readonly PostedKey[] }
  | { kind: 'drop-event'; id: number };

/**
 * Writes are batched: every call made in one turn of the event loop goes into one transaction,
 * run before the next I/O callback, so a webhook answered after `append` was called finds its
 * event written (and a fan-out to twenty channels costs one commit, not twenty).
 *
 * Copies of one event share one stored message: the first copy appended writes it to `events`
 * (keyed by the Message object the source bridge hands every channel), the others only their
 * own part. The event row goes when its last copy is acked.
 */
function sqliteStore(
  db: Database.Database,
  options: SqliteStoreOptions,
  now: () => number,
  recovered: Map<number, SharedEvent>,
): QueueStore {
  // Each kind of write is one statement per transaction over a JSON array (json_each), not one
  // statement per row: a twenty-channel fan-out at 1,000 events/s would otherwise run some
  // 40,000 statements a second, and a digest's confirmation thousands at once.
  const insertEvents = db.prepare(
    `INSERT INTO events (id, message)
     SELECT json_extract(value, '$.i'), json_extract(value, '$.m') FROM json_each(?)`,
  );
  const deleteEvents = db.prepare('DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))');
  const upsertItems = db.prepare(
    `INSERT INTO items (id, destination, channel, kind, lane, enqueued_at, idempotency_key, outbound, event_id)
     SELECT json_extract(value, '$.i'), json_extract(value, '$.d'), json_extract(value, '$.c'),
       json_extract(value, '$.k'), json_extract(value, '$.l'), json_extract(value, '$.t'),
       json_extract(value, '$.y'), json_extract(value, '$.o'), json_extract(value, '$.e')
     FROM json_each(?) WHERE true
     ON CONFLICT (id) DO UPDATE SET outbound = excluded.outbound, event_id = excluded.event_id`,
  );
  const removeItems = db.prepare('DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))');
  const remember = db.prepare(
    'INSERT INTO posted_batches (destination, channel, posted_at, keys) VALUES (?, ?, ?, ?)',
  );
  const pruneOld = db.prepare('DELETE FROM posted WHERE posted_at < ?');
  const prune = db.prepare('DELETE FROM posted_batches WHERE posted_at < ?');
  /** Encoded size of each item's own part. */
  const sizes = new Map<number, number>();
  /** The shared event of each item that has one. */
  const eventOf = new Map<number, SharedEvent>(recovered);
  /** Live shared events by message; an entry whose event was deleted is replaced on next use. */
  const byMessage = new WeakMap<Message, SharedEvent>();
  let bytes = 0;
  for (const row of db.prepare('SELECT id, length(outbound) AS size FROM items').iterate() as Iterable<{
    id: number;
    size: number;
  }>) {
    sizes.set(row.id, row.size);
    bytes += row.size;
  }
  let lastEventId = 0;
  for (const event of new Set(recovered.values())) {
    byMessage.set(event.message, event);
    bytes += event.size;
    lastEventId = Math.max(lastEventId, event.id);
  }
  lastEventId = Math.max(
    lastEventId,
    (db.prepare('SELECT max(id) AS id FROM events').get() as { id: number | null }).id ?? 0,
  );
  let ops: Op[] = [];
  /** The pending flush: every call of one turn shares its promise (one per turn, not per item). */
  let pending: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  let closed = false;
  let prunedAt = now();

  const write = db.transaction((batch: Op[]) => {
    // The encoded texts are JSON already: they are spliced into the arrays, not escaped again.
    const events: string[] = [];
    const items: string[] = [];
    const removed: number[] = [];
    const dropped: number[] = [];
    for (const op of batch) {
      switch (op.kind) {
        case 'event':
          events.push(`{"i":${op.id},"m":${op.text}}`);
          break;
        case 'append': {
          const item = op.item;
          items.push(
            `{"i":${item.id},"d":${JSON.stringify(item.destinationId)},"c":${JSON.stringify(item.channelId)},"k":"${item.kind}","l":"${item.lane}","t":${item.enqueuedAt},"y":${JSON.stringify(idempotencyKey(item))},"o":${op.text},"e":${op.eventId}}`,
          );
          break;
        }
        case 'ack':
          for (const id of op.ids) removed.push(id);
          for (const posted of postedBatches(op.posted))
            remember.run(
              posted.destinationId,
              posted.channelId,
              posted.postedAt,
              JSON.stringify(posted.keys),
            );
          break;
        case 'drop-event':
          dropped.push(op.id);
          break;
      }
    }
    // In this order the result is that of the calls in sequence: ids are never reused, so an
    // item appended and acked in one batch ends deleted, and an event is inserted before the
    // batch that frees it deletes it.
    if (events.length > 0) insertEvents.run(`[${events.join(',')}]`);
    if (items.length > 0) upsertItems.run(`[${items.join(',')}]`);
    if (removed.length > 0) removeItems.run(JSON.stringify(removed));
    if (dropped.length > 0) deleteEvents.run(JSON.stringify(dropped));
    const t = now();
    if (t - prunedAt >= pruneEveryMs) {
      prunedAt = t;
      prune.run(t - options.dedupWindowMs);
      pruneOld.run(t - options.dedupWindowMs);
    }
  });

  const flush = (): void => {
    const batch = ops;
    const waiting = pending;
    ops = [];
    pending = undefined;
    try {
      if (batch.length > 0) write(batch);
      waiting?.resolve();
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
      waiting?.reject(error);
    }
  };

  const schedule = (): Promise<void> => {
    if (!pending) {
      let resolve: () => void = () => {};
      let reject: (err: unknown) => void = () => {};
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      pending = { promise, resolve, reject };
      queueMicrotask(flush);
    }
    return pending.promise;
  };

  /** The item no longer holds its event: the event's row goes with its last copy. */
  const release = (itemId: number): void => {
    const event = eventOf.get(itemId);
    if (!event) return;
    eventOf.delete(itemId);
    event.refs -= 1;
    if (event.refs > 0) return;
    bytes -= event.size;
    byMessage.delete(event.message);
    ops.push({ kind: 'drop-event', id: event.id });
  };

  const shareEvent = (message: Message): SharedEvent => {
    let event = byMessage.get(message);
    if (!event) {
      const text = encodeMessage(message);
      event = { id: ++lastEventId, message, size: text.length, refs: 0 };
      byMessage.set(message, event);
      bytes += text.length;
      ops.push({ kind: 'event', id: event.id, text });
    }
    return event;
  };

  return {
    append(items) {
      if (closed) return Promise.resolve();
      for (const item of items) {
        const event = shareEvent(item.outbound.message);
        const previous = eventOf.get(item.id);
        if (previous !== event) {
          // A replacement with another message (a collapsed edit) lets go of the old one.
          event.refs += 1;
          if (previous) release(item.id);
          eventOf.set(item.id, event);
        }
        const text = encodeOutboundRest(item.outbound);
        bytes += text.length - (sizes.get(item.id) ?? 0);
        sizes.set(item.id, text.length);
        ops.push({ kind: 'append', item, eventId: event.id, text });
      }
      return schedule();
    },
    ack(ids, posted = []) {
      if (closed) return Promise.resolve();
      for (const id of ids) {
        bytes -= sizes.get(id) ?? 0;
        sizes.delete(id);
      }
      ops.push({ kind: 'ack', ids, posted });
      for (const id of ids) release(id);
      return schedule();
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

/** Posted keys grouped per channel and time: one stored row each (usually one per ack). */
function postedBatches(posted: readonly PostedKey[]) {
  const batches = new Map<
    string,
    { destinationId: string; channelId: string; postedAt: number; keys: [string, readonly string[]][] }
  >();
  for (const p of posted) {
    const k = `${p.destinationId}\u0000${p.channelId}\u0000${p.postedAt}`;
    let batch = batches.get(k);
    if (!batch) {
      batch = { destinationId: p.destinationId, channelId: p.channelId, postedAt: p.postedAt, keys: [] };
      batches.set(k, batch);
    }
    batch.keys.push([p.dedupKey, p.sources]);
  }
  return batches.values();
}
