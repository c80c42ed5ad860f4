import type { Outbound } from './destination.js';

/**
 * The two lanes of a channel queue: `reply` (command answers and edits, sent first, never
 * merged) and `event` (source events, merged into digests when they outpace the channel).
 */
export type QueueLane = 'reply' | 'event';

/** One message waiting for its channel. Immutable: changes are made by `put` with the same id. */
export interface QueuedDelivery {
  /** Unique within the pipeline; a later `put` with the same id replaces the item in place. */
  readonly id: number;
  readonly lane: QueueLane;
  readonly outbound: Outbound;
  /** Epoch milliseconds when it was handed to the pipeline (latency and "in the last N s"). */
  readonly enqueuedAt: number;
}

/**
 * The pending messages of one channel (or one sink), in order per lane. The pipeline reads the
 * front with `peek`, delivers, and only then `remove`s, so a backend that persists items gets
 * at-least-once delivery across restarts. Calls are synchronous: a durable backend keeps an
 * in-memory index and writes ahead (or batches its writes) behind it.
 */
export interface DeliveryQueue {
  /** Appends `item` to the end of its lane, or replaces the queued item with the same id in place. */
  put(item: QueuedDelivery): void;
  /** Up to `max` items from the front of `lane`, oldest first; they stay queued until removed. */
  peek(lane: QueueLane, max: number): QueuedDelivery[];
  /**
   * Drops the items with these ids; unknown ids are ignored. `posted` says the destination
   * confirmed them (a durable backend then remembers their dedup keys), otherwise they were
   * abandoned (given up, replaced by a newer edit, or dropped at the size cap).
   */
  remove(ids: Iterable<number>, outcome?: 'posted' | 'abandoned'): void;
  /** Items waiting in `lane`, or in both lanes when omitted. */
  size(lane?: QueueLane): number;
  /** The queued item with this id, whole (a durable backend reads back a body it let go of). */
  get(id: number): QueuedDelivery | undefined;
}

/** Identifies the queue of one channel of a destination (`channelId` is empty for sinks). */
export interface QueueKey {
  destinationId: string;
  channelId: string;
}

/**
 * Makes the queue of one channel; the pipeline calls it once per channel it sees. `initial`
 * holds the items a durable store recovered for the channel, already stored, in order.
 */
export type DeliveryQueueFactory = (
  key: QueueKey,
  kind: 'chat' | 'sink',
  initial: readonly QueuedDelivery[],
) => DeliveryQueue;

/**
 * The in-memory queue: one insertion-ordered Map per lane, so append, replace-in-place, removal
 * and reading the front are all O(1) per item. Bounds are enforced by the pipeline.
 */
export function createMemoryQueue(
  _key?: QueueKey,
  _kind?: 'chat' | 'sink',
  initial: readonly QueuedDelivery[] = [],
): DeliveryQueue {
  const lanes: Record<QueueLane, Map<number, QueuedDelivery>> = { reply: new Map(), event: new Map() };
  for (const item of initial) lanes[item.lane].set(item.id, item);
  return {
    put(item) {
      // Map.set on an existing key keeps its position, which is what "replace in place" needs.
      lanes[item.lane].set(item.id, item);
    },
    peek(lane, max) {
      const out: QueuedDelivery[] = [];
      if (max <= 0) return out;
      for (const item of lanes[lane].values()) {
        out.push(item);
        if (out.length >= max) break;
      }
      return out;
    },
    remove(ids) {
      for (const id of ids) if (!lanes.reply.delete(id)) lanes.event.delete(id);
    },
    get: (id) => lanes.event.get(id) ?? lanes.reply.get(id),
    size(lane) {
      return lane ? lanes[lane].size : lanes.reply.size + lanes.event.size;
    },
  };
}
