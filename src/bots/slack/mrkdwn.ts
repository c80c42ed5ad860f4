/**
 * Slack `mrkdwn` text: escaping what plugins and events write, code fences, and cutting text to
 * a length measured after escaping (Slack counts the escaped form against its limits).
 */

/**
 * Spans that keep their angle brackets: user mentions (`<@U123>`, `<@W123|name>`) and links
 * (`<https://x|label>`, `<mailto:a@b>`). Everything else with `<`, `>` or `&` is escaped, so an
 * event cannot ping `<!channel>` or smuggle markup, while links and mentions plugins write on
 * purpose still work.
 */
const keptMarkup = /<@[UW][A-Z0-9]+(?:\|[^<>]*)?>|<(?:https?|mailto):[^<>\s|]+(?:\|[^<>]*)?>/g;

/** Escapes `&`, `<` and `>` as Slack requires, keeping user mentions and links (see above). */
export function escapeMrkdwn(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(keptMarkup)) {
    out += escapeAll(text.slice(last, match.index)) + escapeLabel(match[0]);
    last = match.index + match[0].length;
  }
  return out + escapeAll(text.slice(last));
}

/** Escapes every `&`, `<` and `>`: for plain_text objects' neighbours and code. */
export function escapeAll(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A kept link's label may still hold `&`; escape it without touching the brackets. */
function escapeLabel(markup: string): string {
  const bar = markup.indexOf('|');
  if (bar === -1) return markup;
  return `${markup.slice(0, bar + 1)}${markup.slice(bar + 1, -1).replaceAll('&', '&amp;')}>`;
}

/** Escaped text inside a ``` fence; a ``` in the text gets a zero-width space so it cannot close it. */
export function escapeCode(text: string): string {
  return escapeAll(text).replaceAll('```', '``\u200b`');
}

/** Fences already-escaped code. */
export function fence(escapedCode: string): string {
  return `\`\`\`\n${escapedCode}\n\`\`\``;
}

/** Characters the fence adds around code. */
export const fenceOverhead = fence('').length;

/**
 * Splits already-escaped `text` into chunks of at most `max` characters, at line ends where it
 * can, never inside an escape entity (`&amp;`) or a surrogate pair. Lines are kept whole when
 * they fit; a longer line is cut.
 */
export function splitEscaped(text: string, max: number): string[] {
  if (max < 8) throw new RangeError(`chunk size ${max} is too small`);
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut <= 0) cut = safeCut(rest, max);
    chunks.push(rest.slice(0, cut));
    rest = rest[cut] === '\n' ? rest.slice(cut + 1) : rest.slice(cut);
  }
  chunks.push(rest);
  return chunks;
}

/** The largest index ≤ max that does not split an entity or a surrogate pair. */
function safeCut(text: string, max: number): number {
  let cut = max;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && amp > cut - 6) {
    const semi = text.indexOf(';', amp);
    if (semi !== -1 && semi >= cut) cut = amp;
  }
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return Math.max(1, cut);
}

/**
 * Cuts plain (unescaped) text to `max` characters, ending with `…` when cut; for plain_text
 * objects (button labels, option names, placeholders) whose limits are small.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Cuts already-escaped mrkdwn to `max` characters with a trailing `…`, never inside an entity.
 */
export function clipEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCut(text, max - 1))}…`;
}
