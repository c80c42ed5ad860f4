/** A Map that forgets its least recently written entries beyond `max` (insertion order is the age). */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();

  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
  }

  /** Records `key`; true when it was already there (a repeat). */
  seen(key: K, value: V): boolean {
    const repeat = this.#map.has(key);
    this.set(key, value);
    return repeat;
  }

  get size(): number {
    return this.#map.size;
  }
}
