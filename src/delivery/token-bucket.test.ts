import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/rate seconds', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3 }, 0);
    for (let i = 0; i < 3; i++) {
      expect(bucket.availableAt(0)).toBe(0);
      bucket.take(0);
    }
    expect(bucket.availableAt(0)).toBe(1000);
    expect(bucket.availableAt(400)).toBe(1000);
    bucket.take(1000);
    expect(bucket.availableAt(1000)).toBe(2000);
  });

  it('never holds more than the burst after a quiet spell', () => {
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 2 }, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.availableAt(60_000)).toBe(60_000);
    bucket.take(60_000);
    bucket.take(60_000);
    expect(bucket.availableAt(60_000)).toBe(60_200);
  });

  it('sends at most burst + rate × W in any window of W seconds (how bots size their pacing)', () => {
    const policy = { ratePerSecond: 1, burst: 5 };
    const bucket = new TokenBucket(policy, 0);
    let t = 0;
    const sent: number[] = [];
    while (sent.length < 30) {
      t = bucket.availableAt(t);
      bucket.take(t);
      sent.push(t);
    }
    for (const start of sent) {
      const inWindow = sent.filter((s) => s >= start && s < start + 5000).length;
      expect(inWindow).toBeLessThanOrEqual(policy.burst + policy.ratePerSecond * 5);
    }
    expect(sent.at(-1)).toBe(25_000);
  });

  it('settle() discards tokens earned while a request was in flight', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 }, 0);
    const left = bucket.take(0);
    expect(left).toBe(0);
    bucket.settle(left, 300);
    // Next token a full interval after the answer, not after the send.
    expect(bucket.availableAt(300)).toBe(1300);
    const full = new TokenBucket({ ratePerSecond: 1, burst: 3 }, 0);
    full.settle(full.take(0), 300);
    expect(full.availableAt(300)).toBe(300);
  });

  it('drain() empties it so sending resumes at the sustained rate', () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 4 }, 0);
    bucket.drain(0);
    expect(bucket.availableAt(0)).toBe(500);
  });

  it('configure() applies a new policy and keeps at most the new burst', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 10 }, 0);
    expect(bucket.matches({ ratePerSecond: 1, burst: 10 })).toBe(true);
    bucket.configure({ ratePerSecond: 10, burst: 1 });
    expect(bucket.matches({ ratePerSecond: 1, burst: 10 })).toBe(false);
    bucket.take(0);
    expect(bucket.availableAt(0)).toBe(100);
  });

  it('rejects a policy that is not a positive rate and a burst of at least 1, naming the field', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 }, 0)).toThrow(/pacing.ratePerSecond.*got 0/);
    expect(() => new TokenBucket({ ratePerSecond: Number.NaN, burst: 1 }, 0)).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 }, 0)).toThrow(
      /pacing.burst must be at least 1, got 0.5/,
    );
  });
});
