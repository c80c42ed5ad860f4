/**
 * Slack-style emoji shortcodes (`:warning:`, `:white_check_mark:`, `:+1::skin-tone-3:`) as
 * Unicode emoji, for the places that show text themselves (the web console and `switchboard
 * chat`). The names are Slack's: emoji-datasource's (iamcal), as emojibase-data publishes them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Kept as written: code, a run of backticks up to the next run of the same length (CommonMark's
 * rule: fenced blocks, `x`, ``a `b` c``), and URLs (`https://host/:x:/`), whose colons are
 * part of the address.
 */
const code = /(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)|https?:\/\/[^\s<>|]+/g;
/** Slack's shortcode names: lowercase letters, digits, `_`, `-` and `+` (for `:+1:`). */
const shortcode = /:[a-z0-9_+-]+:/;
const emojiPresentation = /^\p{Emoji_Presentation}$/u;

/** Read-only package data, kept once read; not state (the same for every agent in the process). */
let table: ReadonlyMap<string, string> | undefined;

/**
 * `text` with every known shortcode outside code spans, fenced blocks and URLs replaced by its emoji;
 * unknown names (and times such as `10:30:00`) stay as they are. The table (about 1,900 emoji,
 * 48 kB of JSON) is read on the first text that holds a candidate, not at start: most agents
 * never show one.
 */
export function replaceEmojiShortcodes(text: string): string {
  if (!text.includes(':')) return text;
  let out = '';
  let last = 0;
  for (const match of text.matchAll(code)) {
    out += replaceOutsideCode(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + replaceOutsideCode(text.slice(last));
}

function replaceOutsideCode(text: string): string {
  if (!shortcode.test(text)) return text;
  const emoji = shortcodeTable();
  // Colon to colon: a colon that closes no known name may open the next one (`10:30 :x:`), and
  // one shortcode may follow another with no blank (`:+1::skin-tone-2:`).
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(':', i);
    if (open < 0) break;
    const close = text.indexOf(':', open + 1);
    if (close < 0) break;
    const found = emoji.get(text.slice(open + 1, close));
    if (found === undefined) {
      out += text.slice(i, close);
      i = close;
      continue;
    }
    out += text.slice(i, open) + found;
    i = close + 1;
  }
  return out + text.slice(i);
}

function shortcodeTable(): ReadonlyMap<string, string> {
  if (table) return table;
  const file = createRequire(import.meta.url).resolve('emojibase-data/en/shortcodes/iamcal.json');
  const byHexcode = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | string[]>;
  const map = new Map<string, string>();
  for (const [hexcode, names] of Object.entries(byHexcode)) {
    const emoji = fromHexcode(hexcode);
    for (const name of typeof names === 'string' ? [names] : names) map.set(name, emoji);
  }
  table = map;
  return map;
}

/**
 * The emoji for an emojibase hexcode (`1F44D`, `1F3F3-FE0F-200D-1F308`). Sequences carry their
 * variation selectors already; a lone character that is text by default (⚠ U+26A0) gets
 * U+FE0F so it shows as an emoji, as Slack shows it.
 */
function fromHexcode(hexcode: string): string {
  const points = hexcode.split('-').map((h) => Number.parseInt(h, 16));
  const text = String.fromCodePoint(...points);
  return points.length === 1 && !emojiPresentation.test(text) ? `${text}\uFE0F` : text;
}
