/** How much of its own output one plugin process may put into the agent log. */
export interface LogLimit {
  linesPerSecond: number;
  bytesPerSecond: number;
}

/** Lines and bytes refused by a {@link LogBudget}. */
export interface LogDrops {
  lines: number;
  bytes: number;
}

/** Seconds of the rate a quiet plugin may save up for a burst (start-up chatter, a stack trace). */
const burstSeconds = 2;

/**
 * Two token buckets (lines and bytes) refilled at the limit's rates, holding up to
 * `burstSeconds` of each. A line is admitted while both have credit; the byte bucket
 * may go into debt for one long line, so a line longer than the burst still gets through
 * once, and the average stays at the limit.
 */
export class LogBudget {
  readonly limit: LogLimit;
  readonly #now: () => number;
  #lines: number;
  #bytes: number;
  #at: number;
  #dropped: LogDrops = { lines: 0, bytes: 0 };

  constructor(limit: LogLimit, now: () => number = () => performance.now()) {
    this.limit = limit;
    this.#now = now;
    this.#lines = limit.linesPerSecond * burstSeconds;
    this.#bytes = limit.bytesPerSecond * burstSeconds;
    this.#at = now();
  }

  /** True when a line of `bytes` may be logged; otherwise it is counted as dropped. */
  admit(bytes: number): boolean {
    const now = this.#now();
    const seconds = Math.max(0, now - this.#at) / 1000;
    this.#at = now;
    this.#lines = Math.min(
      this.limit.linesPerSecond * burstSeconds,
      this.#lines + seconds * this.limit.linesPerSecond,
    );
    this.#bytes = Math.min(
      this.limit.bytesPerSecond * burstSeconds,
      this.#bytes + seconds * this.limit.bytesPerSecond,
    );
    if (this.#lines >= 1 && this.#bytes > 0) {
      this.#lines -= 1;
      this.#bytes -= bytes;
      return true;
    }
    this.#dropped.lines += 1;
    this.#dropped.bytes += bytes;
    return false;
  }

  /** What was dropped since the last call (and forgets it). */
  takeDropped(): LogDrops {
    const dropped = this.#dropped;
    this.#dropped = { lines: 0, bytes: 0 };
    return dropped;
  }
}
