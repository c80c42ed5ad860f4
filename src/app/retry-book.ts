import { type BackoffPolicy, backoffDelay } from '../core/backoff.js';

/** One part of the agent that could not start, as `/status` shows it. */
export interface Failure {
  reason: string;
  /** Failed attempts since it last worked (1 after the first failure). */
  attempts: number;
  /** When it first failed (ISO time). */
  since: string;
  /** When the next attempt is due (ISO time); absent when nothing will retry it (a config error). */
  nextRetryAt?: string;
  /** An attempt is running now (its outcome sets the next retry). */
  retrying?: true;
}

export interface RetryBookOptions {
  /** Read at each failure, so a reloaded setting applies to the next retry. */
  policy(): BackoffPolicy;
  /** Runs when a failed key's retry is due; the key stays failed until `succeeded` is called. */
  onRetry(key: string): void;
  now?: () => number;
  random?: () => number;
  /** Schedules `run` after `ms`; returns a cancel function. Default: an unref'd setTimeout. */
  schedule?: (run: () => void, ms: number) => () => void;
}

const defaultSchedule = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * The failures of the parts of the agent that did not start (repositories, plugins, platforms)
 * and their retries: each failure schedules one retry with exponential backoff and jitter (the
 * plugin supervisor's policy), so a part that stays down is tried less and less often and parts
 * that failed together do not retry in lockstep. Keys are the caller's (`repo:sb`, `platform:x`).
 */
export class RetryBook {
  readonly #options: RetryBookOptions;
  readonly #entries = new Map<string, Failure & { cancel?: () => void }>();

  constructor(options: RetryBookOptions) {
    this.#options = options;
  }

  /**
   * Records that `key` failed (again) with `reason` and schedules its next attempt, unless
   * `retry` is false (a failure only a config change can fix). Returns the recorded failure.
   */
  failed(key: string, reason: string, retry = true): Failure {
    const now = this.#now();
    const previous = this.#entries.get(key);
    previous?.cancel?.();
    const attempts = (previous?.attempts ?? 0) + 1;
    const entry: Failure & { cancel?: () => void } = {
      reason,
      attempts,
      since: previous?.since ?? new Date(now).toISOString(),
    };
    if (retry) {
      const delay = backoffDelay(this.#options.policy(), attempts, this.#options.random);
      entry.nextRetryAt = new Date(now + delay).toISOString();
      const schedule = this.#options.schedule ?? defaultSchedule;
      entry.cancel = schedule(() => {
        if (this.#entries.get(key) !== entry) return;
        delete entry.cancel;
        // While the attempt runs there is no next retry yet; the attempt's outcome sets one.
        delete entry.nextRetryAt;
        entry.retrying = true;
        this.#options.onRetry(key);
      }, delay);
    }
    this.#entries.set(key, entry);
    return this.#public(entry);
  }

  /** Forgets `key`'s failure (it works now, or it is no longer configured) and cancels its retry. */
  succeeded(key: string): void {
    this.#entries.get(key)?.cancel?.();
    this.#entries.delete(key);
  }

  get(key: string): Failure | undefined {
    const entry = this.#entries.get(key);
    return entry ? this.#public(entry) : undefined;
  }

  /** Every failure whose key starts with `prefix`, by key without the prefix. */
  list(prefix: string): [string, Failure][] {
    return [...this.#entries]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, entry]) => [key.slice(prefix.length), this.#public(entry)]);
  }

  /** Cancels every pending retry and forgets all failures (the agent stops). */
  clear(): void {
    for (const entry of this.#entries.values()) entry.cancel?.();
    this.#entries.clear();
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #public(entry: Failure): Failure {
    return {
      reason: entry.reason,
      attempts: entry.attempts,
      since: entry.since,
      ...(entry.nextRetryAt ? { nextRetryAt: entry.nextRetryAt } : {}),
      ...(entry.retrying ? { retrying: true as const } : {}),
    };
  }
}
