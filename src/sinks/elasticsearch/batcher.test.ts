import { describe, expect, it } from 'vitest';
import { createBatcher, type ItemResult } from './batcher.js';

interface Harness {
  batches: number[][];
  /** Settles the oldest batch still in flight. */
  release(): void;
}

/** A batcher over numbers whose sends stay in flight until released; odd numbers fail. */
function harness(
  options: {
    maxItems?: number;
    maxBytes?: number;
    lingerMs?: number;
    maxInFlight?: number;
    maxQueued?: number;
  } = {},
) {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const batcher = createBatcher<number, string>({
    maxItems: options.maxItems ?? 100,
    maxBytes: options.maxBytes ?? 1_000_000,
    lingerMs: options.lingerMs ?? 10_000,
    maxInFlight: options.maxInFlight ?? 1,
    maxQueued: options.maxQueued ?? 1000,
    size: (n) => n,
    send: async (items) => {
      batches.push([...items]);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return items.map(
        (n): ItemResult<string> =>
          n % 2 === 1 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: `ok ${n}` },
      );
    },
    overloaded: () => new Error('overloaded'),
    closed: () => new Error('closed'),
  });
  const h: Harness = { batches, release: () => waiting.shift()?.() };
  return { batcher, h };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createBatcher', () => {
  it('sends items handed over in one turn together, and settles each with its own result', async () => {
    const { batcher, h } = harness();
    const results = Promise.allSettled([2, 3, 4].map((n) => batcher.add(n)));
    await tick();
    expect(h.batches).toEqual([[2, 3, 4]]);
    h.release();
    const settled = await results;
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'ok 2',
      'odd 3',
      'ok 4',
    ]);
  });

  it('collects items while a batch is in flight and sends them when it returns', async () => {
    const { batcher, h } = harness();
    const first = batcher.add(2);
    await tick();
    const later = [4, 6, 8].map((n) => batcher.add(n));
    await tick();
    expect(h.batches).toEqual([[2]]);
    h.release();
    await first;
    await tick();
    expect(h.batches).toEqual([[2], [4, 6, 8]]);
    h.release();
    await expect(Promise.all(later)).resolves.toEqual(['ok 4', 'ok 6', 'ok 8']);
    expect(batcher.pending()).toBe(0);
  });

  it('splits by item count and by bytes, a too-large item going alone', async () => {
    const { batcher, h } = harness({ maxItems: 2, maxBytes: 100, maxInFlight: 10 });
    const all = Promise.allSettled([2, 4, 6, 50, 60, 500, 8].map((n) => batcher.add(n)));
    await tick();
    for (let i = 0; i < 10; i += 1) h.release();
    await tick();
    for (let i = 0; i < 10; i += 1) h.release();
    await all;
    expect(h.batches).toEqual([[2, 4], [6, 50], [60], [500], [8]]);
  });

  it('sends a second batch after lingerMs when another is still in flight', async () => {
    // Long enough that a stalled event loop cannot let the linger timer fire before the check
    // that the second item is still waiting.
    const lingerMs = 500;
    const { batcher, h } = harness({ lingerMs, maxInFlight: 2 });
    void batcher.add(2);
    await tick();
    const started = performance.now();
    const second = batcher.add(4);
    await tick();
    expect(h.batches).toHaveLength(1);
    while (h.batches.length < 2) await new Promise((r) => setTimeout(r, 5));
    // Timers run on the loop's cached clock, which may lag the real one: allow some slack.
    expect(performance.now() - started).toBeGreaterThanOrEqual(lingerMs * 0.8);
    h.release();
    h.release();
    await expect(second).resolves.toBe('ok 4');
  });

  it('refuses items past maxQueued, and after close', async () => {
    const { batcher, h } = harness({ maxQueued: 2 });
    void batcher.add(2);
    await tick();
    void batcher.add(4);
    void batcher.add(6);
    await expect(batcher.add(8)).rejects.toThrow('overloaded');
    const closed = batcher.close();
    await expect(batcher.add(10)).rejects.toThrow('closed');
    h.release();
    await tick();
    h.release();
    await closed;
    expect(h.batches).toEqual([[2], [4, 6]]);
  });

  it('fails every item of a batch whose send throws', async () => {
    const batcher = createBatcher<number, void>({
      maxItems: 10,
      maxBytes: 1000,
      lingerMs: 10,
      maxInFlight: 1,
      maxQueued: 10,
      size: () => 1,
      send: async () => {
        throw new Error('network down');
      },
      overloaded: () => new Error('overloaded'),
      closed: () => new Error('closed'),
    });
    const results = await Promise.allSettled([1, 2].map((n) => batcher.add(n)));
    expect(results.map((r) => (r as PromiseRejectedResult).reason.message)).toEqual([
      'network down',
      'network down',
    ]);
  });
});
