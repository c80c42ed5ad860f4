import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems.js';

describe('problemsOf', () => {
  it('lists what does not serve, a plugin waiting for its repository once (under the repository)', () => {
    const problems = problemsOf({
      repositories: [
        { name: 'sb', state: 'ok', plugins: [] },
        {
          name: 'late',
          state: 'unavailable',
          lastError: 'ECONNREFUSED',
          retrying: true,
          plugins: ['late/echo'],
        },
      ],
      plugins: [
        { name: 'sb/echo', state: 'running' },
        { name: 'sb/exec', state: 'starting' },
        { name: 'late/echo', state: 'not installed', lastError: 'repository late is unavailable' },
        { name: 'sb/nosuch', state: 'not installed', lastError: 'not in the index', nextRetryAt: 't1' },
        { name: 'sb/crashy', state: 'restarting', lastError: 'exited (code 2)', nextRetryAt: 't2' },
        { name: 'sb/dead', state: 'quarantined', lastError: 'exited', quarantineReason: 'crashed 5 times' },
      ],
      platforms: [
        { id: 'default/console', state: 'connected' },
        { id: 'default/socketSlack', state: 'reconnecting' },
        { id: 'default/webhook', state: 'sink failing', lastError: '503' },
        { id: 'other/socketSlack', state: 'failed', lastError: 'invalid_auth', nextRetryAt: 't3' },
        { id: 'other/discord', state: 'not supported', lastError: 'no Discord bot' },
      ],
    });
    expect(problems).toEqual([
      {
        kind: 'repository',
        id: 'late',
        state: 'unavailable',
        reason: 'ECONNREFUSED',
        retrying: true,
        plugins: ['late/echo'],
      },
      {
        kind: 'plugin',
        id: 'sb/nosuch',
        state: 'not installed',
        reason: 'not in the index',
        nextRetryAt: 't1',
      },
      { kind: 'plugin', id: 'sb/crashy', state: 'restarting', reason: 'exited (code 2)', nextRetryAt: 't2' },
      { kind: 'plugin', id: 'sb/dead', state: 'quarantined', reason: 'crashed 5 times' },
      {
        kind: 'platform',
        id: 'other/socketSlack',
        state: 'failed',
        reason: 'invalid_auth',
        nextRetryAt: 't3',
      },
      { kind: 'platform', id: 'other/discord', state: 'not supported', reason: 'no Discord bot' },
    ]);
  });

  it('is empty when everything serves', () => {
    expect(
      problemsOf({
        repositories: [{ name: 'sb', state: 'ok', plugins: [] }],
        plugins: [{ name: 'sb/echo', state: 'running' }],
        platforms: [{ id: 'default/console', state: 'connected' }],
      }),
    ).toEqual([]);
  });
});
