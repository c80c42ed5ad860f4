/** A place in a text, as people count it: both numbers start at 1. */
export interface TextPosition {
  line: number;
  /** Counted in UTF-16 code units from the start of the line, so a tab or an emoji counts as typed. */
  column: number;
}

/**
 * The line and column of `offset` (a UTF-16 index, clamped to the text) in `text`. Lines end at
 * `\n`; a `\r` before it belongs to the line it ends.
 */
export function positionAt(text: string, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Where `offset` is, worded for a chat reply: `column 7` for a one-line text,
 * `line 2, column 3` otherwise.
 */
export function describePosition(text: string, offset: number): string {
  const { line, column } = positionAt(text, offset);
  return text.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
}
