import { describe, expect, it } from 'vitest';
import { formatLogLine } from './text-lines.js';

describe('text log lines', () => {
  it('puts time, level, component and message first, then key=value pairs', () => {
    const line = formatLogLine(
      JSON.stringify({
        level: 40,
        time: '2026-11-22T00:40:04.123Z',
        component: 'agent',
        msg: 'plugin failed',
        plugin: 'switchboard/exec',
        err: 'exit status 1: no such file',
        restarts: 2,
      }),
      false,
    );
    expect(line).toBe(
      '2026-11-22T00:40:04Z WARN  agent: plugin failed plugin=switchboard/exec err="exit status 1: no such file" restarts=2',
    );
  });

  it('colours the level only when asked, and passes non-JSON through', () => {
    expect(formatLogLine('{"level":50,"msg":"x"}', true)).toContain('\u001b[31mERROR');
    expect(formatLogLine('{"level":50,"msg":"x"}', false)).not.toContain('\u001b');
    expect(formatLogLine('not json', false)).toBe('not json');
  });
});
