import type { PostedRef } from './destination.js';

/** Told where an item was posted, or undefined when it was given up. */
export type Resolve = (ref: PostedRef | undefined) => void;

/**
 * The callers waiting for each queued item: several when edits collapse or duplicates merge.
 * Nearly every item has one caller, kept as is; a list is made only for a second one.
 */
export class Waiters {
  readonly #byId = new Map<number, Resolve | Resolve[]>();

  /** Resolves when item `id` is posted (with where) or given up (undefined). */
  wait(id: number): Promise<PostedRef | undefined> {
    return new Promise((resolve) => this.listen(id, resolve));
  }

  /**
   * Calls `done` when item `id` is posted or given up: the same as `wait` without a promise,
   * for callers that pass one function for many items.
   */
  listen(id: number, done: Resolve): void {
    if (this.#byId.has(id)) this.#add(id, [done]);
    else this.#byId.set(id, done);
  }

  settle(id: number, ref: PostedRef | undefined): void {
    const waiting = this.#byId.get(id);
    if (waiting === undefined) return;
    this.#byId.delete(id);
    if (typeof waiting === 'function') waiting(ref);
    else for (const resolve of waiting) resolve(ref);
  }

  /** Item `from` was folded into item `to`: its callers now wait for `to`. */
  move(from: number, to: number): void {
    const waiting = this.#byId.get(from);
    if (waiting === undefined) return;
    this.#byId.delete(from);
    this.#add(to, typeof waiting === 'function' ? [waiting] : waiting);
  }

  /** Every caller gets undefined (the pipeline closed). */
  abandon(): void {
    for (const waiting of this.#byId.values())
      if (typeof waiting === 'function') waiting(undefined);
      else for (const resolve of waiting) resolve(undefined);
    this.#byId.clear();
  }

  #add(id: number, resolves: Resolve[]): void {
    const known = this.#byId.get(id);
    if (known === undefined) this.#byId.set(id, resolves.length === 1 ? (resolves[0] as Resolve) : resolves);
    else this.#byId.set(id, [...(typeof known === 'function' ? [known] : known), ...resolves]);
  }
}
