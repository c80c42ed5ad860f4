/** A value the index can expire: the index sets `expiresAt` when the value is added. */
export interface Expiring {
  /**
   * When the entry expires, in ms since the index's first entry: a small integer, which V8 keeps
   * in the object itself, where an epoch time would be a separate 16-byte number per entry.
   */
  expiresAt: number;
}

/**
 * Event keys seen by one channel within a time window, each with a value the caller keeps
 * updating (queued, in flight, posted). Entries expire `windowMs` after they were first
 * seen; at most `maxEntries` are kept (the oldest go first), so memory stays bounded whatever
 * the event rate.
 *
 * A storm fills every channel's index to `maxEntries` and then evicts once per event, so the
 * value carries its own expiry (no wrapper object per entry), and expiry order is kept in two
 * plain arrays rather than by iterating the Map from its front: after many deletions at the
 * front, each new iterator walks past the deleted slots until the Map is rehashed.
 */
export class DedupIndex<T extends Expiring> {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, T>();
  /**
   * Keys in the order they were added, with the expiry each was added with; `#head` is the
   * oldest record still to look at. A key added again or deleted leaves a stale record behind
   * (its expiry no longer matches the entry's), which is skipped when reached.
   */
  #keys: string[] = [];
  #expiries: number[] = [];
  #head = 0;
  /** The time of the first entry; expiries are kept relative to it. */
  #epoch: number | undefined;

  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = Math.max(1, maxEntries);
  }

  /** The live value for `key`, or undefined when it was not seen within the window. */
  get(key: string, now: number): T | undefined {
    this.#prune(now);
    return this.#entries.get(key);
  }

  /** The value of `key` without pruning (it may have expired; callers only update with it). */
  peek(key: string): T | undefined {
    return this.#entries.get(key);
  }

  /** Records `key` as seen now (restarting its window); sets `value.expiresAt`. */
  add(key: string, value: T, now: number): void {
    this.#prune(now);
    this.#epoch ??= now;
    value.expiresAt = now - this.#epoch + this.#windowMs;
    this.#entries.set(key, value);
    this.#keys.push(key);
    this.#expiries.push(value.expiresAt);
    while (this.#entries.size > this.#maxEntries && this.#head < this.#keys.length) this.#dropHead();
    this.#compact();
  }

  /** Replaces the value of a live entry, keeping its expiry; does nothing when absent. */
  update(key: string, value: T): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    value.expiresAt = entry.expiresAt;
    this.#entries.set(key, value);
  }

  /** Forgets `key` (its event failed, so a later copy should be tried again). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #prune(now: number): void {
    if (this.#epoch === undefined) return;
    const at = now - this.#epoch;
    const expiries = this.#expiries;
    while (this.#head < expiries.length && (expiries[this.#head] as number) <= at) this.#dropHead();
  }

  /** Forgets the oldest record's key, unless the key was added again since (a stale record). */
  #dropHead(): void {
    const key = this.#keys[this.#head] as string;
    const expiresAt = this.#expiries[this.#head] as number;
    this.#head += 1;
    if (this.#entries.get(key)?.expiresAt === expiresAt) this.#entries.delete(key);
  }

  /** Once most of the arrays are behind the head, they are cut (amortised O(1) per record). */
  #compact(): void {
    if (this.#head < 1024 || this.#head * 2 < this.#keys.length) return;
    this.#keys = this.#keys.slice(this.#head);
    this.#expiries = this.#expiries.slice(this.#head);
    this.#head = 0;
  }
}
