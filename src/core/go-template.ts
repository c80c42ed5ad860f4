/**
 * A safe engine for the Go template subset that Botkube action commands use, e.g.
 * `kubectl describe pod {{ .Event.metadata.name }} -n {{ .Event.metadata.namespace | default "default" }}`.
 * Compile once, render many times; data is plain JSON (what `JSON.parse` returns).
 *
 * **Supported syntax**
 * - Text, and actions `{{ … }}` with the trim markers `{{- ` and ` -}}`; comments `{{/* … *\/}}`.
 * - Fields `.A.B` on the current value (`.`), variables `$x.A` (`$` is the data), `(pipeline).A`.
 * - Literals: `"strings"` with Go escapes, `` `raw strings` ``, numbers (`12`, `-1.5`, `0x1f`,
 *   `1e3`), `true`, `false`, `nil`.
 * - Pipelines `a | f x`: the value is passed as the last argument of `f`.
 * - `{{ if p }}…{{ else if q }}…{{ else }}…{{ end }}`, `{{ with p }}…{{ else with q }}…{{ end }}`
 *   (dot becomes the value), `{{ range p }}…{{ else }}…{{ end }}` over arrays and objects (objects
 *   in sorted key order, like Go maps), `{{ break }}`, `{{ continue }}`.
 * - Variables: `{{ $x := p }}`, `{{ $x = p }}`, `{{ range $i, $v := p }}`, `{{ with $x := p }}`;
 *   a variable lives until the `{{ end }}` of the block that declared it.
 * - Functions: Go's `and or not eq ne lt le gt ge len index print printf println`; from
 *   slim-sprig `lower upper trim trimPrefix trimSuffix contains hasPrefix hasSuffix replace join
 *   splitList trunc default empty coalesce list quote squote toJson`; and `shquote`, which quotes
 *   for the command tokenizer so event data cannot add or split words — use it for any value that
 *   could hold blanks or quotes: `kubectl logs {{ .Event.name | shquote }}`.
 *
 * **Not supported** (compile error): `define`, `template`, `block`, method calls (data is never
 * called), character constants, any other function (`call`, `html`, `js`…), printf flags and
 * widths. There is no HTML escaping: a command is not HTML (Botkube used html/template, which
 * escapes `<` `&` `'` in values — an accident, not a feature).
 *
 * **Missing values.** A missing key, and any field of a missing or null value, is empty: it
 * prints as `""`, is false in `if`, and `default` replaces it. This is what Botkube's html/template
 * printed (text/template would print `<no value>`). With `missingKey: 'error'` rendering fails
 * instead, which suits checking a template against a sample event. A field of a string, number,
 * boolean or array is always an error: the template is wrong, not the data.
 *
 * **Differences from Go, all on the lenient side**: string functions accept any value and print
 * it (`lower` of a number is its text); `len` of a missing value is 0 and counts UTF-8 bytes of a
 * string like Go; `index` of a missing value is missing; numbers print as JavaScript writes them
 * (`100000000`, where Go's float64 would print `1e+08`); `eq` of a missing and a null value is true.
 *
 * **Bounds.** Output (and any single function result) is at most `maxOutputChars` characters,
 * `range` runs at most `maxRangeIterations` iterations in total per render, and blocks and
 * parentheses nest at most 100 deep; exceeding one fails with SB_ERR_TEMPLATE.
 */
import { SwitchboardError } from '../errors/switchboard-error.js';
import { type ExecOptions, execute, TemplateRenderError } from './go-template-exec.js';
import { templateFuncs } from './go-template-funcs.js';
import { TemplateSyntaxError } from './go-template-lex.js';
import { type Arity, type Node, parse } from './go-template-parse.js';
import { positionAt } from './text-position.js';

/** Bounds on one render. */
export interface TemplateLimits {
  /** Longest output, and longest result of any function, in UTF-16 code units. Default 65536. */
  maxOutputChars?: number;
  /** Most `range` iterations in one render, over all loops together. Default 10000. */
  maxRangeIterations?: number;
}

/** Options for {@link compileTemplate}. */
export interface TemplateOptions {
  /** Shown in errors, e.g. the action's name. Default `template`. */
  name?: string;
  /** What a missing key gives: `empty` (default, see the module comment) or `error`. */
  missingKey?: 'empty' | 'error';
  limits?: TemplateLimits;
}

/** A compiled template: immutable, safe to render concurrently with different data. */
export interface CompiledTemplate {
  readonly name: string;
  readonly source: string;
  /**
   * Renders with `data` as `.` and `$`. Pure: same data, same output.
   * @throws SwitchboardError `SB_ERR_TEMPLATE` when a function fails (e.g. `eq` of a string and a
   *   number), a field of a non-object is read, or a limit is exceeded; the message starts with
   *   `template "<name>": <line>:<col>:`.
   */
  render(data: unknown): string;
}

/** Names of the functions a template may call. */
export const templateFunctionNames: readonly string[] = [...templateFuncs.keys()];

const arity: Arity = new Map([...templateFuncs].map(([name, fn]) => [name, { min: fn.min, max: fn.max }]));
const maxDepth = 100;

/**
 * Compiles `source` (see the module comment for the language).
 * @throws SwitchboardError `SB_ERR_TEMPLATE` naming the template, `line:col` and the problem, e.g.
 *   `template "describe": 1:15: function "foo" not defined`. `details` has
 *   `{ template, line, column, phase: 'compile' }`.
 */
export function compileTemplate(source: string, options: TemplateOptions = {}): CompiledTemplate {
  const name = options.name ?? 'template';
  let nodes: Node[];
  try {
    nodes = parse(source, arity, maxDepth);
  } catch (err) {
    if (err instanceof TemplateSyntaxError)
      throw templateError(name, source, err.pos, err.message, 'compile', err);
    throw err;
  }
  const exec: ExecOptions = {
    maxOutputChars: options.limits?.maxOutputChars ?? 65_536,
    maxRangeIterations: options.limits?.maxRangeIterations ?? 10_000,
    missingKey: options.missingKey ?? 'empty',
  };
  return {
    name,
    source,
    render(data: unknown): string {
      try {
        return execute(nodes, data, exec);
      } catch (err) {
        if (err instanceof TemplateRenderError)
          throw templateError(name, source, err.pos, err.message, 'render', err);
        throw err;
      }
    },
  };
}

/** Compiles and renders in one step; prefer {@link compileTemplate} when rendering more than once. */
export function renderTemplate(source: string, data: unknown, options: TemplateOptions = {}): string {
  return compileTemplate(source, options).render(data);
}

function templateError(
  name: string,
  source: string,
  pos: number,
  problem: string,
  phase: 'compile' | 'render',
  cause: Error,
): SwitchboardError {
  const { line, column } = positionAt(source, pos);
  return new SwitchboardError('SB_ERR_TEMPLATE', `template "${name}": ${line}:${column}: ${problem}`, {
    cause,
    details: { template: name, line, column, phase },
  });
}
