import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultBackoff } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { ...defaultBackoff, jitter: 0 };

  it('doubles from the initial delay and stops at the maximum', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(policy, 30)).toBe(30_000);
  });

  it('spreads delays by the jitter fraction', () => {
    const jittered = { ...defaultBackoff, jitter: 0.2 };
    expect(backoffDelay(jittered, 1, () => 0)).toBe(400);
    expect(backoffDelay(jittered, 1, () => 1)).toBe(600);
    expect(backoffDelay(jittered, 1, () => 0.5)).toBe(500);
  });
});
