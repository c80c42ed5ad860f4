/** Timers the coalescer uses; tests pass their own. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: Timers = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Coalesces repeats of one warning (one core/v1 Event object) into at most one report per interval. */
export interface RepeatCoalescer<T> {
  /** Reports `value` now if nothing was reported for `key` within the interval, else holds it (the newest wins). */
  offer(key: string, value: T): void;
  /** Sends what is held for `key` now and forgets the key (its Event was deleted). */
  forget(key: string): void;
  /** Cancels every held report. */
  stop(): void;
}

/**
 * Botkube reports a crash loop once per Event object (about once an hour, its TTL) because it
 * ignores Event updates. Here the first occurrence is reported at once, and later repeats
 * (the Event's count going up) at most once per `intervalMs`: the newest is held and sent when
 * the interval since the last report ends, so a burst of 50 repeats becomes one message with
 * its latest count, and nothing is lost.
 */
export function createRepeatCoalescer<T>(options: {
  intervalMs: number;
  report(value: T): void;
  timers?: Timers;
}): RepeatCoalescer<T> {
  const timers = options.timers ?? systemTimers;
  const state = new Map<string, { lastAt: number; held?: T; timer?: unknown }>();
  const flush = (key: string) => {
    const entry = state.get(key);
    if (!entry || entry.held === undefined) return;
    const value = entry.held;
    entry.held = undefined;
    entry.timer = undefined;
    entry.lastAt = timers.now();
    options.report(value);
  };
  const prune = () => {
    const cutoff = timers.now() - options.intervalMs * 10;
    for (const [key, entry] of state)
      if (entry.held === undefined && entry.lastAt < cutoff) state.delete(key);
  };
  return {
    offer(key, value) {
      const now = timers.now();
      const entry = state.get(key);
      if (!entry || now - entry.lastAt >= options.intervalMs) {
        if (entry?.timer !== undefined) timers.clearTimeout(entry.timer);
        state.set(key, { lastAt: now });
        if (state.size > 1000) prune();
        options.report(value);
        return;
      }
      entry.held = value;
      entry.timer ??= timers.setTimeout(() => flush(key), entry.lastAt + options.intervalMs - now);
    },
    forget(key) {
      const entry = state.get(key);
      if (entry?.timer !== undefined) timers.clearTimeout(entry.timer);
      flush(key);
      state.delete(key);
    },
    stop() {
      for (const entry of state.values()) if (entry.timer !== undefined) timers.clearTimeout(entry.timer);
      state.clear();
    },
  };
}
