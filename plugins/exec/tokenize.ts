/** Thrown for a command line that cannot be split (an unclosed quote, a NUL character). */
export class TokenizeError extends Error {
  override readonly name = 'TokenizeError';
}

// Chat clients turn typed quotes into typographic ones; treat them as the quotes people meant.
const doubleQuotes = new Set(['"', '\u201c', '\u201d', '\u201e']);
const singleQuotes = new Set(["'", '\u2018', '\u2019']);
// Inside double quotes a backslash escapes only these, as in POSIX sh; elsewhere it is literal.
const escapableInDouble = new Set(['"', '\\', '$', '`']);

/**
 * Splits a command line into words the way a POSIX shell does for quoting only: blanks
 * separate words; '…' is literal; "…" is literal except for backslash escapes of `"`, `\`,
 * `$` and backtick; a backslash outside quotes makes the next character literal. Nothing is
 * ever expanded or interpreted: `$(x)`, backticks, `;`, `|`, `*` and `~` stay plain text, so
 * the words can go straight into an argv array. Throws {@link TokenizeError}.
 */
export function tokenize(line: string): string[] {
  if (line.includes('\0')) throw new TokenizeError('the command contains a NUL character');
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const chars = [...line];
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (singleQuotes.has(c)) {
      const end = chars.findIndex((q, j) => j > i && singleQuotes.has(q));
      if (end < 0) throw new TokenizeError('a single quote is not closed');
      word = (word ?? '') + chars.slice(i + 1, end).join('');
      i = end + 1;
    } else if (doubleQuotes.has(c)) {
      let text = '';
      let j = i + 1;
      for (; j < chars.length && !doubleQuotes.has(chars[j] as string); j++) {
        const next = chars[j + 1];
        if (chars[j] === '\\' && next !== undefined && escapableInDouble.has(next)) j += 1;
        text += chars[j];
      }
      if (j >= chars.length) throw new TokenizeError('a double quote is not closed');
      word = (word ?? '') + text;
      i = j + 1;
    } else if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw new TokenizeError('the command ends with a lone backslash');
      // Backslash-newline joins lines, as in sh; any other escaped character is kept literally.
      if (next !== '\n') word = (word ?? '') + next;
      i += 2;
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
