import type { PostedRef } from './destination.js';

type Resolve = (ref: PostedRef | undefined) => void;

/** The callers waiting for each queued item: several when edits collapse or duplicates merge. */
export class Waiters {
  readonly #byId = new Map<number, Resolve[]>();

  /** Resolves when item `id` is posted (with where) or given up (undefined). */
  wait(id: number): Promise<PostedRef | undefined> {
    return new Promise((resolve) => {
      const list = this.#byId.get(id);
      if (list) list.push(resolve);
      else this.#byId.set(id, [resolve]);
    });
  }

  settle(id: number, ref: PostedRef | undefined): void {
    const list = this.#byId.get(id);
    this.#byId.delete(id);
    for (const resolve of list ?? []) resolve(ref);
  }

  /** Item `from` was folded into item `to`: its callers now wait for `to`. */
  move(from: number, to: number): void {
    const list = this.#byId.get(from);
    if (!list) return;
    this.#byId.delete(from);
    const target = this.#byId.get(to);
    if (target) target.push(...list);
    else this.#byId.set(to, list);
  }

  /** Every caller gets undefined (the pipeline closed). */
  abandon(): void {
    for (const list of this.#byId.values()) for (const resolve of list) resolve(undefined);
    this.#byId.clear();
  }
}
