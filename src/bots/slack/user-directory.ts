/**
 * Display names of the people who run commands, for audit lines and plugin context: one
 * `users.info` per person per hour at most (Botkube cached them forever), a bounded cache, and
 * the user ID when Slack cannot tell (a missing `users:read` scope must not stop commands).
 */
export interface UserDirectoryOptions {
  /** `users.info` → the name to show; throws when Slack cannot answer. */
  fetch(userId: string): Promise<string>;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
  onError?(userId: string, err: unknown): void;
}

export class UserDirectory {
  readonly #options: UserDirectoryOptions;
  readonly #cache = new Map<string, { name: string; until: number }>();
  readonly #pending = new Map<string, Promise<string>>();

  constructor(options: UserDirectoryOptions) {
    this.#options = options;
  }

  /** The user's display name, or their ID when it cannot be found. Never throws. */
  displayName(userId: string): Promise<string> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(userId);
    if (cached && cached.until > now) return Promise.resolve(cached.name);
    let pending = this.#pending.get(userId);
    if (!pending) {
      pending = this.#options
        .fetch(userId)
        .then((name) => this.#remember(userId, name || userId, this.#options.ttlMs ?? 3_600_000))
        .catch((err: unknown) => {
          this.#options.onError?.(userId, err);
          // Ask again after a minute rather than on every command.
          return this.#remember(userId, cached?.name ?? userId, 60_000);
        })
        .finally(() => this.#pending.delete(userId));
      this.#pending.set(userId, pending);
    }
    return pending;
  }

  #remember(userId: string, name: string, ttlMs: number): string {
    const max = this.#options.maxEntries ?? 5000;
    if (!this.#cache.has(userId) && this.#cache.size >= max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.delete(userId);
    this.#cache.set(userId, { name, until: (this.#options.now ?? Date.now)() + ttlMs });
    return name;
  }
}
