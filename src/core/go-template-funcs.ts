/**
 * Values and functions of the Go template subset (see `go-template.ts`). Values are plain JSON
 * plus `undefined` for "missing". Functions follow Go's builtins and slim-sprig, argument order
 * included (`replace old new s`, `default fallback value`), so a pipe passes its value last.
 */
import { quoteArg } from './tokenize.js';

/** A problem inside a function; the executor adds the template position. */
export class TemplateFuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFuncError';
  }
}

/** What a value is, for printing, truth and errors. */
export type ValueKind = 'missing' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'other';

/** The kind of `v`: `undefined` is missing; any non-array object counts as an object (map). */
export function kindOf(v: unknown): ValueKind {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'object':
      return typeof v as ValueKind;
    default:
      return 'other';
  }
}

/**
 * Go's truth: false, 0, "", missing, null, and empty arrays and objects are false; the rest is
 * true. Used by `if`, `with`, `and`, `or`, `not`, `default`, `empty`.
 */
export function truth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'missing':
    case 'null':
      return false;
    case 'boolean':
      return v as boolean;
    case 'number':
      return v !== 0 && !Number.isNaN(v);
    case 'string':
      return v !== '';
    case 'array':
      return (v as unknown[]).length > 0;
    case 'object':
      return Object.keys(v as object).length > 0;
    default:
      return true;
  }
}

/**
 * How a value prints: missing and null as an empty string (html/template, not Go's `<no value>`),
 * numbers as JavaScript writes them (`3`, `0.5`, `1e+21`; Go would write 1e+08 for 100000000),
 * arrays as `[a b]` and objects as `map[k:v]` with sorted keys, like Go's fmt. Nesting deeper
 * than 32 levels prints `…`.
 */
export function printValue(v: unknown, depth = 0): string {
  if (depth > 32) return '…';
  switch (kindOf(v)) {
    case 'missing':
    case 'null':
      return depth === 0 ? '' : '<nil>';
    case 'string':
      return v as string;
    case 'number':
    case 'boolean':
      return String(v);
    case 'array':
      return `[${(v as unknown[]).map((x) => printValue(x, depth + 1)).join(' ')}]`;
    case 'object': {
      const o = v as Record<string, unknown>;
      const parts = Object.keys(o)
        .sort()
        .map((k) => `${k}:${printValue(o[k], depth + 1)}`);
      return `map[${parts.join(' ')}]`;
    }
    default:
      return typeof v === 'bigint' ? String(v) : '';
  }
}

/** A function: argument bounds (checked at compile time) and its body. */
export interface TemplateFunc {
  min: number;
  max: number;
  /** `and` / `or` are evaluated lazily by the executor and have no body here. */
  call?: (args: unknown[]) => unknown;
}

const any = Number.POSITIVE_INFINITY;
const str = (v: unknown): string => printValue(v);

/** Go's `eq`: basic values of the same kind; missing and null equal each other. */
function equal(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const nullish = (k: ValueKind) => k === 'missing' || k === 'null';
  if (nullish(ka) || nullish(kb)) return nullish(ka) && nullish(kb);
  for (const k of [ka, kb]) {
    if (k === 'array' || k === 'object' || k === 'other')
      throw new TemplateFuncError(`non-comparable type ${k}`);
  }
  if (ka !== kb) throw new TemplateFuncError(`incompatible types for comparison: ${ka} and ${kb}`);
  return a === b;
}

function compare(a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb || (ka !== 'number' && ka !== 'string')) {
    throw new TemplateFuncError(
      `invalid types for ordering: ${ka} and ${kb} (numbers or strings of one kind)`,
    );
  }
  return (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
}

const quoteEscapes = new Map([
  ['"', '\\"'],
  ['\\', '\\\\'],
  ['\x07', '\\a'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
]);

/** Go's `%q` (strconv.Quote): escapes `"`, `\`, control and non-printable characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const named = quoteEscapes.get(ch);
    if (named !== undefined) out += named;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
      out +=
        cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Go's `fmt.Sprint`: a space between operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && kindOf(arg) !== 'string' && kindOf(args[i - 1]) !== 'string') out += ' ';
    out += str(arg);
  });
  return out;
}

/** `printf` with the verbs `%s %v %d %q %t %%` and no flags or widths. */
function sprintf(format: unknown, args: unknown[]): string {
  if (kindOf(format) !== 'string') throw new TemplateFuncError('printf: the format must be a string');
  let next = 0;
  const take = (verb: string): unknown => {
    if (next >= args.length) throw new TemplateFuncError(`printf: missing argument for %${verb}`);
    return args[next++];
  };
  const out = (format as string).replace(/%(.?)/gs, (_all, verb: string) => {
    switch (verb) {
      case '%':
        return '%';
      case 's':
      case 'v':
        return str(take(verb));
      case 'q':
        return goQuote(str(take(verb)));
      case 't': {
        const v = take(verb);
        if (typeof v !== 'boolean')
          throw new TemplateFuncError(`printf: %t needs a boolean, got ${kindOf(v)}`);
        return String(v);
      }
      case 'd': {
        const v = take(verb);
        if (typeof v !== 'number' || !Number.isInteger(v))
          throw new TemplateFuncError(`printf: %d needs an integer, got ${str(v) || kindOf(v)}`);
        return v.toFixed(0);
      }
      default:
        throw new TemplateFuncError(
          `printf: unsupported verb %${verb} (supported: %s %v %d %q %t %%, no flags or widths)`,
        );
    }
  });
  if (next < args.length)
    throw new TemplateFuncError(`printf: ${args.length - next} argument(s) not used by the format`);
  return out;
}

function index(collection: unknown, keys: unknown[]): unknown {
  let v = collection;
  for (const key of keys) {
    const kind = kindOf(v);
    if (kind === 'missing' || kind === 'null') return undefined;
    if (kind === 'array') {
      const list = v as unknown[];
      if (typeof key !== 'number' || !Number.isInteger(key))
        throw new TemplateFuncError(`cannot index an array with ${kindOf(key)} ${str(key)}`);
      if (key < 0 || key >= list.length) throw new TemplateFuncError(`index out of range: ${key}`);
      v = list[key];
    } else if (kind === 'object') {
      if (typeof key !== 'string')
        throw new TemplateFuncError(`cannot index an object with ${kindOf(key)} ${str(key)}`);
      v = Object.hasOwn(v as object, key) ? (v as Record<string, unknown>)[key] : undefined;
    } else {
      throw new TemplateFuncError(`cannot index a value of type ${kind}`);
    }
  }
  return v;
}

function length(v: unknown): number {
  switch (kindOf(v)) {
    case 'missing':
    case 'null':
      return 0;
    case 'string':
      return utf8Length(v as string);
    case 'array':
      return (v as unknown[]).length;
    case 'object':
      return Object.keys(v as object).length;
    default:
      throw new TemplateFuncError(`len of ${kindOf(v)}`);
  }
}

/** sprig's list conversion for `join`: arrays lose their null items; one value is a list of one. */
function stringList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(str);
  return v === null || v === undefined ? [] : [str(v)];
}

