/**
 * Backoff between attempts to (re)start something: plugin processes (plugins/host), source
 * streams (bridge/source) and parts of the agent that failed to start (app/). It lives in core
 * because all three use it and the bridge may not import host code; no I/O, only a timer.
 */
/** Exponential backoff settings. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** Fraction of the delay added or removed at random (0.2 → ±20 %), so restarts of many plugins spread out. */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};

/** The delay before attempt `attempt` (1-based), with jitter from `random` (0..1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1),
  );
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
