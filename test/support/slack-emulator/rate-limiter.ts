/**
 * Token buckets keyed by channel: Slack's "about one message per second per channel, with short
 * bursts" posting limit. A bucket starts full (`burst` tokens) and refills continuously.
 */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.ratePerSecond > 0) || !Number.isFinite(limit.ratePerSecond)) {
      throw new Error(`rateLimit.ratePerSecond must be a positive number, got ${limit.ratePerSecond}`);
    }
    if (!Number.isInteger(limit.burst) || limit.burst < 1) {
      throw new Error(`rateLimit.burst must be an integer >= 1, got ${limit.burst}`);
    }
  }

  /** Takes a token for `key`; false when the bucket is empty (the call is rate limited). */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, updatedMs: now };
    const refill = ((now - bucket.updatedMs) / 1000) * this.limit.ratePerSecond;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + refill);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
