import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Message } from '../contract/message.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import type { Outbound } from './destination.js';
import {
  decodeMessage,
  decodeOutbound,
  encodeMessage,
  encodeOutboundRest,
  joinOutbound,
} from './outbound-codec.js';
import type { PostedKey, QueueStore, Recovered, StoredItem } from './queue-store.js';
import {
  type AckRow,
  type Fanout,
  type ItemRow,
  type RecoveredState,
  recover,
  type SharedEvent,
} from './sqlite-recover.js';
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
    const { recovered, state } = recover(db, options, now());
    return { store: sqliteStore(db, options, now, state), recovered };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A fanout row being filled during the current turn. */
interface OpenFanout {
  fanout: Fanout;
  destinationId: string;
  kind: StoredItem['kind'];
  enqueuedAt: number;
  rest: string;
  copies: string[];
}

type Op =
  | { kind: 'event'; id: number; text: string }
  | { kind: 'append'; item: StoredItem; eventId: number; text: string }
  | { kind: 'fanout'; open: OpenFanout }
  | { kind: 'ack'; ids: readonly number[]; posted: readonly PostedKey[] }
  | { kind: 'ack-row'; id: number; text: string }
  | { kind: 'drop-event'; id: number }
  | { kind: 'drop-fanout'; id: number }
  | { kind: 'drop-ack'; id: number };

/**
 * A copy that differs from the other copies of its event only by its channel: an event for a
 * chat channel, with no file, raw object, key of its own or thread. Such copies are stored as
 * one fanout row per event and turn instead of a row each.
 */
function isFanoutCopy(item: StoredItem): boolean {
  const o = item.outbound;
  if (item.lane !== 'event' || item.kind !== 'chat') return false;
  if (o.file !== undefined || o.rawObject !== undefined || o.replaces !== undefined) return false;
  if (o.idempotencyKey !== undefined || o.modalTrigger !== undefined) return false;
  const a = o.address;
  if (a.destinationId !== item.destinationId || a.channelId !== item.channelId) return false;
  // A fanout row keeps only the channel of each copy: a thread or a user (the other fields of an
  // Address) is the copy's own, so such a copy goes in an items row.
  return a.threadId === undefined && a.userId === undefined;
}

/**
 * Writes are batched: every call made in one turn of the event loop goes into one transaction,
 * run before the next I/O callback, so a webhook answered after `append` was called finds its
 * event written (and a fan-out to twenty channels costs one commit, not twenty).
 *
 * Copies of one event share one stored message: the first copy appended writes it to `events`
 * (keyed by the Message object the source bridge hands every channel), the others only their
 * own part. Copies that differ only by channel go into one fanout row together; confirming
 * them writes one acks row per call. The event row goes when nothing points at it any more.
 */
