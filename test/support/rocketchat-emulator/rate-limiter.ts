/**
 * Rocket.Chat's REST rate limiter: a fixed window per route and client IP (default 10 calls per
 * 60,000 ms), `X-RateLimit-Limit` / `-Remaining` / `-Reset` (ms since the epoch) on every limited
 * answer, and users with `api-bypass-rate-limit` (the `bot` role by default) not counted at all.
 */

export interface RateLimit {
  calls: number;
  windowMs: number;
  /** Users with the bot role bypass the limiter, as on a default server. Default true. */
  exemptBots?: boolean;
}

interface Window {
  count: number;
  resetAt: number;
}

export interface Verdict {
  allowed: boolean;
  headers: Record<string, string>;
  resetAt: number;
}

export class RouteLimiter {
  readonly #windows = new Map<string, Window>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit.calls) || limit.calls < 1) {
      throw new Error(`rateLimit.calls must be an integer >= 1, got ${limit.calls}`);
    }
    if (!(limit.windowMs > 0)) throw new Error(`rateLimit.windowMs must be > 0, got ${limit.windowMs}`);
  }

  take(route: string, ip: string): Verdict {
    const now = this.now();
    const key = `${route} ${ip}`;
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.limit.windowMs };
      this.#windows.set(key, window);
    }
    window.count++;
    const allowed = window.count <= this.limit.calls;
    return {
      allowed,
      resetAt: window.resetAt,
      headers: {
        'x-ratelimit-limit': String(this.limit.calls),
        'x-ratelimit-remaining': String(Math.max(0, this.limit.calls - window.count)),
        'x-ratelimit-reset': String(window.resetAt),
      },
    };
  }
}

/** The body Rocket.Chat answers a limited call with (no `Retry-After` header). */
export function tooManyRequests(resetAt: number, now = Date.now()): Record<string, unknown> {
  const seconds = Math.max(0, Math.ceil((resetAt - now) / 1000));
  return {
    success: false,
    error: `Error, too many requests. Please slow down. You must wait ${seconds} seconds before trying this endpoint again. [error-too-many-requests]`,
  };
}
