/**
 * Discord's rate limits as the emulator applies them: a fixed window per route bucket and major
 * parameter (channel, webhook), and a global budget per second that interaction routes do not
 * count against. Every answer carries the `X-RateLimit-*` headers discord.js paces itself by,
 * with a coherent `Reset-After`, so a client that reads them never meets a 429.
 */
import { createHash } from 'node:crypto';

export interface BucketRule {
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request is refused: seconds to wait, and whether the global limit did it. */
  limited?: { retryAfter: number; global: boolean };
}

interface Window {
  remaining: number;
  resetAt: number;
}

export class RateLimits {
  readonly #windows = new Map<string, Window>();
  #global: Window = { remaining: 0, resetAt: 0 };

  constructor(
    private readonly rules: { route(route: string): BucketRule; globalPerSecond: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request of `route` (`METHOD /template`) for `major`; `exempt` skips the global budget. */
  take(route: string, major: string, exempt: boolean): RateDecision {
    const now = this.now();
    if (!exempt) {
      if (now >= this.#global.resetAt)
        this.#global = { remaining: this.rules.globalPerSecond, resetAt: now + 1000 };
      if (this.#global.remaining <= 0) {
        const retryAfter = (this.#global.resetAt - now) / 1000;
        return {
          headers: {
            'x-ratelimit-global': 'true',
            'x-ratelimit-scope': 'global',
            'retry-after': String(Math.ceil(retryAfter)),
          },
          limited: { retryAfter, global: true },
        };
      }
    }
    const rule = this.rules.route(route);
    const key = `${route} ${major}`;
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.#windows.set(key, window);
    }
    const resetAfter = (window.resetAt - now) / 1000;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(Math.max(window.remaining - 1, 0)),
      'x-ratelimit-reset': (window.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': createHash('sha1').update(route).digest('hex').slice(0, 16),
    };
    if (window.remaining <= 0) {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-scope'] = 'user';
      headers['retry-after'] = String(Math.max(Math.ceil(resetAfter), 1));
      return { headers, limited: { retryAfter: resetAfter, global: false } };
    }
    window.remaining -= 1;
    if (!exempt) this.#global.remaining -= 1;
    return { headers };
  }
}
