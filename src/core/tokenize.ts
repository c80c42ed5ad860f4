/**
 * Splits a chat command into words the way a POSIX shell would, without running one: quoting and
 * escaping are honoured, nothing is expanded. This is the only command tokenizer; aliases, global
 * flags and routing all work on its {@link Token}s.
 */
import { SwitchboardError } from '../errors/switchboard-error.js';
import { describePosition, positionAt } from './text-position.js';

/** One word of a command. */
export interface Token {
  /** The word after quote removal and escape processing: what a program would get in argv. */
  value: string;
  /** The word exactly as written, quotes and backslashes included (`text.slice(start, end)`). */
  raw: string;
  /** UTF-16 offset of the word's first character in the input. */
  start: number;
  /** UTF-16 offset just past the word's last character. */
  end: number;
}

/** Separators between words: the POSIX default IFS (space, tab, newline) plus CR, FF and VT. */
const isBlank = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';

/** Inside double quotes a backslash escapes only these (POSIX 2.2.3); before anything else it stays. */
const doubleQuoteEscapable = new Set(['"', '\\', '$', '`', '\n']);

/**
 * Splits `text` into words following POSIX shell quoting, with no expansion of any kind.
 *
 * - Words are separated by unquoted blanks (space, tab, newline, CR, FF, VT). Other Unicode
 *   spaces are ordinary characters; the command cleaner turns chat-inserted no-break spaces
 *   into spaces first.
 * - `'…'` is literal: no escapes inside, and it cannot contain `'`.
 * - `"…"`: a backslash escapes only `"`, `\`, `$`, `` ` `` and newline (backslash-newline is
 *   removed); before any other character the backslash is kept.
 * - Outside quotes a backslash makes the next character literal; backslash-newline is removed.
 * - Quoted parts join adjacent text into one word (`a"b c"d` is `ab cd`), and `''` or `""` alone
 *   is an empty word.
 * - `$VAR`, `$(…)`, backticks, globs, `~`, `#` and operators (`;`, `|`, `&&`, `>`…) are plain
 *   characters: `ls;` is one word `ls;`, `a|b` is one word.
 *
 * @throws SwitchboardError `SB_ERR_COMMAND_SYNTAX` for an unterminated quote or a trailing
 *   backslash; the message names the character and where it is, and is safe to show in chat.
 *   `details` has `{ offset, line, column }`.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isBlank(text[i])) i += 1;
    if (i >= n) break;
    const start = i;
    let value = '';
    let quoted = false;
    while (i < n && !isBlank(text[i])) {
      const ch = text[i] as string;
      if (ch === '\\') {
        if (i + 1 >= n)
          throw syntaxError(text, i, 'a trailing backslash escapes nothing; write \\\\ for a backslash');
        const next = text[i + 1] as string;
        if (next !== '\n') value += next;
        i += 2;
      } else if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        if (close === -1) throw syntaxError(text, i, "unterminated single quote (') — it is never closed");
        value += text.slice(i + 1, close);
        quoted = true;
        i = close + 1;
      } else if (ch === '"') {
        let j = i + 1;
        for (;;) {
          if (j >= n) throw syntaxError(text, i, 'unterminated double quote (") — it is never closed');
          const c = text[j] as string;
          if (c === '"') break;
          if (c === '\\' && j + 1 < n && doubleQuoteEscapable.has(text[j + 1] as string)) {
            if (text[j + 1] !== '\n') value += text[j + 1];
            j += 2;
          } else {
            value += c;
            j += 1;
          }
        }
        quoted = true;
        i = j + 1;
      } else {
        value += ch;
        i += 1;
      }
    }
    // A word made only of backslash-newlines is a line continuation, not an empty word.
    if (value !== '' || quoted) tokens.push({ value, raw: text.slice(start, i), start, end: i });
  }
  return tokens;
}

/** The words of `text` as plain strings (argv); see {@link tokenize} for the rules and errors. */
export function splitWords(text: string): string[] {
  return tokenize(text).map((t) => t.value);
}

/** Characters that never need quoting, for the shell and for {@link tokenize} alike. */
const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes `value` so that {@link tokenize} (and a POSIX shell) reads it back as exactly one word
 * equal to `value`. Words made only of `[A-Za-z0-9_@%+=:,./-]` are returned unchanged; the empty
 * string becomes `''`; anything else is single-quoted, with each `'` written as `'\''`.
 */
export function quoteArg(value: string): string {
  if (value === '') return "''";
  if (safeWord.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The inverse of {@link splitWords}: `splitWords(joinTokens(words))` deep-equals `words` for
 * every array of strings (each word quoted with {@link quoteArg}, joined by one space).
 */
export function joinTokens(words: readonly string[]): string {
  return words.map(quoteArg).join(' ');
}

/**
 * The command text made of `tokens` as the user wrote them (their `raw` text, quotes kept),
 * joined by one space. This is what a plugin receives, so its own parser sees the user's quoting.
 */
export function rawCommand(tokens: readonly Token[]): string {
  return tokens.map((t) => t.raw).join(' ');
}

function syntaxError(text: string, offset: number, problem: string): SwitchboardError {
  const where = describePosition(text, offset);
  return new SwitchboardError(
    'SB_ERR_COMMAND_SYNTAX',
    `Cannot parse the command: ${problem} (at ${where}).`,
    {
      details: { offset, ...positionAt(text, offset) },
    },
  );
}
