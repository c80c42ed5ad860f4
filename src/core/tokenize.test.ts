import { describe, expect, it } from 'vitest';
import type { SwitchboardError } from '../errors/switchboard-error.js';
import { joinTokens, quoteArg, rawCommand, splitWords, tokenize } from './tokenize.js';

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = [
  ...'aZ09 _-=./:@%+,',
  "'",
  '"',
  '\\',
  '$',
  '`',
  '\n',
  '\t',
  '\r',
  ';',
  '|',
  '&',
  '>',
  '<',
  '*',
  '~',
  '#',
  '(',
  ')',
  '{',
  '}',
  'é',
  '€',
  '😀',
  '\u00a0',
  '\u0000',
];

function randomString(next: () => number, maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  let s = '';
  for (let i = 0; i < length; i += 1) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

function syntaxErrorOf(text: string): SwitchboardError {
  try {
    tokenize(text);
  } catch (err) {
    return err as SwitchboardError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('tokenize', () => {
  it('splits on blanks and drops leading, trailing and repeated blanks', () => {
    expect(splitWords('  kubectl   get\tpods\n-n  shop  ')).toEqual(['kubectl', 'get', 'pods', '-n', 'shop']);
  });

  it('returns no tokens for empty or blank text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \t\n ')).toEqual([]);
  });

  it('records value, raw text and offsets of each word', () => {
    expect(tokenize(`get  "a b"c`)).toEqual([
      { value: 'get', raw: 'get', start: 0, end: 3 },
      { value: 'a bc', raw: '"a b"c', start: 5, end: 11 },
    ]);
  });

  it('keeps single-quoted text literal, including backslashes, $ and newlines', () => {
    expect(splitWords(`echo 'a\\b $HOME "x"\n y'`)).toEqual(['echo', 'a\\b $HOME "x"\n y']);
  });

  it('honours only POSIX escapes inside double quotes', () => {
    expect(splitWords('"a\\"b" "c\\\\d" "e\\$f" "g\\`h" "i\\nj" "k\\\nl"')).toEqual([
      'a"b',
      'c\\d',
      'e$f',
      'g`h',
      'i\\nj',
      'kl',
    ]);
  });

  it('escapes any character outside quotes and removes backslash-newline', () => {
    expect(splitWords('a\\ b \\"c\\\' d\\\ne \\\n f')).toEqual(['a b', '"c\'', 'de', 'f']);
  });

  it('joins adjacent quoted and unquoted parts into one word', () => {
    expect(splitWords(`--selector=app="my app",tier='web'`)).toEqual(['--selector=app=my app,tier=web']);
  });

  it('keeps empty quoted words', () => {
    expect(splitWords(`a '' "" b`)).toEqual(['a', '', '', 'b']);
  });

  it('expands nothing: variables, substitutions, globs, tilde and comments stay literal', () => {
    const braced = ['$', '{A:-b}'].join('');
    expect(splitWords(`echo $HOME $(id) \`whoami\` * ~/x #c ${braced}`)).toEqual([
      'echo',
      '$HOME',
      '$(id)',
      '`whoami`',
      '*',
      '~/x',
      '#c',
      braced,
    ]);
  });

  it('treats shell operators as ordinary characters', () => {
    expect(splitWords('ls; rm -rf / && x||y >out <in a|b &')).toEqual([
      'ls;',
      'rm',
      '-rf',
      '/',
      '&&',
      'x||y',
      '>out',
      '<in',
      'a|b',
      '&',
    ]);
  });

  it('keeps non-ASCII text and treats no-break spaces as part of a word', () => {
    expect(splitWords('héllo 😀\u00a0x')).toEqual(['héllo', '😀\u00a0x']);
  });

  it('reports an unterminated single quote with its column', () => {
    const err = syntaxErrorOf(`kubectl get 'pods`);
    expect(err.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(err.message).toBe(
      "Cannot parse the command: unterminated single quote (') — it is never closed (at column 13).",
    );
    expect(err.details).toEqual({ offset: 12, line: 1, column: 13 });
  });

  it('reports an unterminated double quote with line and column in multi-line text', () => {
    const err = syntaxErrorOf('echo ok\n  say "hi\\"');
    expect(err.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(err.message).toContain('unterminated double quote');
    expect(err.message).toContain('line 2, column 7');
    expect(err.details).toEqual({ offset: 14, line: 2, column: 7 });
  });

  it('reports a trailing backslash', () => {
    const err = syntaxErrorOf('ls C:\\');
    expect(err.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(err.message).toContain('trailing backslash');
    expect(err.details).toMatchObject({ column: 6 });
  });

  it('gives raw text that slices the input exactly', () => {
    const text = `a "b c" 'd'\\ e`;
    for (const token of tokenize(text)) expect(text.slice(token.start, token.end)).toBe(token.raw);
  });
});

describe('quoteArg and joinTokens', () => {
  it('leaves safe words alone and quotes the rest', () => {
    expect(quoteArg('kubectl')).toBe('kubectl');
    expect(quoteArg('--namespace=a.b/c:d@e%f+g,h')).toBe('--namespace=a.b/c:d@e%f+g,h');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('$HOME')).toBe("'$HOME'");
  });

  it('joins words with single spaces', () => {
    expect(joinTokens(['kubectl', 'get', 'pods', '-l', 'app=a b'])).toBe("kubectl get pods -l 'app=a b'");
    expect(joinTokens([])).toBe('');
  });

  it('round-trips 3000 random word lists through joinTokens and splitWords', () => {
    const next = random(906);
    for (let run = 0; run < 3000; run += 1) {
      const words = Array.from({ length: Math.floor(next() * 6) }, () => randomString(next, 12));
      const joined = joinTokens(words);
      expect(splitWords(joined), `seed run ${run}: ${JSON.stringify(words)}`).toEqual(words);
    }
  });

  it('is stable: re-quoting what was read back gives the same text', () => {
    const next = random(907);
    for (let run = 0; run < 500; run += 1) {
      const joined = joinTokens(Array.from({ length: 4 }, () => randomString(next, 10)));
      expect(joinTokens(splitWords(joined))).toBe(joined);
    }
  });
});

describe('tokenize on arbitrary input', () => {
  it('either parses with exact raw slices or fails with SB_ERR_COMMAND_SYNTAX, never anything else', () => {
    const next = random(2024);
    for (let run = 0; run < 3000; run += 1) {
      const text = randomString(next, 24);
      let tokens: ReturnType<typeof tokenize>;
      try {
        tokens = tokenize(text);
      } catch (err) {
        expect((err as SwitchboardError).code, JSON.stringify(text)).toBe('SB_ERR_COMMAND_SYNTAX');
        continue;
      }
      for (const token of tokens) expect(text.slice(token.start, token.end)).toBe(token.raw);
      // Re-reading the raw words gives the same values: raw text is a faithful spelling.
      expect(splitWords(rawCommand(tokens))).toEqual(tokens.map((t) => t.value));
    }
  });
});

describe('rawCommand', () => {
  it('keeps the user quoting of each word', () => {
    expect(rawCommand(tokenize(`kubectl  exec -- sh -c "echo $HOME"`))).toBe(
      `kubectl exec -- sh -c "echo $HOME"`,
    );
  });
});
