import { describe, expect, it } from 'vitest';
import { TokenizeError, tokenize } from './tokenize.js';

describe('tokenize', () => {
  it.each([
    ['df -h', ['df', '-h']],
    ['  ls   -l\t/tmp  ', ['ls', '-l', '/tmp']],
    [`grep 'a b' "c d" e\\ f`, ['grep', 'a b', 'c d', 'e f']],
    [`echo a"b c"d`, ['echo', 'ab cd']],
    [`echo "" ''`, ['echo', '', '']],
    [`echo "say \\"hi\\" \\$HOME \\n"`, ['echo', 'say "hi" $HOME \\n']],
    [`echo 'no \\escapes in single'`, ['echo', 'no \\escapes in single']],
    ['echo \u201csmart quotes\u201d \u2018too\u2019', ['echo', 'smart quotes', 'too']],
  ])('splits %j', (line, words) => {
    expect(tokenize(line)).toEqual(words);
  });

  it('keeps shell syntax as plain text: nothing is expanded or interpreted', () => {
    expect(tokenize('ls; reboot')).toEqual(['ls;', 'reboot']);
    expect(tokenize('ls $(reboot) `id` $HOME ~ * | sh && x > /etc/passwd')).toEqual([
      'ls',
      '$(reboot)',
      '`id`',
      '$HOME',
      '~',
      '*',
      '|',
      'sh',
      '&&',
      'x',
      '>',
      '/etc/passwd',
    ]);
  });

  it.each([
    ["echo 'open", 'a single quote is not closed'],
    ['echo "open', 'a double quote is not closed'],
    ['echo \\', 'the command ends with a lone backslash'],
    ['echo a\0b', 'the command contains a NUL character'],
  ])('refuses %j', (line, message) => {
    expect(() => tokenize(line)).toThrow(new TokenizeError(message));
  });
});
