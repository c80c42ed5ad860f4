import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import type { Outbox } from '../delivery/outbox.js';
import type { SourceCursorStore } from './source-cursors.js';
import { cursorKeeper } from './source-wiring.js';

/** A store that records what it is given, and an outbox whose durable writes the test settles. */
function parts(stored: Map<string, string> = new Map()) {
  const sets: [string, string][] = [];
  const store: SourceCursorStore = {
    load: async () => new Map(stored),
    set: (key, cursor) => {
      sets.push([key, cursor]);
    },
    flush: async () => {},
    close: async () => {},
  };
  const pending: { resolve(): void; reject(err: Error): void }[] = [];
  const outbox: Outbox = {
    send: async () => undefined,
    persisted: () =>
      new Promise<void>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  };
  const { logger, lines } = createTestLogger();
  return { keeper: cursorKeeper({ store, outbox, logger }), sets, pending, lines };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('cursor keeper', () => {
  it('stores a cursor only once its event is in the delivery queue', async () => {
    const { keeper, sets, pending } = parts();
    keeper.delivered('s1', 'c1');
    await tick();
    expect(sets).toEqual([]);
    expect(keeper.resumeFrom('s1')).toBeUndefined();
    pending[0]?.resolve();
    await tick();
    expect(sets).toEqual([['s1', 'c1']]);
    expect(keeper.resumeFrom('s1')).toBe('c1');
  });

  it('checks the queue once at a time per stream: cursors that arrive meanwhile coalesce to the newest', async () => {
    const { keeper, sets, pending } = parts();
    keeper.delivered('s1', 'c1');
    keeper.delivered('s1', 'c2');
    keeper.delivered('s1', 'c3');
    keeper.delivered('s2', 'x1');
    expect(pending).toHaveLength(2);
    pending[0]?.resolve();
    await tick();
    // c3's check starts only now, after c3 was dispatched: it covers c2 and c3.
    expect(pending).toHaveLength(3);
    expect(sets).toEqual([['s1', 'c1']]);
    pending[2]?.resolve();
    pending[1]?.resolve();
    await tick();
    expect(sets).toEqual([
      ['s1', 'c1'],
      ['s1', 'c3'],
      ['s2', 'x1'],
    ]);
    expect(keeper.resumeFrom('s1')).toBe('c3');
  });

  it('does not advance past an event the queue failed to store, and says so', async () => {
    const { keeper, sets, pending, lines } = parts();
    keeper.delivered('s1', 'c1');
    pending[0]?.reject(new Error('disk full'));
    await tick();
    expect(sets).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'an event was not stored in the delivery queue; its stream cursor is not advanced',
        err: 'disk full',
      }),
    );
  });

  it('opens streams with the stored cursors; an unreadable store means a fresh start, logged', async () => {
    const stored = new Map([['s1', 'c9']]);
    const { keeper } = parts(stored);
    await keeper.load();
    expect(keeper.resumeFrom('s1')).toBe('c9');
    // Another replica streamed meanwhile; loading again (a new leader) takes its cursors.
    stored.set('s1', 'c12');
    await keeper.load();
    expect(keeper.resumeFrom('s1')).toBe('c12');

    const { logger, lines } = createTestLogger();
    const broken = cursorKeeper({
      store: {
        load: () => Promise.reject(new Error('source cursor file /x is not valid JSON')),
        set() {},
        flush: async () => {},
        close: async () => {},
      },
      outbox: { send: async () => undefined },
      logger,
    });
    await broken.load();
    expect(broken.resumeFrom('s1')).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'stored source cursors not read; streams start fresh',
        err: 'source cursor file /x is not valid JSON',
      }),
    );
  });
});
