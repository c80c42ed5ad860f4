import { describe, expect, it } from 'vitest';
import type { AllowedCommand } from './config.js';
import { checkCommand } from './policy.js';
import { tokenize } from './tokenize.js';

const commands: Record<string, AllowedCommand> = {
  df: { path: '/bin/df', args: ['-h', '--output=[a-z,]+'] },
  ls: { args: ['-l', '-a', '/var/log(/\\w[\\w.-]*)*'] },
  uptime: {},
};
const check = (line: string) => checkCommand(tokenize(line), commands);

describe('checkCommand', () => {
  it('allows a configured command whose every argument matches a pattern in full', () => {
    expect(check('df -h --output=source,pcent')).toEqual({
      allowed: true,
      name: 'df',
      args: ['-h', '--output=source,pcent'],
      command: commands.df,
    });
    expect(check('uptime')).toMatchObject({ allowed: true, args: [] });
  });

  it.each([
    ['rm -rf /', '`rm` is not an allowed command. Allowed: `df`, `ls`, `uptime`.'],
    ['ls; reboot', '`ls;` is not an allowed command.'],
    ['$(reboot)', '`$(reboot)` is not an allowed command.'],
    ['/bin/sh', '`/bin/sh` is a path; commands are chosen by name only.'],
    ['../../bin/sh', '`../../bin/sh` is a path'],
    ['./ls', '`./ls` is a path'],
    ['constructor', '`constructor` is not an allowed command.'],
  ])('refuses the program in %j', (line, reason) => {
    const verdict = check(line);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.reason).toContain(reason);
  });

  it.each([
    ['ls ; reboot', 'Argument `;` is not allowed. Each argument of `ls` must match one of: `-l`, `-a`,'],
    ['ls $(reboot)', 'Argument `$(reboot)` is not allowed.'],
    ['ls `id`', 'Argument `` `id` `` is not allowed.'],
    ['ls -la', 'Argument `-la` is not allowed.'],
    ['ls /var/log/../../etc', 'Argument `/var/log/../../etc` is not allowed.'],
    ['df -h --output=x;reboot', 'Argument `--output=x;reboot` is not allowed.'],
    ['uptime -p', 'Argument `-p` is not allowed. `uptime` takes no arguments here.'],
  ])('refuses the arguments in %j', (line, reason) => {
    const verdict = check(line);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.reason).toContain(reason);
  });

  it('anchors patterns, so a partial match is not enough', () => {
    expect(check('df x-h').allowed).toBe(false);
    expect(check('df -hx').allowed).toBe(false);
  });

  it('says so when nothing is allowed', () => {
    expect(checkCommand(['ls'], {})).toEqual({
      allowed: false,
      reason: '`ls` is not an allowed command. Allowed: none (the config allows nothing).',
    });
  });
});
