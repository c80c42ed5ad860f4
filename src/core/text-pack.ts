/**
 * Packs rendered lines into messages of at most N characters: cuts at line boundaries, splits
 * longer lines without breaking surrogate pairs, and keeps markdown code fences balanced in every
 * part. Used by `render-text.ts`; exported for renderers that build their own lines.
 */

/** How to fit the text into messages of a platform. */
export interface TextLimits {
  /** Longest part, in UTF-16 code units (never less than code points). At least 20. */
  maxChars: number;
  /** `truncate` (default): at most `maxParts` parts, default 1. `split`: default unlimited. */
  overflow?: 'truncate' | 'split';
  maxParts?: number;
  /** Which end to keep when cutting: the `start` (default) or the `end` (latest output). */
  keep?: 'start' | 'end';
  /**
   * Line added where text was cut, at most a quarter of `maxChars` (longer is cut). Default
   * `… (output truncated)`, or `… (earlier output truncated)` when keeping the end.
   */
  notice?: string;
}

/** One rendered line. */
export interface PackItem {
  text: string;
  /** A ``` line that opens or closes a code block (they alternate); other lines are content. */
  fence?: boolean;
}

/** The result of {@link packText}. */
export interface PackedText {
  /** Each within `limits.maxChars` UTF-16 code units. */
  parts: string[];
  /** True when some lines were left out (then the notice line marks where). */
  cut: boolean;
}

const fence = '```';
/** The newline and ``` that close a code block cut at the end of a part. */
const closeCost = fence.length + 1;
/** Code characters that must fit after an opening fence, or the block starts in the next part. */
const minCodeRoom = 9;

/**
 * Packs `items` into parts (see {@link TextLimits}). Parts are filled greedily in reading
 * order (from the end for `keep: 'end'`, so the latest lines are kept). A part that ends inside a
 * code block gets a closing ```, and the next part opens it again. When more than `maxParts`
 * parts would be needed, the kept parts end (or, keeping the end, begin) with the notice line.
 *
 * @throws RangeError when `maxChars` is below 20 or `maxParts` below 1.
 */
export function packText(items: readonly PackItem[], limits: TextLimits): PackedText {
  const { maxChars } = limits;
  if (!Number.isFinite(maxChars) || maxChars < 20)
    throw new RangeError(`maxChars must be at least 20, got ${maxChars}`);
  const maxParts = limits.maxParts ?? (limits.overflow === 'split' ? Number.POSITIVE_INFINITY : 1);
  if (!(maxParts >= 1)) throw new RangeError(`maxParts must be at least 1, got ${maxParts}`);
  const keepEnd = limits.keep === 'end';
  const defaultNotice = keepEnd ? '… (earlier output truncated)' : '… (output truncated)';
  const notice = cutToLength(limits.notice ?? defaultNotice, Math.floor(maxChars / 4));

  const ordered = keepEnd ? [...items].reverse() : items;
  let parts = pack(ordered, () => maxChars, keepEnd);
  let cut = false;
  if (parts.length > maxParts) {
    const last = maxParts - 1;
    parts = pack(ordered, (i) => (i === last ? maxChars - notice.length - 1 : maxChars), keepEnd).slice(
      0,
      maxParts,
    );
    (parts[last] as string[]).push(notice);
    cut = true;
  }
  if (keepEnd) parts = parts.reverse().map((lines) => lines.reverse());
  return { parts: parts.map((lines) => lines.join('\n')), cut };
}

/**
 * Greedy packing; `limitFor(i)` is the size of part `i`. With `fromEnd`, `items` come last line
 * first, so a line too long for a part is cut from its end.
 */
function pack(items: readonly PackItem[], limitFor: (index: number) => number, fromEnd: boolean): string[][] {
  const parts: string[][] = [];
  let cur: string[] = [];
  let length = 0;
  /** Inside a code block. */
  let open = false;
  /** The last line of `cur` is the fence that opened (or reopened) the current block. */
  let blockEmpty = false;
  const add = (text: string) => {
    length += (cur.length > 0 ? 1 : 0) + text.length;
    cur.push(text);
  };
  // While inside a block, room for the closing fence is kept free, so closing always fits.
  const room = () => limitFor(parts.length) - (open ? closeCost : 0) - length - (cur.length > 0 ? 1 : 0);
  const hasContent = () => cur.length > (open && blockEmpty ? 1 : 0);
  const flush = () => {
    if (open && blockEmpty) {
      // Move the block's opening fence to the next part rather than leave an empty block here.
      cur.pop();
      length = Math.max(0, length - fence.length - 1);
    } else if (open) {
      add(fence);
    }
    if (cur.length > 0) parts.push(cur);
    cur = [];
    length = 0;
    if (open) {
      add(fence);
      blockEmpty = true;
    }
  };

  for (const item of items) {
    if (item.fence && open) {
      add(fence); // room for it is reserved
      open = false;
      continue;
    }
    if (item.fence) {
      // Open a block only where its fence, its closing fence and a little code fit.
      if (hasContent() && room() < fence.length + closeCost + minCodeRoom) flush();
      add(fence);
      open = true;
      blockEmpty = true;
      continue;
    }
    let rest = item.text;
    if (rest.length > room() && hasContent()) flush();
    for (;;) {
      if (rest.length <= room()) {
        add(rest);
        blockEmpty = false;
        break;
      }
      let chunk = fromEnd ? cutEndToLength(rest, room()) : cutToLength(rest, room());
      if (chunk === '') {
        // Unreachable with maxChars >= 20 (a fresh part has room for a surrogate pair); never loop.
        chunk = fromEnd ? rest.slice(-1) : rest.slice(0, 1);
      }
      add(chunk);
      blockEmpty = false;
      rest = fromEnd ? rest.slice(0, rest.length - chunk.length) : rest.slice(chunk.length);
      flush();
    }
  }
  if (open && hasContent()) add(fence);
  if (hasContent()) parts.push(cur);
  return parts;
}

/** The longest prefix of `text` of at most `max` code units that does not split a surrogate pair. */
function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** The longest suffix of `text` of at most `max` code units that does not split a surrogate pair. */
function cutEndToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const code = text.charCodeAt(text.length - max);
  return text.slice(code >= 0xdc00 && code <= 0xdfff ? text.length - max + 1 : text.length - max);
}
