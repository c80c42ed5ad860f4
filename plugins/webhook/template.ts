/**
 * A small, safe template language for turning JSON into text: `{{ .path.to.field }}`, `$` for
 * the whole payload inside list items, string and number literals, and a fixed set of
 * functions applied with pipes (`{{ .message | firstLine | truncate 80 }}`). Templates are
 * parsed once, when the config is read; evaluating one only reads own properties of the data,
 * so nothing in a payload (or a config) can run code or reach prototypes.
 */

/** Thrown for a template that does not parse; the message says where. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

type Operand = { kind: 'path'; fromRoot: boolean; segments: string[] } | { kind: 'literal'; value: unknown };
interface Call {
  name: FunctionName;
  args: unknown[];
}
type Part = string | { operand: Operand; calls: Call[] };

/** A parsed template, ready to render. */
export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
}

const functions = {
  /** The argument when the value is missing, null or empty. */
  default: (value: unknown, fallback: unknown) =>
    value === undefined || value === null || value === '' ? fallback : value,
  /** Pretty JSON. */
  json: (value: unknown) => JSON.stringify(value ?? null, null, 2),
  /** At most N characters, ending in … when cut. */
  truncate: (value: unknown, n: unknown) => {
    const text = toText(value);
    const max = Number(n);
    return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
  },
  /** Characters from A up to (not including) B. */
  slice: (value: unknown, a: unknown, b: unknown) =>
    toText(value).slice(Number(a), b === undefined ? undefined : Number(b)),
  upper: (value: unknown) => toText(value).toUpperCase(),
  lower: (value: unknown) => toText(value).toLowerCase(),
  /** The text up to the first line break. */
  firstLine: (value: unknown) => toText(value).split('\n')[0] ?? '',
  /** The value without a leading prefix, e.g. `trimPrefix "refs/heads/"`. */
  trimPrefix: (value: unknown, prefix: unknown) => {
    const text = toText(value);
    const p = toText(prefix);
    return text.startsWith(p) ? text.slice(p.length) : text;
  },
  /** A list's items joined with the separator. */
  join: (value: unknown, separator: unknown) =>
    Array.isArray(value) ? value.map(toText).join(toText(separator)) : toText(value),
  /** Length of a list, text or object. */
  len: (value: unknown) =>
    Array.isArray(value) || typeof value === 'string'
      ? value.length
      : isObject(value)
        ? Object.keys(value).length
        : 0,
} satisfies Record<string, (value: unknown, ...args: unknown[]) => unknown>;

type FunctionName = keyof typeof functions;

/** The names of the template functions, for docs and error messages. */
export const templateFunctions = Object.keys(functions) as FunctionName[];

/** Parses a template; throws {@link TemplateError} naming the problem and its position. */
export function parseTemplate(source: string): Template {
  const parts: Part[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      parts.push(source.slice(at));
      break;
    }
    if (open > at) parts.push(source.slice(at, open));
    const close = findClose(source, open + 2);
    if (close < 0) throw new TemplateError(`"{{" at character ${open + 1} is not closed with "}}"`);
    parts.push(parseAction(source.slice(open + 2, close), open + 1));
    at = close + 2;
  }
  return { source, parts };
}

/** Renders a parsed template against `data`; `root` is what `$` names (default: `data`). */
export function renderTemplate(template: Template, data: unknown, root: unknown = data): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value = evaluate(part.operand, data, root);
    for (const call of part.calls) {
      value = (functions[call.name] as (v: unknown, ...a: unknown[]) => unknown)(value, ...call.args);
    }
    out += toText(value);
  }
  return out;
}

/** Looks up a path like `.commits` (as written in a list's `items`) in `data`. */
export function lookupPath(path: string, data: unknown): unknown {
  const operand = parseOperand(path.trim(), 0);
  if (operand.kind !== 'path') throw new TemplateError(`"${path}" is not a path like .commits`);
  return evaluate(operand, data, data);
}

function evaluate(operand: Operand, data: unknown, root: unknown): unknown {
  if (operand.kind === 'literal') return operand.value;
  let value = operand.fromRoot ? root : data;
  for (const segment of operand.segments) {
    // Own properties only: `.__proto__` or `.constructor` find nothing.
    value =
      isObject(value) && Object.hasOwn(value, segment)
        ? (value as Record<string, unknown>)[segment]
        : undefined;
  }
  return value;
}

/** Finds the `}}` that ends an action, skipping over quoted strings (which may contain `}}`). */
function findClose(source: string, from: number): number {
  let quoted = false;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quoted && c === '\\') i += 1;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

function parseAction(text: string, position: number): Part {
  const stages = splitPipes(text);
  const [first = '', ...rest] = stages;
  if (first.trim() === '') throw new TemplateError(`empty {{ }} at character ${position}`);
  const operand = parseOperand(first.trim(), position);
  const calls = rest.map((stage) => {
    const words = splitWords(stage.trim(), position);
    const [name, ...args] = words;
    if (name === undefined || typeof name !== 'string' || !Object.hasOwn(functions, name)) {
      throw new TemplateError(
        `unknown function "${String(name ?? '')}" at character ${position}; use one of: ${templateFunctions.join(', ')}`,
      );
    }
    return {
      name: name as FunctionName,
      args: args.map((a) => (typeof a === 'string' ? parseLiteral(a, position) : a)),
    };
  });
  return { operand, calls };
}

function parseOperand(text: string, position: number): Operand {
  if (text === '.' || text === '$') return { kind: 'path', fromRoot: text === '$', segments: [] };
  const path = /^(\$?)\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/.exec(text);
  if (path) return { kind: 'path', fromRoot: path[1] === '$', segments: (path[2] as string).split('.') };
  return { kind: 'literal', value: parseLiteral(text, position) };
}

function parseLiteral(text: string, position: number): unknown {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return JSON.parse(text) as string;
    } catch {
      // Fall through to the error below.
    }
  }
  throw new TemplateError(
    `cannot read "${text}" at character ${position}: write a path (.field.sub), a "string" or a number`,
  );
}

/** Splits on `|` outside quoted strings. */
function splitPipes(text: string): string[] {
  const stages: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '\\') {
      current += c + (text[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === '|' && !quoted) {
      stages.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  stages.push(current);
  return stages;
}

/** Splits a pipe stage into words, keeping quoted strings (with their quotes) whole. */
function splitWords(text: string, position: number): string[] {
  const words = text.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? [];
  if (words.join('').replace(/\s/g, '').length !== text.replace(/\s/g, '').length) {
    throw new TemplateError(`unbalanced quotes at character ${position}`);
  }
  return words;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** How a value appears in text: strings as they are, missing as empty, the rest as JSON. */
function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
