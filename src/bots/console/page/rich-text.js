/**
 * Text with the little markdown plugins write (```fences```, `code`, **bold**, *bold*, _italic_,
 * [links](https://…), <https://…|links> and bare URLs) turned into DOM nodes. Every piece of
 * text goes in through text nodes, never through HTML, so markup in the text stays text. Only
 * http(s) links become links.
 */

const fence = /```[^\n`]*\n?([\s\S]*?)```/g;

const inline = new RegExp(
  [
    '``\\s?(?<code2>[^`]+?)\\s?``',
    '`(?<code>[^`\\n]+)`',
    '\\[(?<label>[^\\]\\n]+)\\]\\((?<href>https?:\\/\\/[^\\s)]+)\\)',
    '<(?<shref>https?:\\/\\/[^|>\\s]+)(?:\\|(?<slabel>[^>\\n]+))?>',
    '\\*\\*(?<bold2>[^*\\n]+?)\\*\\*',
    '(?<![\\w*])\\*(?!\\s)(?<bold>[^*\\n]+?)(?<!\\s)\\*(?![\\w*])',
    '(?<![\\w_])_(?!\\s)(?<italic>[^_\\n]+?)(?<!\\s)_(?![\\w_])',
    '(?<url>https?:\\/\\/[^\\s<>"\'`]*[^\\s<>"\'`.,;:!?)\\]])',
  ].join('|'),
  'g',
);

/** Appends `text` to `parent`: fenced blocks as <pre>, the rest as text blocks with inline markup. */
export function appendRichText(parent, text) {
  let last = 0;
  for (const match of text.matchAll(fence)) {
    appendTextBlock(parent, text.slice(last, match.index));
    parent.append(codeBlock(match[1]));
    last = match.index + match[0].length;
  }
  appendTextBlock(parent, text.slice(last));
}

/** A <pre><code> block holding `text` (one final newline dropped). */
export function codeBlock(text) {
  const pre = document.createElement('pre');
  pre.className = 'code';
  const code = document.createElement('code');
  code.textContent = text.replace(/\n$/, '');
  pre.append(code);
  return pre;
}

/** Appends `text` with inline markup to `parent` (no blocks). */
export function appendInline(parent, text, depth = 0) {
  let last = 0;
  for (const match of text.matchAll(inline)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    parent.append(inlineNode(match.groups, match[0], depth));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** An `<a>` opening `url` in a new tab without giving it this page; undefined unless http(s). */
export function safeLink(url, label) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const a = document.createElement('a');
  a.href = parsed.href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = label;
  return a;
}

function appendTextBlock(parent, text) {
  const trimmed = text.replace(/^\n+|\n+$/g, '');
  if (trimmed.trim() === '') return;
  const div = document.createElement('div');
  div.className = 'text';
  appendInline(div, trimmed);
  parent.append(div);
}

function inlineNode(g, raw, depth) {
  const code = g.code ?? g.code2;
  if (code !== undefined) {
    const el = document.createElement('code');
    el.textContent = code;
    return el;
  }
  const href = g.href ?? g.shref ?? g.url;
  if (href !== undefined) return safeLink(href, g.label ?? g.slabel ?? href) ?? document.createTextNode(raw);
  const bold = g.bold ?? g.bold2;
  const tag = bold !== undefined ? 'strong' : 'em';
  const content = bold ?? g.italic;
  const el = document.createElement(tag);
  if (depth < 3) appendInline(el, content, depth + 1);
  else el.textContent = content;
  return el;
}
