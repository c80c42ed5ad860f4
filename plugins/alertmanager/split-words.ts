/**
 * Splits a chat command into words: blanks separate words, `"…"` and `'…'` group them (also
 * typographic quotes, which chat clients type for you), and inside double quotes a backslash
 * escapes `"` and `\`. Nothing is expanded. Throws for an unclosed quote.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (
      c === '"' ||
      c === '\u201c' ||
      c === '\u201d' ||
      c === "'" ||
      c === '\u2018' ||
      c === '\u2019'
    ) {
      const double = c === '"' || c === '\u201c' || c === '\u201d';
      let text = '';
      let j = i + 1;
      for (; j < line.length; j++) {
        const d = line[j] as string;
        if (
          double
            ? d === '"' || d === '\u201c' || d === '\u201d'
            : d === "'" || d === '\u2018' || d === '\u2019'
        )
          break;
        if (double && d === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j += 1;
        text += line[j];
      }
      if (j >= line.length) throw new Error(`a ${double ? 'double' : 'single'} quote is not closed`);
      word = (word ?? '') + text;
      i = j;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
