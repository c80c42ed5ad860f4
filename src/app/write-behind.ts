/** Keyed values written behind: see {@link createWriteBehind}. */
export interface WriteBehind<V> {
  /** Every value known: set here, or read back by the owner with `adopt`. */
  readonly values: ReadonlyMap<string, V>;
  /** Records a value; the write follows within the interval. Ignored after `close`. */
  set(key: string, value: V): void;
  /** Takes a value read from the store, unless one set here is not written yet (that one is newer). */
  adopt(key: string, value: V): void;
  /** Writes what is pending now; rejects when that write failed (it is tried again). */
  flush(): Promise<void>;
  /** Flushes, then stops writing. */
  close(): Promise<void>;
}

export interface WriteBehindOptions<V> {
  /** The shortest time between two writes. */
  intervalMs: number;
  /**
   * Writes one round: `changed` holds the values set since the last good round (the newest of each
   * key), `all` every value. Rounds never overlap, so an older round never lands after a newer one.
   */
  persist(changed: ReadonlyMap<string, V>, all: ReadonlyMap<string, V>): Promise<void>;
  /** A round failed; its values are tried again at the next interval (newer ones win). */
  onError(err: Error): void;
}

/**
 * Coalesced, serialised writes for state that may lag a little (stream cursors): at most one round
 * per interval, the last value of a key wins, a failed round is retried with whatever is newest.
 * Losing the last moments to a crash is the accepted cost (the owner's data says what that means).
 */
export function createWriteBehind<V>(options: WriteBehindOptions<V>): WriteBehind<V> {
  const values = new Map<string, V>();
  let pending = new Map<string, V>();
  let closed = false;
  let lastWriteAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => void write(), Math.max(0, lastWriteAt + options.intervalMs - Date.now()));
    timer.unref();
  };

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const batch = pending;
    pending = new Map();
    lastWriteAt = Date.now();
    writing = writing
      .catch(() => {})
      .then(() => options.persist(batch, values))
      .catch((err: Error) => {
        for (const [key, value] of batch) if (!pending.has(key)) pending.set(key, value);
        if (!closed) schedule();
        options.onError(err);
        throw err;
      });
    // Nobody may be waiting on a scheduled round; its failure went to onError.
    writing.catch(() => {});
    return writing;
  };

  return {
    values,
    set(key, value) {
      if (closed || (values.has(key) && values.get(key) === value)) return;
      values.set(key, value);
      pending.set(key, value);
      schedule();
    },
    adopt(key, value) {
      if (!pending.has(key)) values.set(key, value);
    },
    flush: () => write(),
    async close() {
      try {
        await write();
      } finally {
        closed = true;
        if (timer) clearTimeout(timer);
      }
    },
  };
}