function truncate(n: unknown, s: unknown): string {
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new TemplateFuncError(`trunc needs an integer length, got ${kindOf(n)}`);
  const chars = Array.from(str(s));
  return (n >= 0 ? chars.slice(0, n) : chars.slice(Math.max(0, chars.length + n))).join('');
}

/** Every function a template may call. Names not here fail to compile. */
export const templateFuncs: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  // Go builtins.
  ['and', { min: 1, max: any }],
  ['or', { min: 1, max: any }],
  ['not', { min: 1, max: 1, call: ([a]) => !truth(a) }],
  ['eq', { min: 2, max: any, call: ([a, ...bs]) => bs.some((b) => equal(a, b)) }],
  ['ne', { min: 2, max: 2, call: ([a, b]) => !equal(a, b) }],
  ['lt', { min: 2, max: 2, call: ([a, b]) => compare(a, b) < 0 }],
  ['le', { min: 2, max: 2, call: ([a, b]) => compare(a, b) <= 0 }],
  ['gt', { min: 2, max: 2, call: ([a, b]) => compare(a, b) > 0 }],
  ['ge', { min: 2, max: 2, call: ([a, b]) => compare(a, b) >= 0 }],
  ['len', { min: 1, max: 1, call: ([a]) => length(a) }],
  ['index', { min: 1, max: any, call: ([a, ...keys]) => index(a, keys) }],
  ['print', { min: 0, max: any, call: (args) => sprint(args) }],
  ['println', { min: 0, max: any, call: (args) => `${args.map(str).join(' ')}\n` }],
  ['printf', { min: 1, max: any, call: ([format, ...args]) => sprintf(format, args) }],
  // slim-sprig, same names and argument order.
  ['lower', { min: 1, max: 1, call: ([s]) => str(s).toLowerCase() }],
  ['upper', { min: 1, max: 1, call: ([s]) => str(s).toUpperCase() }],
  ['trim', { min: 1, max: 1, call: ([s]) => str(s).trim() }],
  [
    'trimPrefix',
    { min: 2, max: 2, call: ([p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)) },
  ],
  [
    'trimSuffix',
    {
      min: 2,
      max: 2,
      call: ([p, s]) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
    },
  ],
  ['contains', { min: 2, max: 2, call: ([sub, s]) => str(s).includes(str(sub)) }],
  ['hasPrefix', { min: 2, max: 2, call: ([p, s]) => str(s).startsWith(str(p)) }],
  ['hasSuffix', { min: 2, max: 2, call: ([p, s]) => str(s).endsWith(str(p)) }],
  ['replace', { min: 3, max: 3, call: ([from, to, s]) => str(s).replaceAll(str(from), str(to)) }],
  ['join', { min: 2, max: 2, call: ([sep, list]) => stringList(list).join(str(sep)) }],
  ['splitList', { min: 2, max: 2, call: ([sep, s]) => str(s).split(str(sep)) }],
  ['trunc', { min: 2, max: 2, call: ([n, s]) => truncate(n, s) }],
  ['default', { min: 1, max: 2, call: ([fallback, value]) => (truth(value) ? value : fallback) }],
  ['empty', { min: 1, max: 1, call: ([v]) => !truth(v) }],
  ['coalesce', { min: 0, max: any, call: (args) => args.find(truth) }],
  ['list', { min: 0, max: any, call: (args) => [...args] }],
  ['quote', { min: 0, max: any, call: (args) => stringList(args).map(goQuote).join(' ') }],
  [
    'squote',
    {
      min: 0,
      max: any,
      call: (args) =>
        stringList(args)
          .map((s) => `'${s}'`)
          .join(' '),
    },
  ],
  ['toJson', { min: 1, max: 1, call: ([v]) => JSON.stringify(v ?? null) ?? 'null' }],
  // Switchboard: quote for the command tokenizer, so data cannot add or split words.
  ['shquote', { min: 0, max: any, call: (args) => args.map((a) => quoteArg(str(a))).join(' ') }],
]);
