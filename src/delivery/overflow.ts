import type { OverflowTally } from './digest.js';

/** A mutable {@link OverflowTally}: events counted without details since the last report. */
export class Overflow implements OverflowTally {
  count = 0;
  since = 0;
  atCap = 0;
  readonly sources = new Map<string, number>();

  /** Counts one event from `sources` at `now`; `atCap` when the queue file's size cap dropped it. */
  add(sources: readonly string[] | undefined, now: number, atCap = false): void {
    if (this.count === 0) this.since = now;
    this.count += 1;
    if (atCap) this.atCap += 1;
    for (const source of sources && sources.length > 0 ? sources : ['unknown source'])
      this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
  }

  /** Hands the current tally over (to a digest about to be sent) and starts a new one. */
  take(): Overflow {
    const taken = new Overflow();
    taken.count = this.count;
    taken.since = this.since;
    taken.atCap = this.atCap;
    for (const [k, v] of this.sources) taken.sources.set(k, v);
    this.count = 0;
    this.since = 0;
    this.atCap = 0;
    this.sources.clear();
    return taken;
  }

  /** Puts back a tally whose digest was not delivered (it is reported by the next one). */
  restore(taken: Overflow): void {
    if (taken.count === 0) return;
    this.since = this.count === 0 ? taken.since : Math.min(this.since, taken.since);
    this.count += taken.count;
    this.atCap += taken.atCap;
    for (const [k, v] of taken.sources) this.sources.set(k, (this.sources.get(k) ?? 0) + v);
  }
}

/** Dropped sink events are logged at most this often (and when the sink's queue drains). */
const sinkDropLogMs = 10_000;

/**
 * Events a full sink queue dropped: sinks get no digest to report them in, so they are logged,
 * summed, at most every 10 s and whenever the queue drains; never silently.
 */
export class SinkDrops {
  #count = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly report: (dropped: number) => void) {}

  /** Events dropped and not logged yet. */
  get unlogged(): number {
    return this.#count;
  }

  add(now: number): void {
    this.#count += 1;
    if (now - this.#loggedAt >= sinkDropLogMs) this.flush(now);
  }

  flush(now: number): void {
    if (this.#count === 0) return;
    this.report(this.#count);
    this.#count = 0;
    this.#loggedAt = now;
  }
}
