/**
 * Event keys seen by one channel within a time window, each with a value the caller keeps
 * updating (queued, in flight, posted). Entries expire `windowMs` after they were first
 * seen; at most `maxEntries` are kept (the oldest go first), so memory stays bounded whatever
 * the event rate.
 */
export class DedupIndex<T> {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** Insertion order is expiry order, since every entry lives for the same window. */
  readonly #entries = new Map<string, { value: T; expiresAt: number }>();
  /**
   * No entry expires before this: lookups before it skip the scan (each scan starts an iterator,
   * and a fan-out looks up every event once per channel).
   */
  #nextExpiry = Number.POSITIVE_INFINITY;

  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = Math.max(1, maxEntries);
  }

  /** The live value for `key`, or undefined when it was not seen within the window. */
  get(key: string, now: number): T | undefined {
    this.#prune(now);
    return this.#entries.get(key)?.value;
  }

  /** The value of `key` without pruning (it may have expired; callers only update with it). */
  peek(key: string): T | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Records `key` as seen now (restarting its window). */
  add(key: string, value: T, now: number): void {
    this.#prune(now);
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: now + this.#windowMs });
    if (this.#entries.size === 1) this.#nextExpiry = now + this.#windowMs;
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Replaces the value of a live entry, keeping its expiry; does nothing when absent. */
  update(key: string, value: T): void {
    const entry = this.#entries.get(key);
    if (entry) entry.value = value;
  }

  /** Forgets `key` (its event failed, so a later copy should be tried again). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #prune(now: number): void {
    if (now < this.#nextExpiry) return;
    this.#nextExpiry = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) {
        this.#nextExpiry = entry.expiresAt;
        break;
      }
      this.#entries.delete(key);
    }
  }
}
