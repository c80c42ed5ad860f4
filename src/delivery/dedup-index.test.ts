import { describe, expect, it } from 'vitest';
import { DedupIndex } from './dedup-index.js';

interface Value {
  v: string | number;
  expiresAt: number;
}
const value = (v: string | number): Value => ({ v, expiresAt: 0 });

describe('DedupIndex', () => {
  it('remembers a key for the window, then forgets it', () => {
    const index = new DedupIndex<Value>(1000, 10);
    index.add('k', value('queued'), 0);
    expect(index.get('k', 999)?.v).toBe('queued');
    index.update('k', value('posted'));
    expect(index.get('k', 999)?.v).toBe('posted');
    expect(index.get('k', 1000)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const index = new DedupIndex<Value>(60_000, 3);
    for (let i = 0; i < 5; i++) index.add(`k${i}`, value(i), i);
    expect(index.size).toBe(3);
    expect(index.get('k0', 10)).toBeUndefined();
    expect(index.get('k1', 10)).toBeUndefined();
    expect(index.get('k2', 10)?.v).toBe(2);
    expect(index.get('k4', 10)?.v).toBe(4);
  });

  it('restarts the window of a key added again, and forgets deleted keys', () => {
    const index = new DedupIndex<Value>(1000, 10);
    index.add('a', value(1), 0);
    index.add('b', value(2), 500);
    index.add('a', value(3), 900);
    expect(index.get('a', 1500)?.v).toBe(3);
    expect(index.get('b', 1500)).toBeUndefined();
    index.delete('a');
    expect(index.get('a', 1500)).toBeUndefined();
    index.update('a', value(9));
    expect(index.get('a', 1500)).toBeUndefined();
  });

  it('at the bound, a key added again is evicted by its newest record, not its stale one', () => {
    const index = new DedupIndex<Value>(60_000, 2);
    index.add('a', value(1), 0);
    index.add('b', value(2), 1);
    index.add('a', value(3), 2);
    // 'a' was re-added after 'b': 'b' is now the oldest and goes first.
    index.add('c', value(4), 3);
    expect(index.get('b', 4)).toBeUndefined();
    expect(index.get('a', 4)?.v).toBe(3);
    expect(index.get('c', 4)?.v).toBe(4);
  });

  it('stays bounded and correct over many more records than it keeps', () => {
    const index = new DedupIndex<Value>(100, 50);
    for (let i = 0; i < 10_000; i++) index.add(`k${i % 70}`, value(i), i);
    expect(index.size).toBe(50);
    expect(index.get('k29', 9_999)?.v).toBe(9_969);
    expect(index.get('k65', 9_999)).toBeUndefined();
    expect(index.get('k10', 9_999)?.v).toBe(9_950);
    expect(index.get('k29', 10_069)).toBeUndefined();
  });
});
