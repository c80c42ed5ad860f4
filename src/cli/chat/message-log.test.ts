import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleMessage } from '../../bots/console/page/protocol.js';
import { MessageLog } from './message-log.js';
import { formatEntry, formatStatus } from './transcript.js';

const entry = (id: string, revision: number, text: string): ConsoleMessage => ({
  id,
  channel: 'ops',
  kind: 'bot',
  postedAt: '2026-01-02T03:04:05.000Z',
  revision,
  message: { baseBody: { codeBlock: text } },
});

describe('MessageLog', () => {
  let printed: string[];
  let log: MessageLog;
  beforeEach(() => {
    vi.useFakeTimers();
    printed = [];
    log = new MessageLog({
      print: (e, updated) => printed.push(`${e.id}@${e.revision}${updated ? ' updated' : ''}`),
      quietMs: 1500,
      maxWaitMs: 10_000,
    });
  });
  afterEach(() => vi.useRealTimers());

  it('prints a post at once and its edits once they settle, as one reprint', () => {
    log.post(entry('m1', 0, 'a'));
    log.edit(entry('m1', 1, 'a b'));
    vi.advanceTimersByTime(1000);
    log.edit(entry('m1', 2, 'a b c'));
    vi.advanceTimersByTime(1499);
    expect(printed).toEqual(['m1@0']);
    expect(log.pendingEdits).toBe(1);
    vi.advanceTimersByTime(1);
    expect(printed).toEqual(['m1@0', 'm1@2 updated']);
    expect(log.pendingEdits).toBe(0);
  });

  it('reprints output that keeps streaming at least every maxWaitMs', () => {
    log.post(entry('m1', 0, 'a'));
    for (let r = 1; r <= 12; r++) {
      log.edit(entry('m1', r, 'x'));
      vi.advanceTimersByTime(1000);
    }
    expect(printed).toEqual(['m1@0', 'm1@10 updated']);
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
