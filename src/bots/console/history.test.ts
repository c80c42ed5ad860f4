import { describe, expect, it } from 'vitest';
import type { ConsoleMessage } from '../../core/console-protocol.js';
import { ConsoleHistory } from './history.js';

function message(id: string, channel = 'ops', text = id): ConsoleMessage {
  return { id, channel, kind: 'user', postedAt: '2026-12-07T00:00:00Z', revision: 0, text };
}

describe('console history', () => {
  it('keeps the newest messages within the count, oldest first, and forgets the ids it dropped', () => {
    const history = new ConsoleHistory(['ops'], { messages: 3, chars: 1_000 });
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) history.put(message(id), 10);
    expect(history.list('ops').map((m) => m.id)).toEqual(['m3', 'm4', 'm5']);
    expect(history.get('ops', 'm2')).toBeUndefined();
    expect(history.get('ops', 'm4')?.id).toBe('m4');
    // A dropped id put again is a new message at the end, not a replacement.
    history.put(message('m1'), 10);
    expect(history.list('ops').map((m) => m.id)).toEqual(['m4', 'm5', 'm1']);
  });

  it('replaces an edited message in place and counts its new size against the limit', () => {
    const history = new ConsoleHistory(['ops'], { messages: 10, chars: 100 });
    history.put(message('m1'), 30);
    history.put(message('m2'), 30);
    history.put(message('m3'), 30);
    history.put({ ...message('m2', 'ops', 'edited'), revision: 1 }, 40);
    expect(history.list('ops').map((m) => `${m.id}:${m.text}`)).toEqual(['m1:m1', 'm2:edited', 'm3:m3']);
    // 30 + 40 + 30 = 100 fits; growing m3 past the limit drops the oldest.
    history.put({ ...message('m3', 'ops', 'longer'), revision: 1 }, 50);
    expect(history.list('ops').map((m) => m.id)).toEqual(['m2', 'm3']);
    expect(history.get('ops', 'm1')).toBeUndefined();
    expect(history.get('ops', 'm3')?.text).toBe('longer');
  });

  it('keeps one message larger than the size limit, and refuses unknown channels', () => {
    const history = new ConsoleHistory(['ops', 'dev'], { messages: 10, chars: 5 });
    history.put(message('m1'), 3);
    history.put(message('m2'), 50);
    expect(history.list('ops').map((m) => m.id)).toEqual(['m2']);
    expect(history.put(message('m3', 'nowhere'), 1)).toBe(false);
    expect(history.list('dev')).toEqual([]);
    expect(history.get('dev', 'm2')).toBeUndefined();
    expect(() => new ConsoleHistory(['ops'], { messages: 0, chars: 5 })).toThrow(/must be positive/);
  });
});
