import { createMemoryQueue, type DeliveryQueueFactory } from './queue.js';
import type { PostedKey, QueueStore } from './queue-store.js';

/**
 * A channel queue that writes through to a {@link QueueStore}: every `put` is appended to the
 * store as it is queued, every `remove` acked, and the items stay in memory too, so reading the
 * front never waits for the store. Store failures are logged by the store; the item stays
 * queued in memory, so delivery goes on (it would just not survive a restart).
 */
export function storedQueueFactory(store: QueueStore, now: () => number = Date.now): DeliveryQueueFactory {
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
    return {
      put(item) {
        memory.put(item);
        const { id, lane, enqueuedAt, outbound } = item;
        const { destinationId, channelId } = key;
        quiet(store.append([{ destinationId, channelId, kind, id, lane, enqueuedAt, outbound }]));
      },
      peek: (lane, max) => memory.peek(lane, max),
      remove(ids, outcome) {
        const list = [...ids];
        const posted: PostedKey[] = [];
        if (outcome === 'posted') {
          const at = now();
          for (const id of list) {
            const item = memory.get(id);
            const dedupKey = item?.lane === 'event' ? item.outbound.dedupKey : undefined;
            if (item && dedupKey)
              posted.push({
                destinationId: key.destinationId,
                channelId: key.channelId,
                dedupKey,
                sources: item.outbound.sources ?? [],
                postedAt: at,
              });
          }
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
