/**
 * The `--filter` flag, applied to output the agent already has. Botkube's interactive filter
 * re-runs the command (#907), which is wrong for commands that change things; filtering here
 * never calls the plugin again.
 */
import type { Body, Message, Section } from '../contract/message.js';

/** Options for {@link filterMessageOutput} and {@link filterLines}. */
export interface OutputFilterOptions {
  /** Compare without regard to case. Default false: Botkube's filter is case-sensitive. */
  ignoreCase?: boolean;
}

/** The result of {@link filterMessageOutput}. */
export interface FilteredMessage {
  /** A new message; the input is not changed. */
  message: Message;
  /** Lines kept, over every filtered body. */
  matchedLines: number;
  /** Lines looked at, over every filtered body. Zero means the message had no body text. */
  totalLines: number;
}

/** The result of {@link filterLines}. */
export interface FilteredText {
  text: string;
  matchedLines: number;
  totalLines: number;
}

/**
 * Keeps only the lines containing `filter` in the message's text bodies: `baseBody` and each
 * section's `body`, both `codeBlock` and `plaintext`. Everything else — the message type,
 * sections, headers, descriptions, fields, bullet lists, buttons, selects, context — is kept
 * as it is, so the reply keeps its shape and buttons still work. A body with no matching line
 * becomes an empty string (the caller can say "no line matches", see `matchedLines`). An empty
 * `filter` keeps every line.
 */
export function filterMessageOutput(
  message: Message,
  filter: string,
  options: OutputFilterOptions = {},
): FilteredMessage {
  let matchedLines = 0;
  let totalLines = 0;
  const body = (b: Body): Body => {
    const out: Body = { ...b };
    for (const key of ['codeBlock', 'plaintext'] as const) {
      const text = b[key];
      if (text === undefined) continue;
      const filtered = filterLines(text, filter, options);
      matchedLines += filtered.matchedLines;
      totalLines += filtered.totalLines;
      out[key] = filtered.text;
    }
    return out;
  };
  const result: Message = { ...message, baseBody: body(message.baseBody) };
  if (message.sections) {
    result.sections = message.sections.map((s): Section => (s.body ? { ...s, body: body(s.body) } : s));
  }
  return { message: result, matchedLines, totalLines };
}

/**
 * Keeps the lines of `text` that contain `filter`, in order. Lines end at `\n`; a final `\n`
 * ends the last line rather than starting an empty one, and is kept when any line is kept.
 * An empty `filter` keeps every line.
 */
export function filterLines(text: string, filter: string, options: OutputFilterOptions = {}): FilteredText {
  if (text === '') return { text, matchedLines: 0, totalLines: 0 };
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const needle = options.ignoreCase ? filter.toLowerCase() : filter;
  const kept = lines.filter((line) => (options.ignoreCase ? line.toLowerCase() : line).includes(needle));
  const joined = kept.join('\n');
  return {
    text: kept.length > 0 && endsWithNewline ? `${joined}\n` : joined,
    matchedLines: kept.length,
    totalLines: lines.length,
  };
}
