import { describe, expect, it } from 'vitest';
import { createBoundedRunner } from './bounded-runner.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('createBoundedRunner', () => {
  it('runs at most `concurrency` jobs at once, in submission order', async () => {
    const errors: unknown[] = [];
    const runner = createBoundedRunner({ concurrency: 2, maxPending: 10, onError: (e) => errors.push(e) });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    for (const [i, g] of gates.entries()) {
      runner.submit(async () => {
        started.push(i);
        await g.opened;
      });
    }
    await tick();
    expect(started).toEqual([0, 1]);
    expect([runner.running(), runner.pending()]).toEqual([2, 2]);
    gates[1]?.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(errors).toEqual([]);
  });

  it('refuses jobs past maxPending and keeps going after a job throws', async () => {
    const errors: unknown[] = [];
    const runner = createBoundedRunner({ concurrency: 1, maxPending: 1, onError: (e) => errors.push(e) });
    const g = gate();
    expect(
      runner.submit(async () => {
        await g.opened;
        throw new Error('boom');
      }),
    ).toBe(true);
    let ran = false;
    expect(
      runner.submit(async () => {
        ran = true;
      }),
    ).toBe(true);
    expect(runner.submit(async () => {})).toBe(false);
    g.open();
    await tick();
    expect(ran).toBe(true);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('drains what is queued, refuses new jobs meanwhile, and discards what the timeout leaves', async () => {
    const runner = createBoundedRunner({ concurrency: 1, maxPending: 10, onError: () => {} });
    const done: number[] = [];
    for (const i of [0, 1]) {
      runner.submit(async () => {
        await tick(20);
        done.push(i);
      });
    }
    const draining = runner.drain(5000);
    expect(runner.submit(async () => {})).toBe(false);
    expect(await draining).toBe(0);
    expect(done).toEqual([0, 1]);

    const slow = createBoundedRunner({ concurrency: 1, maxPending: 10, onError: () => {} });
    const never = gate();
    slow.submit(() => never.opened);
    slow.submit(async () => {});
    slow.submit(async () => {});
    expect(await slow.drain(50)).toBe(2);
    never.open();
  });
});
