/**
 * Keys remembered up to a fixed count, oldest forgotten first: message ids already handled (the
 * stream and a catch-up can both deliver one) and the commands behind the bot's buttons.
 */
export class BoundedMap<K, V> {
  readonly #max: number;
  readonly #items = new Map<K, V>();

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    return this.#items.get(key);
  }

  set(key: K, value: V): void {
    this.#items.delete(key);
    this.#items.set(key, value);
    if (this.#items.size > this.#max) {
      const oldest = this.#items.keys().next();
      if (!oldest.done) this.#items.delete(oldest.value);
    }
  }

  /** True when `key` was there already; remembers it either way. */
  seen(key: K, value: V): boolean {
    const had = this.#items.has(key);
    this.set(key, value);
    return had;
  }
}
