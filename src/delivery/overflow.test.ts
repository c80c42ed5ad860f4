import { describe, expect, it } from 'vitest';
import { Overflow, SinkDrops } from './overflow.js';

describe('Overflow', () => {
  it('counts per source, hands the tally over, and takes it back when the digest failed', () => {
    const overflow = new Overflow();
    overflow.add(['a'], 100);
    overflow.add(['a', 'b'], 200);
    overflow.add(undefined, 300);
    const taken = overflow.take();
    expect([taken.count, taken.since, [...taken.sources]]).toEqual([
      3,
      100,
      [
        ['a', 2],
        ['b', 1],
        ['unknown source', 1],
      ],
    ]);
    expect(overflow.count).toBe(0);
    overflow.add(['b'], 400);
    overflow.restore(taken);
    expect([overflow.count, overflow.since, overflow.sources.get('b')]).toEqual([4, 100, 2]);
  });
});

describe('SinkDrops', () => {
  it('reports the first drop at once, then sums drops for 10 s or until flushed', () => {
    const reports: number[] = [];
    const drops = new SinkDrops((n) => reports.push(n));
    drops.add(0);
    drops.add(1000);
    drops.add(2000);
    expect(reports).toEqual([1]);
    expect(drops.unlogged).toBe(2);
    drops.add(10_001);
    expect(reports).toEqual([1, 3]);
    drops.add(10_500);
    drops.flush(11_000);
    drops.flush(12_000);
    expect(reports).toEqual([1, 3, 1]);
  });
});