function sqliteStore(
  db: Database.Database,
  options: SqliteStoreOptions,
  now: () => number,
  state: RecoveredState,
): QueueStore {
  // Each kind of per-copy write is one statement per transaction over a JSON array (json_each),
  // not one statement per row; fanout and acks rows are a few per turn, inserted one by one.
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
  const loadItems = db.prepare(
    'SELECT items.*, events.message AS message FROM items LEFT JOIN events ON events.id = items.event_id WHERE items.id IN (SELECT value FROM json_each(?))',
  );
  const insertFanout = db.prepare(
    'INSERT INTO fanouts (id, event_id, destination, kind, lane, enqueued_at, outbound, copies) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const deleteFanouts = db.prepare('DELETE FROM fanouts WHERE id IN (SELECT value FROM json_each(?))');
  const insertAck = db.prepare('INSERT INTO acks (id, items) VALUES (?, ?)');
  const deleteAcks = db.prepare('DELETE FROM acks WHERE id IN (SELECT value FROM json_each(?))');
  const remember = db.prepare(
    'INSERT INTO posted_batches (destination, channel, posted_at, keys) VALUES (?, ?, ?, ?)',
  );
  const pruneOld = db.prepare('DELETE FROM posted WHERE posted_at < ?');
  const prune = db.prepare('DELETE FROM posted_batches WHERE posted_at < ?');
  /** Encoded size of each items row's own part. */
  const sizes = new Map<number, number>();
  /** The shared event of each items row that has one. */
  const eventOf = new Map<number, SharedEvent>(state.shared);
  /** The fanout row of each live fanout copy. */
  const fanoutOf = state.fanoutOf;
  /** Live shared events by message; an entry whose event was deleted is replaced on next use. */
  const byMessage = new WeakMap<Message, SharedEvent>();
  let bytes = state.bytes;
  for (const row of db.prepare('SELECT id, length(outbound) AS size FROM items').iterate() as Iterable<{
    id: number;
    size: number;
  }>) {
    sizes.set(row.id, row.size);
    bytes += row.size;
  }
  let lastEventId = 0;
  const live = new Set<SharedEvent>(state.shared.values());
  for (const fanout of fanoutOf.values()) live.add(fanout.event);
  for (const event of live) {
    const message = state.messages.get(event);
    if (message) byMessage.set(message, event);
    bytes += event.size;
    lastEventId = Math.max(lastEventId, event.id);
  }
  lastEventId = Math.max(
    lastEventId,
    (db.prepare('SELECT max(id) AS id FROM events').get() as { id: number | null }).id ?? 0,
  );
  let lastFanoutId = Math.max(
    state.lastFanoutId,
    (db.prepare('SELECT max(id) AS id FROM fanouts').get() as { id: number | null }).id ?? 0,
  );
  let lastAckId = Math.max(
    state.lastAckId,
    (db.prepare('SELECT max(id) AS id FROM acks').get() as { id: number | null }).id ?? 0,
  );
  let ops: Op[] = [];
  /** The fanout row the next copy of the same event joins, until the turn's write. */
  let open: OpenFanout | undefined;
  /** The last copy's shared part: the copies of one event share it, so it is encoded once. */
  let restCache: { of: Outbound; text: string } | undefined;
  /** The pending flush: every call of one turn shares its promise (one per turn, not per item). */
  let pending: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  let closed = false;
  let prunedAt = now();

  const write = db.transaction((batch: Op[]) => {
    // The encoded texts are JSON already: they are spliced into the arrays, not escaped again.
    const events: string[] = [];
    const items: string[] = [];
    const fanouts: OpenFanout[] = [];
    const acks: { id: number; text: string }[] = [];
    const removed: number[] = [];
    const droppedEvents: number[] = [];
    const droppedFanouts: number[] = [];
    const droppedAcks: number[] = [];
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
        case 'fanout':
          fanouts.push(op.open);
          break;
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
        case 'ack-row':
          acks.push(op);
          break;
        case 'drop-event':
          droppedEvents.push(op.id);
          break;
        case 'drop-fanout':
          droppedFanouts.push(op.id);
          break;
        case 'drop-ack':
          droppedAcks.push(op.id);
          break;
      }
    }
    // In this order the result is that of the calls in sequence: ids are never reused, so a row
    // written and deleted in one batch ends deleted, and an event is inserted before the batch
    // that frees it deletes it.
    if (events.length > 0) insertEvents.run(`[${events.join(',')}]`);
    for (const f of fanouts)
      insertFanout.run(
        f.fanout.id,
        f.fanout.event.id,
        f.destinationId,
        f.kind,
        'event',
        f.enqueuedAt,
        f.rest,
        `[${f.copies.join(',')}]`,
      );
    if (items.length > 0) upsertItems.run(`[${items.join(',')}]`);
    for (const ack of acks) insertAck.run(ack.id, ack.text);
    if (removed.length > 0) removeItems.run(JSON.stringify(removed));
    if (droppedFanouts.length > 0) deleteFanouts.run(JSON.stringify(droppedFanouts));
    if (droppedAcks.length > 0) deleteAcks.run(JSON.stringify(droppedAcks));
    if (droppedEvents.length > 0) deleteEvents.run(JSON.stringify(droppedEvents));
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
    open = undefined;
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

  const releaseEvent = (event: SharedEvent): void => {
    event.refs -= 1;
    if (event.refs > 0) return;
    bytes -= event.size;
    event.gone = true;
    ops.push({ kind: 'drop-event', id: event.id });
  };

  /** The items row no longer holds its event. */
  const release = (itemId: number): void => {
    const event = eventOf.get(itemId);
    if (!event) return;
    eventOf.delete(itemId);
    releaseEvent(event);
  };

  const shareEvent = (message: Message): SharedEvent => {
    let event = byMessage.get(message);
    if (!event || event.gone) {
      const text = encodeMessage(message);
      event = { id: ++lastEventId, size: text.length, refs: 0, gone: false };
      byMessage.set(message, event);
      bytes += text.length;
      ops.push({ kind: 'event', id: event.id, text });
    }
    return event;
  };

  const dropFanout = (fanout: Fanout): void => {
    fanout.dropped = true;
    if (open?.fanout === fanout) open = undefined;
    bytes -= fanout.size;
    ops.push({ kind: 'drop-fanout', id: fanout.id });
    for (const ack of fanout.acks) {
      ack.live -= 1;
      if (ack.live > 0) continue;
      bytes -= ack.size;
      ops.push({ kind: 'drop-ack', id: ack.id });
    }
    releaseEvent(fanout.event);
  };

  /**
   * These fanout copies left their row (confirmed, or replaced by an items row): one acks row
   * names those whose fanout row stays; a fanout row with no copy left is deleted.
   */
  const leaveFanouts = (ids: readonly number[]): void => {
    const kept: number[] = [];
    const keptIn: Fanout[] = [];
    for (const id of ids) {
      const fanout = fanoutOf.get(id);
      if (!fanout) continue;
      fanoutOf.delete(id);
      fanout.live -= 1;
      kept.push(id);
      keptIn.push(fanout);
    }
    if (kept.length === 0) return;
    // Copies whose row goes in this same call need no acks entry.
    const logged: number[] = [];
    const loggedIn: Fanout[] = [];
    for (let k = 0; k < kept.length; k++) {
      const fanout = keptIn[k] as Fanout;
      if (fanout.live > 0) {
        logged.push(kept[k] as number);
        loggedIn.push(fanout);
      }
    }
    if (logged.length > 0) {
      const text = JSON.stringify(logged);
      const ack: AckRow = { id: ++lastAckId, live: logged.length, size: text.length };
      bytes += ack.size;
      ops.push({ kind: 'ack-row', id: ack.id, text });
      for (const fanout of loggedIn) fanout.acks.push(ack);
    }
    for (const fanout of keptIn) if (fanout.live === 0 && !fanout.dropped) dropFanout(fanout);
  };

  const restOf = (outbound: Outbound): string => {
    const cached = restCache?.of;
    if (
      cached &&
      cached.sources === outbound.sources &&
      cached.dedupKey === outbound.dedupKey &&
      cached.kind === outbound.kind &&
      cached.streaming === outbound.streaming
    )
      return (restCache as { text: string }).text;
    const { message: _shared, address: _own, ...rest } = outbound;
    const text = JSON.stringify(rest);
    restCache = { of: outbound, text };
    return text;
  };

  const addCopy = (item: StoredItem): void => {
    const event = shareEvent(item.outbound.message);
    const rest = restOf(item.outbound);
    let target = open;
    if (
      !target ||
      target.fanout.event !== event ||
      target.destinationId !== item.destinationId ||
      target.rest !== rest
    ) {
      const fanout: Fanout = {
        id: ++lastFanoutId,
        event,
        live: 0,
        size: rest.length + 2,
        acks: [],
        dropped: false,
      };
      event.refs += 1;
      target = {
        fanout,
        destinationId: item.destinationId,
        kind: item.kind,
        enqueuedAt: item.enqueuedAt,
        rest,
        copies: [],
      };
      open = target;
      bytes += fanout.size;
      ops.push({ kind: 'fanout', open: target });
    }
    const copy = `[${item.id},${JSON.stringify(item.channelId)},${item.enqueuedAt - target.enqueuedAt}]`;
    target.copies.push(copy);
    target.fanout.live += 1;
    target.fanout.size += copy.length + 1;
    bytes += copy.length + 1;
    fanoutOf.set(item.id, target.fanout);
  };

  return {
    append(items) {
      if (closed) return Promise.resolve();
      for (const item of items) {
        if (fanoutOf.has(item.id)) leaveFanouts([item.id]);
        else if (!sizes.has(item.id) && isFanoutCopy(item)) {
          addCopy(item);
          continue;
        }
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
      const rows: number[] = [];
      const copies: number[] = [];
      for (const id of ids) {
        const size = sizes.get(id);
        if (size !== undefined) {
          bytes -= size;
          sizes.delete(id);
          rows.push(id);
        } else if (fanoutOf.has(id)) copies.push(id);
      }
      if (rows.length > 0 || posted.length > 0) ops.push({ kind: 'ack', ids: rows, posted });
      for (const id of rows) release(id);
      if (copies.length > 0) leaveFanouts(copies);
      return schedule();
    },
    counts: () => ({ items: sizes.size + fanoutOf.size, bytes }),
    load(ids) {
      const found = new Map<number, Outbound>();
      if (closed || ids.length === 0) return found;
      // Items of this turn are not written yet: write them now, then read.
      if (ops.length > 0) flush();
      for (const row of loadItems.all(JSON.stringify(ids)) as ItemRow[]) {
        try {
          found.set(
            row.id,
            row.event_id === null
              ? decodeOutbound(row.outbound)
              : joinOutbound(row.outbound, decodeMessage(row.message ?? '')),
          );
        } catch (err) {
          options.log.error(
            { code: 'SB_ERR_QUEUE_CORRUPT', file: options.file, id: row.id, err: (err as Error).message },
            'delivery queue item unreadable; dropped',
          );
        }
      }
      return found;
    },
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
