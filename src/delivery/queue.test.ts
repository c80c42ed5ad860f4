import { describe, expect, it } from 'vitest';
import { plaintextMessage } from '../contract/message.js';
import { createMemoryQueue, type QueuedDelivery, type QueueLane } from './queue.js';

const item = (id: number, lane: QueueLane, text = `m${id}`): QueuedDelivery => ({
  id,
  lane,
  outbound: { address: { destinationId: 'd', channelId: 'c' }, message: plaintextMessage(text) },
  enqueuedAt: id,
});

describe('createMemoryQueue', () => {
  it('keeps each lane in order and peeks without removing', () => {
    const q = createMemoryQueue();
    q.put(item(1, 'event'));
    q.put(item(2, 'reply'));
    q.put(item(3, 'event'));
    expect(q.peek('event', 10).map((i) => i.id)).toEqual([1, 3]);
    expect(q.peek('event', 1).map((i) => i.id)).toEqual([1]);
    expect(q.peek('reply', 0)).toEqual([]);
    expect(q.size()).toBe(3);
    expect(q.size('event')).toBe(2);
  });

  it('replaces an item with the same id in place', () => {
    const q = createMemoryQueue();
    q.put(item(1, 'reply', 'old'));
    q.put(item(2, 'reply'));
    q.put(item(1, 'reply', 'new'));
    expect(q.peek('reply', 5).map((i) => [i.id, i.outbound.message.baseBody.plaintext])).toEqual([
      [1, 'new'],
      [2, 'm2'],
    ]);
  });

  it('removes by id from either lane and ignores unknown ids', () => {
    const q = createMemoryQueue();
    q.put(item(1, 'reply'));
    q.put(item(2, 'event'));
    q.put(item(3, 'event'));
    q.remove([2, 1, 99]);
    expect(q.peek('event', 5).map((i) => i.id)).toEqual([3]);
    expect(q.size('reply')).toBe(0);
  });
});
