/**
 * Lexer of the Go template subset (see `go-template.ts`): turns template source into text chunks
 * and action tokens, applying `{{-` / `-}}` whitespace trimming and dropping comments.
 */

/** Kinds of {@link Tok}. */
export type TokKind =
  | 'text'
  | 'open'
  | 'close'
  | 'field'
  | 'variable'
  | 'ident'
  | 'string'
  | 'number'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'declare'
  | 'assign'
  | 'eof';

/** One lexical item. `pos` is the UTF-16 offset in the source, for error positions. */
export interface Tok {
  kind: TokKind;
  pos: number;
  /** Text, identifier or variable name (`$x`, `$`), string literal value, or number source. */
  value: string;
  /** For `field`: the names of `.A.B` (`[]` for a lone dot). */
  chain?: string[];
  /** For `number`: the parsed value. */
  num?: number;
  /** True when blanks separate this token from the previous one inside an action. */
  spaceBefore: boolean;
}

/** A lexing problem at `pos`; the compiler turns it into a positioned SB_ERR_TEMPLATE error. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

const isSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isIdentStart = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}_]/u.test(ch);
const isIdentChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const trailingSpace = /[ \t\r\n]+$/;
const leadingSpace = /^[ \t\r\n]+/;
/** Sticky: matched at an offset of the whole source, so lexing never copies the rest of it. */
const numberPattern =
  /[+-]?(?:0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[bB][01](?:_?[01])*|0[oO][0-7](?:_?[0-7])*|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?)/y;

/** Lexes the whole template. Throws {@link TemplateSyntaxError}. */
export function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  const n = src.length;
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = src.indexOf('{{', pos);
    const leftTrim = open !== -1 && src[open + 2] === '-' && isSpace(src[open + 3]);
    let text = src.slice(pos, open === -1 ? n : open);
    if (trimNext) text = text.replace(leadingSpace, '');
    if (leftTrim) text = text.replace(trailingSpace, '');
    if (text !== '') toks.push({ kind: 'text', pos, value: text, spaceBefore: false });
    if (open === -1) break;
    let p = open + (leftTrim ? 4 : 2);
    if (src.startsWith('/*', p)) {
      const end = src.indexOf('*/', p + 2);
      if (end === -1) throw new TemplateSyntaxError(open, 'unclosed comment');
      const after = end + 2;
      if (src.startsWith('}}', after)) {
        trimNext = false;
        pos = after + 2;
      } else if (isSpace(src[after]) && src.startsWith('-}}', after + 1)) {
        trimNext = true;
        pos = after + 4;
      } else {
        throw new TemplateSyntaxError(after, 'comment ends before closing delimiter');
      }
      continue;
    }
    toks.push({ kind: 'open', pos: open, value: '{{', spaceBefore: false });
    for (;;) {
      const before = p;
      while (isSpace(src[p])) p += 1;
      const spaceBefore = p > before;
      if (p >= n) throw new TemplateSyntaxError(open, 'unclosed action: no matching }}');
      if (spaceBefore && src.startsWith('-}}', p)) {
        toks.push({ kind: 'close', pos: p, value: '}}', spaceBefore });
        trimNext = true;
        pos = p + 3;
        break;
      }
      if (src.startsWith('}}', p)) {
        toks.push({ kind: 'close', pos: p, value: '}}', spaceBefore });
        trimNext = false;
        pos = p + 2;
        break;
      }
      const tok = lexInAction(src, p, spaceBefore);
      toks.push(tok.tok);
      p = tok.end;
    }
  }
  toks.push({ kind: 'eof', pos: n, value: '', spaceBefore: false });
  return toks;
}

