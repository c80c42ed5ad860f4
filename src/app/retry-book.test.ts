import { describe, expect, it } from 'vitest';
import { RetryBook } from './retry-book.js';

/** A RetryBook on a manual clock: scheduled retries run only when `fire` is called. */
function book() {
  const scheduled: { run: () => void; ms: number; cancelled: boolean }[] = [];
  const retried: string[] = [];
  const retries = new RetryBook({
    policy: () => ({ initialDelayMs: 1000, maxDelayMs: 8000, multiplier: 2, jitter: 0 }),
    onRetry: (key) => retried.push(key),
    now: () => 0,
    schedule: (run, ms) => {
      const job = { run, ms, cancelled: false };
      scheduled.push(job);
      return () => {
        job.cancelled = true;
      };
    },
  });
  const fire = () => {
    for (const job of scheduled.splice(0)) if (!job.cancelled) job.run();
  };
  return { retries, scheduled, retried, fire };
}

describe('RetryBook', () => {
  it('backs off exponentially up to the cap and says when the next attempt is due', () => {
    const { retries, scheduled, fire } = book();
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      retries.failed('repo:sb', `down ${i}`);
      delays.push(scheduled.at(-1)?.ms ?? -1);
      fire();
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    retries.failed('repo:sb', 'down again');
    expect(retries.get('repo:sb')).toEqual({
      reason: 'down again',
      attempts: 6,
      since: new Date(0).toISOString(),
      nextRetryAt: new Date(8000).toISOString(),
    });
  });

  it('has no next retry while the attempt runs, and calls onRetry with the key', () => {
    const { retries, retried, fire } = book();
    retries.failed('platform:default/socketSlack', 'refused');
    fire();
    expect(retried).toEqual(['platform:default/socketSlack']);
    expect(retries.get('platform:default/socketSlack')?.nextRetryAt).toBeUndefined();
    expect(retries.get('platform:default/socketSlack')?.retrying).toBe(true);
    retries.failed('platform:default/socketSlack', 'refused again');
    expect(retries.get('platform:default/socketSlack')?.retrying).toBeUndefined();
  });

  it('cancels the retry on success, and starts the backoff over after it', () => {
    const { retries, scheduled, retried, fire } = book();
    retries.failed('repo:sb', 'down');
    retries.failed('repo:sb', 'down');
    retries.succeeded('repo:sb');
    fire();
    expect(retried).toEqual([]);
    expect(retries.get('repo:sb')).toBeUndefined();
    retries.failed('repo:sb', 'down');
    expect(scheduled.at(-1)?.ms).toBe(1000);
  });

  it('records a failure without a retry when told so, and lists failures by prefix', () => {
    const { retries, scheduled } = book();
    retries.failed('plugin:executor:sb/echo', 'config invalid', false);
    retries.failed('repo:sb', 'down');
    expect(scheduled).toHaveLength(1);
    expect(retries.list('plugin:')).toEqual([
      ['executor:sb/echo', { reason: 'config invalid', attempts: 1, since: new Date(0).toISOString() }],
    ]);
  });

  it('clear cancels every pending retry', () => {
    const { retries, retried, fire } = book();
    retries.failed('repo:a', 'down');
    retries.failed('repo:b', 'down');
    retries.clear();
    fire();
    expect(retried).toEqual([]);
    expect(retries.list('')).toEqual([]);
  });
});
