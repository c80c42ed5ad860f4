import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limiter.js';

describe('TokenBuckets', () => {
  it('allows a burst, then one call per refill interval, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 3 }, () => now);

    expect([1, 2, 3, 4].map(() => buckets.take('C1'))).toEqual([true, true, true, false]);
    expect(buckets.take('C2')).toBe(true);
    now = 999;
    expect(buckets.take('C1')).toBe(false);
    now = 1000;
    expect(buckets.take('C1')).toBe(true);
    expect(buckets.take('C1')).toBe(false);
    now = 60_000;
    expect([1, 2, 3, 4].map(() => buckets.take('C1'))).toEqual([true, true, true, false]);
  });

  it('rejects a budget that cannot be met', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 3 })).toThrow(
      'rateLimit.ratePerSecond must be a positive number, got 0',
    );
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0.5 })).toThrow(
      'rateLimit.burst must be an integer >= 1, got 0.5',
    );
  });
});
