import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleMessage } from '../../core/console-protocol.js';
import { MessageLog } from './message-log.js';
import { formatEntry, formatStatus } from './transcript.js';

const entry = (id: string, revision: number, text: string, streaming = false): ConsoleMessage => ({
  id,
  channel: 'ops',
  kind: 'bot',
  postedAt: '2026-01-02T03:04:05.000Z',
  revision,
  message: { baseBody: { codeBlock: text } },
  ...(streaming ? { streaming: true as const } : {}),
});

describe('MessageLog', () => {
  let printed: string[];
  let log: MessageLog;
  beforeEach(() => {
    vi.useFakeTimers();
    printed = [];
    log = new MessageLog({
      print: (e, updated) => printed.push(`${e.id}@${e.revision}${updated ? ' updated' : ''}`),
      streamingReprintMs: 10_000,
    });
  });
  afterEach(() => vi.useRealTimers());

  it('prints streaming output when posted and whole when its last edit comes, however slowly it streams', () => {
    log.post(entry('m1', 0, 'a', true));
    expect(log.unfinished).toBe(1);
    log.edit(entry('m1', 1, 'a b', true));
    // A long pause in the output (a loaded machine, a slow command) prints nothing extra.
    vi.advanceTimersByTime(4000);
    log.edit(entry('m1', 2, 'a b c', true));
    vi.advanceTimersByTime(4000);
    expect(printed).toEqual(['m1@0']);
    expect(log.unfinished).toBe(1);
    log.edit(entry('m1', 3, 'a b c d'));
    expect(printed).toEqual(['m1@0', 'm1@3 updated']);
    expect(log.unfinished).toBe(0);
    vi.advanceTimersByTime(20_000);
    expect(printed).toEqual(['m1@0', 'm1@3 updated']);
  });

  it('reprints output that keeps streaming at most every streamingReprintMs, the latest version', () => {
    log.post(entry('m1', 0, 'a', true));
    for (let r = 1; r <= 12; r++) {
      log.edit(entry('m1', r, 'x', true));
      vi.advanceTimersByTime(1000);
    }
    expect(printed).toEqual(['m1@0', 'm1@10 updated']);
    expect(log.unfinished).toBe(1);
    log.edit(entry('m1', 13, 'done'));
    expect(printed).toEqual(['m1@0', 'm1@10 updated', 'm1@13 updated']);
  });

  it('prints an edit that is not streaming at once, each time', () => {
    log.post(entry('m1', 0, 'pick one'));
    log.edit(entry('m1', 1, 'picked a'));
    log.edit(entry('m1', 2, 'picked b'));
    expect(printed).toEqual(['m1@0', 'm1@1 updated', 'm1@2 updated']);
    expect(log.unfinished).toBe(0);
  });

  it('takes output that finished during a reconnect from the history', () => {
    log.post(entry('m1', 0, 'a', true));
    log.recall(entry('m1', 1, 'a b', true));
    expect(log.unfinished).toBe(1);
    log.recall(entry('m1', 2, 'a b c'));
    expect(printed).toEqual(['m1@0', 'm1@1 updated', 'm1@2 updated']);
    expect(log.unfinished).toBe(0);
  });

  it('stops waiting for streaming output when the agent restarts', () => {
    log.post(entry('m1', 0, 'a', true));
    log.edit(entry('m1', 1, 'a b', true));
    log.reset();
    expect(printed).toEqual(['m1@0', 'm1@1 updated']);
    expect(log.unfinished).toBe(0);
  });

  it('skips history printed before a reconnect, unless it changed; forgets all after a restart', () => {
    log.post(entry('m1', 0, 'a'));
    log.mark(entry('m0', 0, 'old'));
    log.recall(entry('m0', 0, 'old'));
    log.recall(entry('m1', 0, 'a'));
    log.recall(entry('m2', 0, 'new'));
    log.recall(entry('m1', 3, 'a b'));
    expect(printed).toEqual(['m1@0', 'm2@0', 'm1@3 updated']);
    log.reset();
    log.recall(entry('m1', 0, 'a'));
    expect(printed.at(-1)).toBe('m1@0');
  });

  it('prints an edit of a message it never printed right away', () => {
    log.edit(entry('m9', 4, 'x'));
    expect(printed).toEqual(['m9@4']);
  });
});

describe('transcript', () => {
  const style = { color: false, baseUrl: 'http://127.0.0.1:2116/' };

  it('prints commands on one line and messages indented, with links in full', () => {
    const user: ConsoleMessage = {
      id: 'm1',
      channel: 'ops',
      kind: 'user',
      postedAt: '2026-01-02T03:04:05.000Z',
      revision: 0,
      user: 'ada',
      text: 'echo hi',
      origin: 'button',
    };
    expect(formatEntry(user, style)).toMatch(/^\d\d:\d\d:\d\d #ops ada \(button\) › echo hi$/);
    const bot: ConsoleMessage = {
      ...entry('m2', 0, 'hi\nthere'),
      message: {
        baseBody: { codeBlock: 'hi\nthere' },
        sections: [{ buttons: [{ name: 'Again', command: '@Switchboard echo hi' }] }],
      },
      files: [{ name: 'output.txt', size: 2048, url: 'files/abc/output.txt' }],
      notice: '2 more buttons not shown.',
    };
    expect(formatEntry(bot, style, true).split('\n').slice(1)).toEqual([
      '    hi',
      '    there',
      '',
      '    [Again] → @Switchboard echo hi',
      '    ⤓ output.txt (2.0 KiB): http://127.0.0.1:2116/files/abc/output.txt',
      '    ! 2 more buttons not shown.',
    ]);
    expect(formatEntry(bot, style, true).split('\n')[0]).toMatch(/#ops Switchboard \(updated\):$/);
    expect(formatEntry({ ...bot, streaming: true }, style).split('\n')[0]).toMatch(
      /#ops Switchboard \(running…\):$/,
    );
    expect(formatEntry({ ...bot, streaming: true }, style, true).split('\n')[0]).toMatch(
      /#ops Switchboard \(updated, running…\):$/,
    );
  });

  it('summarises the status document', () => {
    expect(
      formatStatus({
        ready: false,
        plugins: [{ name: 'sb/exec', state: 'restarting', restarts: 2, lastError: 'exit 1' }],
        platforms: [{ id: 'g/console', state: 'connected' }],
        sources: [],
        queues: [{ destinationId: 'g/slack', channelId: 'ops', pending: 4 }],
      }),
    ).toBe(
      [
        'agent: not ready',
        'plugins (1):',
        '  sb/exec restarting, 2 restarts, last error: exit 1',
        'platforms (1):',
        '  g/console connected',
        'sources (0):',
        'queues (1):',
        '  g/slack #ops: 4 pending',
      ].join('\n'),
    );
    expect(formatStatus(undefined)).toBe('no status received yet');
  });
});
