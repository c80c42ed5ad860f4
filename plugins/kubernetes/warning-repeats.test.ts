import { describe, expect, it } from 'vitest';
import { createRepeatCoalescer, type Timers } from './warning-repeats.js';

function manualTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      pending.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        pending.delete(id);
        t.fn();
      }
    }
  };
  return { timers, advance, pending };
}

describe('warning repeats', () => {
  it('report the first at once, then the newest repeat once per interval', () => {
    const { timers, advance } = manualTimers();
    const reported: string[] = [];
    const c = createRepeatCoalescer<string>({ intervalMs: 1000, report: (v) => reported.push(v), timers });
    c.offer('e1', 'count 1');
    expect(reported).toEqual(['count 1']);
    c.offer('e1', 'count 2');
    c.offer('e1', 'count 3');
    advance(999);
    expect(reported).toEqual(['count 1']);
    advance(1);
    expect(reported).toEqual(['count 1', 'count 3']);
    // Quiet past the interval: the next repeat goes out at once.
    advance(5000);
    c.offer('e1', 'count 4');
    expect(reported).toEqual(['count 1', 'count 3', 'count 4']);
  });

  it('keep Events apart, flush what is held when an Event goes, and cancel on stop', () => {
    const { timers, advance, pending } = manualTimers();
    const reported: string[] = [];
    const c = createRepeatCoalescer<string>({ intervalMs: 1000, report: (v) => reported.push(v), timers });
    c.offer('a', 'a1');
    c.offer('b', 'b1');
    c.offer('a', 'a2');
    c.forget('a');
    expect(reported).toEqual(['a1', 'b1', 'a2']);
    c.offer('b', 'b2');
    c.stop();
    expect(pending.size).toBe(0);
    advance(2000);
    expect(reported).toEqual(['a1', 'b1', 'a2']);
  });
});
