import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000 };

  it('doubles per attempt up to the cap', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters between half and all of the step', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, policy);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('stays finite for huge attempt numbers', () => {
    expect(backoffDelay(10_000, policy, () => 1)).toBe(1000);
  });
});
