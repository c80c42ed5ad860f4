import { describe, expect, it } from 'vitest';
import { renderAllowList, renderResult } from './render.js';

const limits = { timeout: '20s', maxOutputBytes: 100 };
const exited = (exitCode: number) => ({
  kind: 'end' as const,
  reason: 'exited' as const,
  exitCode,
  signal: null,
});

describe('renderResult', () => {
  it('adds nothing to the streamed output of a successful command, and says when it had none', () => {
    expect(renderResult('a\nb\n', exited(0), limits)).toBeUndefined();
    expect(renderResult('', exited(0), limits)).toEqual({
      baseBody: { plaintext: 'The command succeeded with no output.' },
    });
  });

  it('shows the exit status, signal or limit under the output when the command failed', () => {
    expect(renderResult('oops\n', exited(3), limits)).toEqual({
      baseBody: { codeBlock: 'oops\n' },
      sections: [{ context: [{ text: 'Exit status 3.' }] }],
    });
    expect(renderResult('', { ...exited(0), exitCode: null, signal: 'SIGKILL' }, limits)).toEqual({
      baseBody: { plaintext: 'Killed by SIGKILL.' },
    });
    const timeout = { ...exited(0), reason: 'timeout' as const, exitCode: null, signal: 'SIGTERM' };
    expect(renderResult('x', timeout, limits)?.sections?.[0]?.context?.[0]?.text).toBe(
      'Stopped after the 20s time limit (config: timeout).',
    );
    const cut = { ...exited(0), reason: 'output-limit' as const };
    expect(renderResult('x', cut, limits)?.sections?.[0]?.context?.[0]?.text).toBe(
      'Output cut at 100 bytes and the command stopped (config: maxOutputBytes).',
    );
  });
});

describe('renderAllowList', () => {
  it('lists each command with its argument patterns and a button to run it', () => {
    const message = renderAllowList({
      commands: { uptime: {}, df: { args: ['-h'], description: 'disk usage' } },
    });
    expect(message.sections?.[0]?.bulletLists?.[0]?.items).toEqual([
      'df: disk usage; arguments matching `-h`',
      'uptime: no arguments',
    ]);
    expect(message.sections?.[0]?.buttons?.map((b) => b.command)).toEqual([
      '{{BotName}} exec df',
      '{{BotName}} exec uptime',
    ]);
  });
});
