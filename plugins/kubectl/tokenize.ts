/** A command that cannot be split into words (an unclosed quote, a trailing backslash). */
export class TokenizeError extends Error {}

/**
 * Splits a chat command into words the way a shell splits them, for quoting only: `'…'` and
 * `"…"` group words, `\` escapes the next character (inside `"…"` too). Nothing is expanded:
 * `$VAR`, `$(…)`, backticks, `|`, `;` and `>` stay plain text in the words, because the words
 * become kubectl's argv and never reach a shell.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= text.length) throw new TokenizeError('the command ends with a lone backslash');
      word += text[i + 1];
      i += 1;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new TokenizeError(`a ${quote === "'" ? 'single' : 'double'} quote is not closed`);
  if (inWord) words.push(word);
  return words;
}
