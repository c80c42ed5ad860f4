import { SwitchboardError } from '../errors/switchboard-error.js';

/**
 * How long a lease lasts, how long a leader keeps trying to renew before it steps down, and how
 * often candidates and the leader try. The same three as client-go's leader election.
 */
export interface ElectionTimings {
  /** How long a lease is honoured after its last renewal; others wait this long before taking it. */
  leaseDurationMs: number;
  /** The leader steps down when no renewal has succeeded for this long (counted from the start of the last good one). */
  renewDeadlineMs: number;
  /** Wait between attempts: candidates (jittered) and the leader's renewals. */
  retryPeriodMs: number;
}

/** client-go's defaults (kube-controller-manager, kube-scheduler). */
export const defaultElectionTimings: Readonly<ElectionTimings> = Object.freeze({
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

/** Candidates wait retryPeriod × [1, 1 + jitter): replicas that start together do not retry in step. */
export const retryJitter = 0.2;

function fail(message: string): never {
  throw new SwitchboardError('SB_ERR_HA_ELECTION', message);
}

/**
 * Fills in defaults and checks the ordering that keeps two leaders from acting at once: the
 * leader must give up (renewDeadline) before anyone else may take the lease (leaseDuration), and
 * must get at least one jittered retry in before giving up. `where` prefixes messages.
 */
export function resolveTimings(where: string, given: Partial<ElectionTimings> = {}): ElectionTimings {
  const timings: ElectionTimings = { ...defaultElectionTimings };
  for (const key of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0)
      fail(`${where}: ${key} is ${String(value)}; expected a positive number of milliseconds.`);
    timings[key] = value;
  }
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = timings;
  if (renewDeadlineMs >= leaseDurationMs) {
    fail(
      `${where}: renewDeadlineMs (${renewDeadlineMs}) must be less than leaseDurationMs (${leaseDurationMs}): a leader that cannot renew must step down before its lease expires and another replica takes it.`,
    );
  }
  if (renewDeadlineMs <= retryPeriodMs * (1 + retryJitter)) {
    fail(
      `${where}: renewDeadlineMs (${renewDeadlineMs}) must be more than ${1 + retryJitter} × retryPeriodMs (${retryPeriodMs}): the leader needs room for at least one more renewal before it gives up.`,
    );
  }
  return timings;
}
