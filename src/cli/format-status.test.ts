import { describe, expect, it } from 'vitest';
import { formatStatus, retryText } from './format-status.js';

const now = Date.parse('2026-12-07T05:00:00Z');

describe('formatStatus', () => {
  it('puts problems first, with reason, waiting plugins and when each is retried', () => {
    const text = formatStatus(
      {
        ready: true,
        degraded: true,
        problems: [
          {
            kind: 'repository',
            id: 'sb',
            state: 'unavailable',
            reason: 'connect ECONNREFUSED 127.0.0.1:9',
            nextRetryAt: '2026-12-07T05:00:12Z',
            plugins: ['sb/echo', 'sb/exec'],
          },
          { kind: 'platform', id: 'default/discord', state: 'not supported', reason: 'no Discord bot' },
        ],
        repositories: [{ name: 'sb', state: 'unavailable', plugins: ['sb/echo'] }],
        plugins: [{ name: 'other/echo', state: 'running', restarts: 0 }],
        platforms: [
          { id: 'default/console', state: 'connected', reconnects: 0 },
          { id: 'default/discord', state: 'not supported' },
        ],
        sources: [],
        queues: [{ destinationId: 'default/console', channelId: 'ops', pending: 0 }],
      },
      'http://127.0.0.1:2114',
      now,
    );
    expect(text).toBe(
      [
        'Switchboard at http://127.0.0.1:2114: ready, degraded: 2 part(s) not serving',
        '',
        'Problems',
        '  repository sb: unavailable; next retry in 12 s (05:00:12 UTC)',
        '    connect ECONNREFUSED 127.0.0.1:9',
        '    waiting plugins: sb/echo, sb/exec',
        '  platform default/discord: not supported; not retried: fix and reload',
        '    no Discord bot',
        '',
        'Platforms',
        '  default/console  connected',
        '  default/discord  not supported',
        '',
        'Plugins',
        '  other/echo  running  restarts 0',
        '',
        'Repositories',
        '  sb  unavailable',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing serves, and prints what it can of an unexpected document', () => {
    expect(formatStatus({ ready: false, plugins: 'x' }, 'http://h', now)).toBe(
      'Switchboard at http://h: NOT READY (nothing serves)\n',
    );
    expect(formatStatus({ ready: false, starting: true }, 'http://h', now)).toBe(
      'Switchboard at http://h: STARTING (not ready yet)\n',
    );
  });

  it('words retry times relative to now', () => {
    expect(retryText('2026-12-07T04:59:59Z', now)).toBe('next retry due now (04:59:59 UTC)');
    expect(retryText('2026-12-07T05:05:00Z', now)).toBe('next retry in 5 min (05:05:00 UTC)');
    expect(retryText(undefined, now)).toBe('');
  });
});
