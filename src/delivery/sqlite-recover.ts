import type Database from 'better-sqlite3';
import type { Message } from '../contract/message.js';
import type { Logger } from '../log/logger.js';
import type { Outbound } from './destination.js';
import { decodeMessage, decodeOutbound, joinOutbound } from './outbound-codec.js';
import type { PostedKey, Recovered, StoredItem } from './queue-store.js';

/** What reading the queue file at start needs to know. */
export interface RecoverOptions {
  file: string;
  dedupWindowMs: number;
  log: Logger;
}

export interface ItemRow {
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

export interface PostedRow {
  destination: string;
  channel: string;
  dedup_key: string;
  sources: string;
  posted_at: number;
}

/**
 * The stored message of one event and what points at it (queued items and fanout rows). It does
 * not hold the Message itself (only the WeakMap from it does), so an item whose body was spilled
 * out of memory (see stored-queue.ts) is not kept in memory by the store either.
 */
export interface SharedEvent {
  id: number;
  size: number;
  /** Items rows and fanout rows holding it; its row is deleted when the last lets go. */
  refs: number;
  /** Its row is deleted: a later copy of the same Message writes a new one. */
  gone: boolean;
}

/** One `acks` row: ids of fanout copies confirmed together. */
export interface AckRow {
  id: number;
  /** Ids in it whose fanout row still exists; the row goes when none is left. */
  live: number;
  size: number;
}

/** One `fanouts` row: copies of an event that differ only in their channel. */
export interface Fanout {
  id: number;
  event: SharedEvent;
  /** Copies not confirmed yet; the row goes with the last. */
  live: number;
  size: number;
  /** The acks rows naming its confirmed copies, once per copy. */
  acks: AckRow[];
  dropped: boolean;
}

export interface FanoutRow {
  id: number;
  event_id: number;
  destination: string;
  kind: string;
  lane: string;
  enqueued_at: number;
  outbound: string;
  copies: string;
  message: string | null;
}

/** What the store takes over from the file besides the recovered items. */
export interface RecoveredState {
  /** Items rows by id → the event they share. */
  shared: Map<number, SharedEvent>;
  /** The Message of each recovered event, so that new copies of it share its row. */
  messages: Map<SharedEvent, Message>;
  /** Live fanout copies by item id → their fanout row. */
  fanoutOf: Map<number, Fanout>;
  /** Encoded size of fanout and acks rows. */
  bytes: number;
  lastFanoutId: number;
  lastAckId: number;
}

export function recover(
  db: Database.Database,
  options: RecoverOptions,
  now: number,
): { recovered: Recovered; state: RecoveredState } {
  const items: StoredItem[] = [];
  const bad: number[] = [];
  const badFanouts: number[] = [];
  /** Items by id → the event they share, so copies recovered together share one Message again. */
  const shared = new Map<number, SharedEvent>();
  const events = new Map<number, SharedEvent>();
  const messages = new Map<SharedEvent, Message>();
  const sharedEvent = (eventId: number, text: string | null): { event: SharedEvent; message: Message } => {
    let event = events.get(eventId);
    if (!event) {
      if (text === null) throw new Error(`its event ${eventId} is missing`);
      event = { id: eventId, size: text.length, refs: 0, gone: false };
      events.set(eventId, event);
      messages.set(event, decodeMessage(text));
    }
    return { event, message: messages.get(event) as Message };
  };
  const rows = db
    .prepare(
      'SELECT items.*, events.message AS message FROM items LEFT JOIN events ON events.id = items.event_id ORDER BY items.id',
    )
    .iterate() as Iterable<ItemRow>;
  const rowIds = new Set<number>();
  for (const row of rows) {
    rowIds.add(row.id);
    try {
      let outbound: StoredItem['outbound'];
      if (row.event_id === null) outbound = decodeOutbound(row.outbound);
      else {
        const { event, message } = sharedEvent(row.event_id, row.message);
        outbound = joinOutbound(row.outbound, message);
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
  // Confirmed fanout copies: which acks row names each.
  const ackRows = new Map<number, AckRow>();
  const ackedBy = new Map<number, AckRow>();
  let lastAckId = 0;
  for (const row of db.prepare('SELECT id, items FROM acks').iterate() as Iterable<{
    id: number;
    items: string;
  }>) {
    lastAckId = Math.max(lastAckId, row.id);
    const ack: AckRow = { id: row.id, live: 0, size: row.items.length };
    ackRows.set(row.id, ack);
    try {
      for (const id of JSON.parse(row.items) as number[]) ackedBy.set(id, ack);
    } catch (err) {
      // Unreadable confirmations: their copies come back and are posted again (at least once).
      options.log.warn(
        { code: 'SB_ERR_QUEUE_CORRUPT', file: options.file, err: (err as Error).message },
        'delivery queue confirmations unreadable; their messages may be posted again',
      );
    }
  }
  const fanoutOf = new Map<number, Fanout>();
  let bytes = 0;
  let lastFanoutId = 0;
  const emptied: number[] = [];
  const fanoutRows = db
    .prepare(
      'SELECT fanouts.*, events.message AS message FROM fanouts LEFT JOIN events ON events.id = fanouts.event_id ORDER BY fanouts.id',
    )
    .iterate() as Iterable<FanoutRow>;
  for (const row of fanoutRows) {
    lastFanoutId = Math.max(lastFanoutId, row.id);
    try {
      const { event, message } = sharedEvent(row.event_id, row.message);
      const copies = JSON.parse(row.copies) as [number, string, number][];
      const rest = JSON.parse(row.outbound) as Omit<Outbound, 'message' | 'address'>;
      const fanout: Fanout = {
        id: row.id,
        event,
        live: 0,
        size: row.outbound.length + row.copies.length,
        acks: [],
        dropped: false,
      };
      for (const [id, channelId, dt] of copies) {
        const ack = ackedBy.get(id);
        if (ack) {
          ack.live += 1;
          fanout.acks.push(ack);
          continue;
        }
        // A copy replaced after it was written lives in `items` (it was also confirmed here,
        // so this only guards a file written by a run that stopped between the two).
        if (rowIds.has(id)) continue;
        fanout.live += 1;
        fanoutOf.set(id, fanout);
        items.push({
          id,
          destinationId: row.destination,
          channelId,
          kind: row.kind === 'sink' ? 'sink' : 'chat',
          lane: row.lane === 'event' ? 'event' : 'reply',
          enqueuedAt: row.enqueued_at + dt,
          outbound: {
            ...rest,
            address: { destinationId: row.destination, channelId },
            message,
          },
        });
      }
      if (fanout.live === 0) {
        for (const ack of fanout.acks) ack.live -= 1;
        emptied.push(row.id);
        continue;
      }
      event.refs += 1;
      bytes += fanout.size;
    } catch (err) {
      badFanouts.push(row.id);
      options.log.error(
        { code: 'SB_ERR_QUEUE_CORRUPT', file: options.file, fanout: row.id, err: (err as Error).message },
        'delivery queue item unreadable; dropped',
      );
    }
  }
  if (fanoutOf.size > 0) items.sort((a, b) => a.id - b.id);
  const drop = db.prepare('DELETE FROM items WHERE id = ?');
  for (const id of bad) drop.run(id);
  const dropFanout = db.prepare('DELETE FROM fanouts WHERE id = ?');
  for (const id of [...badFanouts, ...emptied]) dropFanout.run(id);
  const dropAck = db.prepare('DELETE FROM acks WHERE id = ?');
  for (const ack of ackRows.values()) {
    if (ack.live > 0) bytes += ack.size;
    else dropAck.run(ack.id);
  }
  // Events nothing points at any more (their last copy was acked by a run that stopped before
  // deleting them) would only take room.
  db.exec(
    'DELETE FROM events WHERE id NOT IN (SELECT event_id FROM items WHERE event_id IS NOT NULL UNION SELECT event_id FROM fanouts)',
  );
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
  return {
    recovered: { items, posted, unreadable: bad.length + badFanouts.length },
    state: { shared, messages, fanoutOf, bytes, lastFanoutId, lastAckId },
  };
}
