import { describe, expect, it } from 'vitest';
import { DedupIndex } from './dedup-index.js';

describe('DedupIndex', () => {
  it('remembers a key for the window, then forgets it', () => {
    const index = new DedupIndex<string>(1000, 10);
    index.add('k', 'queued', 0);
    expect(index.get('k', 999)).toBe('queued');
    index.update('k', 'posted');
    expect(index.get('k', 999)).toBe('posted');
    expect(index.get('k', 1000)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const index = new DedupIndex<number>(60_000, 3);
    for (let i = 0; i < 5; i++) index.add(`k${i}`, i, i);
    expect(index.size).toBe(3);
    expect(index.get('k0', 10)).toBeUndefined();
    expect(index.get('k4', 10)).toBe(4);
  });

  it('restarts the window of a key added again, and forgets deleted keys', () => {
    const index = new DedupIndex<number>(1000, 10);
    index.add('a', 1, 0);
    index.add('b', 2, 500);
    index.add('a', 3, 900);
    expect(index.get('a', 1500)).toBe(3);
    expect(index.get('b', 1500)).toBeUndefined();
    index.delete('a');
    expect(index.get('a', 1500)).toBeUndefined();
    index.update('a', 9);
    expect(index.get('a', 1500)).toBeUndefined();
  });
});
