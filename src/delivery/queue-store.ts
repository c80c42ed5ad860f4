import type { Outbound } from './destination.js';
import type { QueueLane } from './queue.js';

/** One queued message as a store keeps it: everything needed to deliver it after a restart. */
export interface StoredItem {
  /** The pipeline's item id: unique within the store and stable across restarts. */
  readonly id: number;
  readonly destinationId: string;
  /** Empty for sinks. */
  readonly channelId: string;
  /** Chat channels get digests; sinks get every event on its own (needed before the destination is back). */
  readonly kind: 'chat' | 'sink';
  readonly lane: QueueLane;
  readonly enqueuedAt: number;
  readonly outbound: Outbound;
}

/** An event confirmed by its destination: a copy of it within the dedup window is not posted again. */
export interface PostedKey {
  readonly destinationId: string;
  readonly channelId: string;
  readonly dedupKey: string;
  /** Source groups it came through (a repeat from the same groups is a new occurrence). */
  readonly sources: readonly string[];
  readonly postedAt: number;
}

/** What a previous run left behind, read once at start. */
export interface Recovered {
  /** Items not confirmed yet, in id order (so in order per channel and lane). */
  items: StoredItem[];
  /** Events posted within the dedup window. */
  posted: PostedKey[];
  /** Rows that could not be decoded (logged by the store, then deleted). */
  unreadable: number;
}

/** How full a store is. */
export interface StoreCounts {
  items: number;
  /** Encoded size of the items, the measure of the size cap. */
  bytes: number;
}

/**
 * Where the delivery pipeline keeps every accepted message until its destination confirms it.
 * The pipeline appends an item when it accepts it and acks it once it is posted or given up,
 * so a store that persists these gets at-least-once delivery across restarts. Methods are
 * asynchronous so that a networked store (JetStream) fits; `counts` is kept locally by the store.
 * Writes are ordered: an `ack` issued after an `append` never lands before it.
 */
export interface QueueStore {
  /**
   * Writes new items, or replaces the stored item with the same id, keeping its place. The
   * returned promise resolves once they are durable (per the store's fsync policy).
   */
  append(items: readonly StoredItem[]): Promise<void>;
  /**
   * Removes delivered or abandoned items; `posted` keys are remembered for the dedup window, in
   * the same write, so a restart neither loses nor re-posts them. Unknown ids are ignored.
   */
  ack(ids: readonly number[], posted?: readonly PostedKey[]): Promise<void>;
  /** Items and sizes currently stored; synchronous, kept by the store as it writes. */
  counts(): StoreCounts;
  /**
   * Reads the outbound of stored items back (items appended whole, not fanout copies), for a
   * queue that keeps only their place in memory (see stored-queue.ts). Synchronous, so only a
   * store on local disk has it; ids it does not hold are missing from the answer.
   */
  load?(ids: readonly number[]): Map<number, Outbound>;
  /** Flushes pending writes and releases the store; later calls are ignored. */
  close(): Promise<void>;
}

/**
 * The in-memory store: keeps nothing across restarts (the pipeline's queues hold the items, and
 * `queueLimit` bounds them). It only counts items; `bytes` stays 0, since nothing is written.
 */
export function createMemoryStore(): QueueStore {
  const ids = new Set<number>();
  return {
    append(items) {
      for (const item of items) ids.add(item.id);
      return Promise.resolve();
    },
    ack(acked) {
      for (const id of acked) ids.delete(id);
      return Promise.resolve();
    },
    counts: () => ({ items: ids.size, bytes: 0 }),
    close: () => Promise.resolve(),
  };
}