function lexInAction(src: string, p: number, spaceBefore: boolean): { tok: Tok; end: number } {
  const ch = src[p] as string;
  const simple = (kind: TokKind, length: number) => ({
    tok: { kind, pos: p, value: src.slice(p, p + length), spaceBefore },
    end: p + length,
  });
  switch (ch) {
    case '|':
      return simple('pipe', 1);
    case '(':
      return simple('lparen', 1);
    case ')':
      return simple('rparen', 1);
    case ',':
      return simple('comma', 1);
    case '=':
      return simple('assign', 1);
    case ':':
      if (src[p + 1] === '=') return simple('declare', 2);
      throw new TemplateSyntaxError(p, 'expected :=');
    case '"':
      return lexQuoted(src, p, spaceBefore);
    case '`': {
      const close = src.indexOf('`', p + 1);
      if (close === -1) throw new TemplateSyntaxError(p, 'unterminated raw quoted string');
      return { tok: { kind: 'string', pos: p, value: src.slice(p + 1, close), spaceBefore }, end: close + 1 };
    }
    case "'":
      throw new TemplateSyntaxError(p, 'character constants are not supported; use a "string"');
    case '$': {
      let end = p + 1;
      while (isIdentChar(src[end])) end += 1;
      return { tok: { kind: 'variable', pos: p, value: src.slice(p, end), spaceBefore }, end };
    }
    default:
      break;
  }
  if (ch === '.' && !isDigit(src[p + 1])) {
    const chain: string[] = [];
    let end = p;
    while (src[end] === '.' && isIdentStart(src[end + 1])) {
      let q = end + 1;
      while (isIdentChar(src[q])) q += 1;
      chain.push(src.slice(end + 1, q));
      end = q;
    }
    if (chain.length === 0) end = p + 1;
    return { tok: { kind: 'field', pos: p, value: src.slice(p, end), chain, spaceBefore }, end };
  }
  if (
    isDigit(ch) ||
    ch === '.' ||
    ((ch === '-' || ch === '+') && (isDigit(src[p + 1]) || src[p + 1] === '.'))
  ) {
    numberPattern.lastIndex = p;
    const match = numberPattern.exec(src);
    const text = match?.[0] ?? '';
    if (text === '' || isIdentChar(src[p + text.length]) || src[p + text.length] === '.') {
      throw new TemplateSyntaxError(
        p,
        `bad number syntax: ${JSON.stringify(src.slice(p, p + text.length + 1))}`,
      );
    }
    return {
      tok: { kind: 'number', pos: p, value: text, num: parseNumber(text), spaceBefore },
      end: p + text.length,
    };
  }
  if (isIdentStart(ch)) {
    let end = p + 1;
    while (isIdentChar(src[end])) end += 1;
    return { tok: { kind: 'ident', pos: p, value: src.slice(p, end), spaceBefore }, end };
  }
  throw new TemplateSyntaxError(p, `unexpected ${JSON.stringify(ch)} in action`);
}

function parseNumber(text: string): number {
  const clean = text.replaceAll('_', '');
  const sign = clean.startsWith('-') ? -1 : 1;
  const body = clean.replace(/^[+-]/, '');
  const radix = /^0[xX]/.test(body) ? 16 : /^0[bB]/.test(body) ? 2 : /^0[oO]/.test(body) ? 8 : 10;
  return sign * (radix === 10 ? Number(body) : Number.parseInt(body.slice(2), radix));
}

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** A Go interpreted string literal: `\n`, `\t`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`, `\ooo`, … */
function lexQuoted(src: string, start: number, spaceBefore: boolean): { tok: Tok; end: number } {
  let value = '';
  let p = start + 1;
  for (;;) {
    const ch = src[p];
    if (ch === undefined || ch === '\n') throw new TemplateSyntaxError(start, 'unterminated quoted string');
    if (ch === '"') break;
    if (ch !== '\\') {
      value += ch;
      p += 1;
      continue;
    }
    const esc = src[p + 1] ?? '';
    const simple = simpleEscapes[esc];
    if (simple !== undefined) {
      value += simple;
      p += 2;
      continue;
    }
    const hex = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
    const digits = hex > 0 ? src.slice(p + 2, p + 2 + hex) : src.slice(p + 1, p + 4);
    const valid = hex > 0 ? new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits) : /^[0-7]{3}$/.test(digits);
    const code = valid ? Number.parseInt(digits, hex > 0 ? 16 : 8) : Number.NaN;
    if (!valid || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || (hex === 0 && code > 255)) {
      const written = hex > 0 ? `${esc}${digits}` : valid ? digits : esc;
      throw new TemplateSyntaxError(p, `unknown escape sequence \\${written}`);
    }
    value += String.fromCodePoint(code);
    p += hex > 0 ? 2 + hex : 4;
  }
  return { tok: { kind: 'string', pos: start, value, spaceBefore }, end: p + 1 };
}
