/**
 * Runs async jobs with at most `concurrency` at a time, in the order they were submitted,
 * holding at most `maxPending` waiting ones. Used where work must not hold up its caller
 * (a source stream) yet must not grow without bound under a storm.
 */
export interface BoundedRunner {
  /** Queues a job; false when `maxPending` jobs already wait (the job is not queued). */
  submit(job: () => Promise<void>): boolean;
  pending(): number;
  running(): number;
  /**
   * Stops taking jobs, then resolves once everything queued has finished or `timeoutMs` has
   * passed, with the number of jobs that had not started by then (those are discarded).
   */
  drain(timeoutMs: number): Promise<number>;
}

export function createBoundedRunner(options: {
  concurrency: number;
  maxPending: number;
  /** A job that throws is reported here; the runner keeps going. */
  onError(err: unknown): void;
}): BoundedRunner {
  const waiting: (() => Promise<void>)[] = [];
  let active = 0;
  let accepting = true;
  let closed = false;
  let idle: (() => void) | undefined;

  const pump = () => {
    while (!closed && active < options.concurrency && waiting.length > 0) {
      const job = waiting.shift() as () => Promise<void>;
      active += 1;
      job()
        .catch(options.onError)
        .finally(() => {
          active -= 1;
          pump();
        });
    }
    if (active === 0 && waiting.length === 0) idle?.();
  };

  return {
    submit(job) {
      if (!accepting || waiting.length >= options.maxPending) return false;
      waiting.push(job);
      pump();
      return true;
    },
    pending: () => waiting.length,
    running: () => active,
    async drain(timeoutMs) {
      accepting = false;
      const finished = new Promise<void>((resolve) => {
        idle = resolve;
      });
      pump();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        finished,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      closed = true;
      return waiting.splice(0).length;
    },
  };
}
