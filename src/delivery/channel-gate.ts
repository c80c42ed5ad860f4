import type { Logger } from '../log/logger.js';
import type { Destination } from './destination.js';
import { TokenBucket } from './token-bucket.js';

/**
 * When one channel may send next: its destination's token bucket, a pause a rate limit asked
 * for, and the backoff after a transient failure, whichever ends last.
 */
export class ChannelGate {
  #bucket: TokenBucket | undefined;
  #pacingError = false;
  #pausedUntil = 0;
  #retryAt = 0;
  /** Transient failures in a row. */
  attempts = 0;
  /** Rate-limit answers in a row. */
  rateLimits = 0;

  constructor(
    private readonly log: Logger,
    private readonly destinationId: string,
  ) {}

  /** The earliest time a message may go to `destination` (at most `now` when it may go now). */
  nextAt(destination: Destination | undefined, now: number): number {
    const bucket = this.#bucketFor(destination, now);
    return Math.max(this.#pausedUntil, this.#retryAt, bucket?.availableAt(now) ?? now);
  }

  /** Whole messages the channel may send right now; unbounded when it is not paced. */
  tokens(destination: Destination | undefined, now: number): number {
    const bucket = this.#bucketFor(destination, now);
    return bucket ? Math.floor(bucket.tokens(now)) : Number.POSITIVE_INFINITY;
  }

  /**
   * A message is being sent: it spends a token. Returns what {@link answered} needs once the
   * platform answers.
   */
  spend(now: number): number | undefined {
    return this.#bucket?.take(now);
  }

  /** The platform answered a message; `spent` is what {@link spend} returned for it. */
  answered(spent: number | undefined, now: number): void {
    if (spent !== undefined) this.#bucket?.settle(spent, now);
  }

  /** The platform said "slow down": nothing goes for `ms`, and then at the sustained rate. */
  pause(ms: number, now: number): void {
    this.rateLimits += 1;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + ms);
    this.#bucket?.drain(now);
  }

  /**
   * A transient failure: nothing goes for `ms`. Several messages in flight failing together
   * (a sink with concurrent deliveries) count as one attempt, so the backoff grows per round.
   * Returns false when the channel was backing off already.
   */
  backOff(ms: number, now: number): boolean {
    if (now < this.#retryAt) return false;
    this.attempts += 1;
    this.#retryAt = now + ms;
    return true;
  }

  /** A message went through, or was given up on: failures in a row start again from zero. */
  reset(): void {
    this.attempts = 0;
    this.rateLimits = 0;
  }

  #bucketFor(destination: Destination | undefined, now: number): TokenBucket | undefined {
    const pacing = destination?.pacing;
    if (!pacing) {
      this.#bucket = undefined;
      return undefined;
    }
    try {
      if (!this.#bucket) this.#bucket = new TokenBucket(pacing, now);
      else if (!this.#bucket.matches(pacing)) this.#bucket.configure(pacing);
    } catch (err) {
      // Pacing comes from bot code, not from users; say so once and keep delivering.
      if (!this.#pacingError) {
        this.log.error(
          { destination: this.destinationId, err: (err as Error).message },
          'destination declares invalid pacing; its channels are sent to unpaced',
        );
      }
      this.#pacingError = true;
      this.#bucket = undefined;
    }
    return this.#bucket;
  }
}
