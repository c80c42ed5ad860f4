import { describe, expect, it } from 'vitest';
import { parseCommand } from './command.js';
import { formatDuration, parseDuration } from './duration.js';
import { formatMatcher, parseMatcher } from './matchers.js';
import { splitWords } from './split-words.js';

describe('splitWords', () => {
  it('groups quoted words and removes the quotes, like a shell', () => {
    expect(splitWords('alertmanager silence alertname="Disk Full" --comment \u201cdisk swap\u201d')).toEqual([
      'alertmanager',
      'silence',
      'alertname=Disk Full',
      '--comment',
      'disk swap',
    ]);
    expect(splitWords(`x a="say \\"hi\\"" b='c d'`)).toEqual(['x', 'a=say "hi"', 'b=c d']);
    expect(() => splitWords('x "open')).toThrow('a double quote is not closed');
  });
});

describe('matchers', () => {
  it.each([
    [
      'alertname=DiskFull',
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      'alertname="DiskFull"',
    ],
    ['env!=dev', { name: 'env', value: 'dev', isRegex: false, isEqual: false }, 'env!="dev"'],
    [
      'severity=~crit.*',
      { name: 'severity', value: 'crit.*', isRegex: true, isEqual: true },
      'severity=~"crit.*"',
    ],
    ['job!~test|dev', { name: 'job', value: 'test|dev', isRegex: true, isEqual: false }, 'job!~"test|dev"'],
    [
      'msg=a "b" \\c',
      { name: 'msg', value: 'a "b" \\c', isRegex: false, isEqual: true },
      'msg="a \\"b\\" \\\\c"',
    ],
    ['empty=', { name: 'empty', value: '', isRegex: false, isEqual: true }, 'empty=""'],
  ])('reads %j and writes it back for the API filter', (word, matcher, formatted) => {
    expect(parseMatcher(word)).toEqual(matcher);
    expect(formatMatcher(matcher)).toBe(formatted);
  });

  it('formats what splitWords reads back to the same matcher', () => {
    const matcher = { name: 'msg', value: 'a "b" \\c d', isRegex: false, isEqual: true };
    const [word = ''] = splitWords(formatMatcher(matcher));
    expect(parseMatcher(word)).toEqual(matcher);
  });

  it('is not fooled by words that are not matchers', () => {
    for (const word of ['abc', '=x', '1a=b', 'a b=c']) expect(parseMatcher(word)).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['2h', 7_200_000],
    ['90m', 5_400_000],
    ['1d12h', 129_600_000],
    ['1w', 604_800_000],
    ['30s', 30_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('writes the shortest form and refuses what it cannot read', () => {
    expect(formatDuration(129_600_000)).toBe('1d12h');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(() => parseDuration('2 hours')).toThrow('write e.g. 30m, 2h or 1d12h');
    expect(() => parseDuration('')).toThrow();
  });
});

describe('parseCommand', () => {
  const parse = (line: string) => parseCommand(line, '2h');

  it('reads each command', () => {
    expect(parse('alertmanager')).toEqual({ verb: 'help' });
    expect(parse('alertmanager alerts severity="critical"')).toEqual({
      verb: 'alerts',
      filter: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }],
    });
    expect(parse('alertmanager silences --all')).toEqual({ verb: 'silences', filter: [], all: true });
    expect(
      parse('alertmanager silence alertname="X" instance=~"db.*" --for 4h --comment "disk swap"'),
    ).toEqual({
      verb: 'silence',
      matchers: [
        { name: 'alertname', value: 'X', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db.*', isRegex: true, isEqual: true },
      ],
      duration: '4h',
      comment: 'disk swap',
    });
    expect(parse('alertmanager silence alertname=X --for=30m')).toMatchObject({ duration: '30m' });
    expect(parse('alertmanager silence alertname=X')).toMatchObject({ duration: '2h' });
    expect(parse('alertmanager expire 5ff115f1-038f')).toEqual({ verb: 'expire', id: '5ff115f1-038f' });
  });

  it.each([
    ['alertmanager silence --for 2h', 'at least one matcher'],
    ['alertmanager silence alertname=X --for two', '--for: "two" is not a duration'],
    ['alertmanager silence alertname=X --for', '`--for` needs a value.'],
    ['alertmanager silence alertname=X --force', '`--force` is not a flag here'],
    ['alertmanager alerts --all', '`--all` does not go with `alerts`.'],
    ['alertmanager alerts critical', '`critical` is not a matcher'],
    ['alertmanager expire', 'Give the silence ID'],
    ['alertmanager expire a b', 'Give the silence ID'],
    ['alertmanager mute x', '`mute` is not a command'],
    ['alertmanager silence a="b', 'a double quote is not closed.'],
  ])('explains what is wrong with %j', (line, reason) => {
    const command = parse(line);
    expect(command.verb).toBe('invalid');
    expect(command.verb === 'invalid' && command.reason).toContain(reason);
  });
});
