/** Exponential backoff bounds for retrying a failed delivery. */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Longest delay between two tries. */
  maxMs: number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): `initialMs × 2^(attempt-1)`,
 * capped at `maxMs`, with "equal jitter" (between half and all of it) so that channels failing
 * together do not retry in lockstep, while the delay still grows with every attempt.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
