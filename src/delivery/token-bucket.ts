import type { PacingPolicy } from './destination.js';

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Time is passed in
 * (epoch or monotonic milliseconds, as long as the caller is consistent), so it has no clock.
 */
export class TokenBucket {
  #rate = 0;
  #burst = 0;
  /** Starts full: configure() caps it at the burst. */
  #tokens = Number.POSITIVE_INFINITY;
  #at: number;

  /** @throws RangeError when the policy's rate or burst is not a positive finite number. */
  constructor(policy: PacingPolicy, now: number) {
    this.configure(policy);
    this.#at = now;
  }

  /** Applies a new policy (a reloaded bot may declare another), keeping the tokens already earned. */
  configure(policy: PacingPolicy): void {
    if (!(Number.isFinite(policy.ratePerSecond) && policy.ratePerSecond > 0))
      throw new RangeError(`pacing.ratePerSecond must be a positive number, got ${policy.ratePerSecond}`);
    if (!(Number.isFinite(policy.burst) && policy.burst >= 1))
      throw new RangeError(`pacing.burst must be at least 1, got ${policy.burst}`);
    this.#rate = policy.ratePerSecond;
    this.#burst = policy.burst;
    this.#tokens = Math.min(this.#tokens, policy.burst);
  }

  /** True when `policy` is the one in force. */
  matches(policy: PacingPolicy): boolean {
    return policy.ratePerSecond === this.#rate && policy.burst === this.#burst;
  }

  /** Tokens available now (fractions included). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** When the next token is there: `now` or earlier if one is available already. */
  availableAt(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) return now;
    return now + Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }

  /**
   * Spends one token; the caller checked {@link availableAt} first. Returns the tokens left,
   * for {@link settle}.
   */
  take(now: number): number {
    this.#refill(now);
    this.#tokens = Math.max(0, this.#tokens - 1);
    return this.#tokens;
  }

  /**
   * The request that spent a token (leaving `left`) was answered at `now`. The platform saw it
   * at some moment before the answer, not when it was sent, so tokens refilled while it was in
   * flight are not trusted: pacing then holds however latency varies between two requests.
   */
  settle(left: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, left);
  }

  /**
   * Empties the bucket (after the platform said "slow down"): once a pause ends, sending resumes
   * at the sustained rate instead of with a burst.
   */
  drain(now: number): void {
    this.#refill(now);
    this.#tokens = 0;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    }
    this.#at = Math.max(this.#at, now);
  }
}
