/**
 * What Rocket.Chat's REST rate limiter said last, per route: `X-RateLimit-Remaining` calls until
 * `X-RateLimit-Reset` (ms since the epoch). The bot holds a call that would be refused until the
 * reset instead of spending it on a 429, and hands the wait to the delivery pipeline as a
 * retry-after, so paced messages keep their order and nothing is dropped.
 *
 * The server counts per route for all channels together, and several channels post at once, so
 * the book counts the calls it lets through itself: an answer only ever lowers what is left in
 * its window (it says nothing of the calls still in flight), and once a window has ended the next
 * one is assumed to allow `X-RateLimit-Limit` calls until the server's first answer in it.
 */

interface Window {
  remaining: number;
  resetAt: number;
  limit: number;
  /** Length of a window, estimated from the first answer seen in one. */
  lengthMs: number;
  /** Opened by the book when the last known window ended, before the server answered in it. */
  assumed: boolean;
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
    const rawRemaining = headers.get('x-ratelimit-remaining');
    const remaining = Number(rawRemaining);
    const resetAt = Number(headers.get('x-ratelimit-reset'));
    const limit = Number(headers.get('x-ratelimit-limit') ?? Number.NaN);
    if (rawRemaining === null || !Number.isFinite(remaining) || !Number.isFinite(resetAt)) return;
    const now = this.#now();
    const known = this.#routes.get(route);
    if (known && (known.resetAt === resetAt || (known.assumed && known.resetAt > now))) {
      known.remaining = Math.min(known.remaining, remaining);
      known.resetAt = resetAt;
      known.assumed = false;
      return;
    }
    if (known && resetAt < known.resetAt) return;
    this.#routes.set(route, {
      remaining,
      resetAt,
      limit: Number.isFinite(limit) ? limit : remaining + 1,
      lengthMs: Math.max(known?.lengthMs ?? 0, resetAt - now),
      assumed: false,
    });
  }

  /** Notes one call about to be made on `route` (the server counts it before answering). */
  spend(route: string): void {
    const window = this.#routes.get(route);
    if (!window) return;
    const now = this.#now();
    if (window.resetAt > now) {
      window.remaining = Math.max(0, window.remaining - 1);
      return;
    }
    this.#routes.set(route, {
      ...window,
      remaining: Math.max(0, window.limit - 1),
      resetAt: now + Math.max(window.lengthMs, 1),
      assumed: true,
    });
  }

  /** Milliseconds to wait before `route` may be called again; 0 when a call would be accepted. */
  waitMs(route: string): number {
    const window = this.#routes.get(route);
    if (!window || window.remaining > 0) return 0;
    return Math.max(0, window.resetAt - this.#now());
  }

  /** After a 429: the route is exhausted until `resetAt` (or `fallbackMs` from now without one). */
  exhausted(route: string, resetAt: number | undefined, fallbackMs: number): number {
    const now = this.#now();
    const at = resetAt !== undefined && resetAt > now ? resetAt : now + fallbackMs;
    const known = this.#routes.get(route);
    this.#routes.set(route, {
      remaining: 0,
      resetAt: at,
      limit: known?.limit ?? 1,
      lengthMs: known?.lengthMs ?? at - now,
      assumed: false,
    });
    return at - now;
  }
}
