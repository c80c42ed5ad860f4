import type { Outbound } from './destination.js';
import { createMemoryQueue, type DeliveryQueueFactory, type QueuedDelivery } from './queue.js';
import type { PostedKey, QueueStore } from './queue-store.js';

/**
 * Events of one sink whose bodies stay in memory; past it, a queued event keeps only its place
 * (id, lane, time) and its body is read back from the store when it comes to the front. A sink
 * slower than its input (a 200 ms receiver in a storm) then grows the queue file, not the heap.
 */
export const sinkBodiesInMemory = 1000;

export interface StoredQueueOptions {
  now?: () => number;
  /** See {@link sinkBodiesInMemory}; only used with a store that can `load`. */
  sinkBodiesInMemory?: number;
}

/** Stands for the body of a spilled item while it waits; never handed out. */
const spilled: Outbound = Object.freeze({
  address: Object.freeze({ destinationId: '', channelId: '' }),
  message: Object.freeze({}),
}) as Outbound;

/**
 * A channel queue that writes through to a {@link QueueStore}: every `put` is appended to the
 * store as it is queued, every `remove` acked, and the items stay in memory too, so reading the
 * front never waits for the store. Store failures are logged by the store; the item stays
 * queued in memory, so delivery goes on (it would just not survive a restart).
 *
 * Sink queues over a store that can `load` spill: beyond `sinkBodiesInMemory` events, an event
 * whose write has succeeded keeps only its place in memory, and `peek` reads its body back.
 */
export function storedQueueFactory(
  store: QueueStore,
  options: StoredQueueOptions = {},
): DeliveryQueueFactory {
  const now = options.now ?? Date.now;
  const budget = options.sinkBodiesInMemory ?? sinkBodiesInMemory;
  /**
   * Marks a store write as handled. Stores share one promise among the writes of a turn, so one
   * handler per promise is enough: a handler per item would be an allocation per item.
   */
  let lastQuieted: Promise<void> | undefined;
  const quiet = (write: Promise<void>): void => {
    if (write === lastQuieted) return;
    lastQuieted = write;
    write.catch(ignore);
  };
  return (key, kind, initial) => {
    const memory = createMemoryQueue(key, kind, initial);
    const load = kind === 'sink' ? store.load?.bind(store) : undefined;
    /** Queued events whose body is in memory (all of them without spilling). */
    let bodies = initial.length;
    /** Ids to spill once the write they are in has succeeded, per write promise. */
    let toSpill: { write: Promise<void>; ids: number[] } | undefined;

    const spill = (ids: readonly number[]): void => {
      for (const id of ids) {
        const item = memory.get(id);
        if (!item || item.outbound === spilled || bodies <= budget) continue;
        memory.put({ id: item.id, lane: item.lane, enqueuedAt: item.enqueuedAt, outbound: spilled });
        bodies -= 1;
      }
    };

    /** The spilled items among `items`, read back from the store and queued whole again. */
    const unspill = (items: QueuedDelivery[]): QueuedDelivery[] => {
      if (!load) return items;
      const missing: number[] = [];
      for (const item of items) if (item.outbound === spilled) missing.push(item.id);
      if (missing.length === 0) return items;
      const found = load(missing);
      const out: QueuedDelivery[] = [];
      for (const item of items) {
        if (item.outbound !== spilled) {
          out.push(item);
          continue;
        }
        const outbound = found.get(item.id);
        if (!outbound) {
          // Unreadable in the store (logged there): nothing can be delivered for it.
          memory.remove([item.id]);
          quiet(store.ack([item.id]));
          continue;
        }
        const whole = { ...item, outbound };
        memory.put(whole);
        bodies += 1;
        out.push(whole);
      }
      return out;
    };

    return {
      put(item) {
        const known = memory.get(item.id);
        memory.put(item);
        if (!known || known.outbound === spilled) bodies += 1;
        const { id, lane, enqueuedAt, outbound } = item;
        const { destinationId, channelId } = key;
        const write = store.append([{ destinationId, channelId, kind, id, lane, enqueuedAt, outbound }]);
        quiet(write);
        if (!load || lane !== 'event' || bodies <= budget) return;
        // Only once it is in the store: a failed write keeps the item whole in memory.
        if (toSpill?.write !== write) {
          const batch = { write, ids: [] as number[] };
          toSpill = batch;
          write.then(() => spill(batch.ids), ignore);
        }
        toSpill.ids.push(id);
      },
      peek: (lane, max) => unspill(memory.peek(lane, max)),
      get(id) {
        const item = memory.get(id);
        return item && unspill([item])[0];
      },
      remove(ids, outcome) {
        const list = [...ids];
        const posted: PostedKey[] = [];
        const at = outcome === 'posted' ? now() : 0;
        for (const id of list) {
          const item = memory.get(id);
          if (!item) continue;
          if (item.outbound !== spilled) bodies -= 1;
          const dedupKey = item.lane === 'event' ? item.outbound.dedupKey : undefined;
          if (outcome === 'posted' && dedupKey)
            posted.push({
              destinationId: key.destinationId,
              channelId: key.channelId,
              dedupKey,
              sources: item.outbound.sources ?? [],
              postedAt: at,
            });
        }
        memory.remove(list);
        quiet(store.ack(list, posted));
      },
      size: (lane) => memory.size(lane),
    };
  };
}

/** The store has logged the failure; the queue itself goes on. */
function ignore(): void {}
