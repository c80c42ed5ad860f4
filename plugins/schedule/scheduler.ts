import { Cron } from 'croner';
import type { Clock } from './clock.js';

/** What the scheduler needs of a schedule. */
export interface CronSpec {
  name: string;
  cron: string;
  timezone?: string;
}

/** One firing of a schedule. */
export interface Fire {
  name: string;
  /** The time the expression named. */
  scheduledFor: Date;
  /** When it actually fired: at or after `scheduledFor`, never before. */
  firedAt: Date;
}

/**
 * Longest single sleep. Timers cannot wait more than ~24.8 days, and waking now and then also
 * notices wall-clock jumps (NTP, suspend) instead of oversleeping them.
 */
export const maxSleepMs = 60_000;

/**
 * Yields each schedule's fires in time order until `signal` aborts (or no schedule can fire
 * again). Pure apart from the injected clock. When the process wakes up late (a suspended
 * machine, a slow consumer), a schedule fires once for the missed times, late, and then
 * continues from the present: it never fires a burst to catch up.
 */
export async function* scheduleFires(
  specs: readonly CronSpec[],
  clock: Clock,
  signal: AbortSignal,
): AsyncGenerator<Fire> {
  const start = new Date(clock.now());
  const jobs = specs.map((spec) => {
    const cron = new Cron(spec.cron, { timezone: spec.timezone ?? 'UTC', paused: true });
    return { spec, cron, next: cron.nextRun(start) };
  });
  while (!signal.aborted) {
    const due = Math.min(...jobs.map((job) => job.next?.getTime() ?? Number.POSITIVE_INFINITY));
    if (due === Number.POSITIVE_INFINITY) return;
    const now = clock.now();
    if (now < due) {
      // Sleep, then look again: the clock decides, not the timer's accuracy.
      await clock.sleep(Math.min(due - now, maxSleepMs), signal);
      continue;
    }
    for (const job of jobs) {
      if (job.next === null || job.next.getTime() > now) continue;
      const scheduledFor = job.next;
      yield { name: job.spec.name, scheduledFor, firedAt: new Date(now) };
      // From the later of the fire time and the present: missed times are skipped, not replayed.
      job.next = job.cron.nextRun(new Date(Math.max(scheduledFor.getTime(), clock.now())));
    }
  }
}
