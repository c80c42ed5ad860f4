/**
 * What Rocket.Chat's REST rate limiter said last, per route: `X-RateLimit-Remaining` calls until
 * `X-RateLimit-Reset` (ms since the epoch). The bot holds a call that would be refused until the
 * reset instead of spending it on a 429, and hands the wait to the delivery pipeline as a
 * retry-after, so paced messages keep their order and nothing is dropped.
 */

interface Window {
  remaining: number;
  resetAt: number;
}

/** Headers as undici's `Headers` offers them. */
export interface HeaderSource {
  get(name: string): string | null;
}

export class RateLimitBook {
  readonly #routes = new Map<string, Window>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records a response's headers for `route`; routes without the headers are unlimited. */
  record(route: string, headers: HeaderSource): void {
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const resetAt = Number(headers.get('x-ratelimit-reset'));
    if (
      headers.get('x-ratelimit-remaining') === null ||
      !Number.isFinite(remaining) ||
      !Number.isFinite(resetAt)
    ) {
      return;
    }
    this.#routes.set(route, { remaining, resetAt });
  }

  /** Notes one call about to be made on `route` (the server counts it before answering). */
  spend(route: string): void {
    const window = this.#routes.get(route);
    if (window && window.resetAt > this.#now()) window.remaining = Math.max(0, window.remaining - 1);
  }

  /** Milliseconds to wait before `route` may be called again; 0 when a call would be accepted. */
  waitMs(route: string): number {
    const window = this.#routes.get(route);
    if (!window || window.remaining > 0) return 0;
    return Math.max(0, window.resetAt - this.#now());
  }

  /** After a 429: the route is exhausted until `resetAt` (or `fallbackMs` from now without one). */
  exhausted(route: string, resetAt: number | undefined, fallbackMs: number): number {
    const at = resetAt !== undefined && resetAt > this.#now() ? resetAt : this.#now() + fallbackMs;
    this.#routes.set(route, { remaining: 0, resetAt: at });
    return at - this.#now();
  }
}
