import { describe, expect, it } from 'vitest';
import type { SwitchboardError } from '../errors/switchboard-error.js';
import {
  compileTemplate,
  renderTemplate,
  type TemplateOptions,
  templateFunctionNames,
} from './go-template.js';
import { splitWords } from './tokenize.js';

const event = {
  Event: {
    Kind: 'Pod',
    Name: 'web-1',
    Namespace: 'shop',
    metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web', tier: 'front' } },
    Count: 3,
    Ratio: 0.5,
    Ready: false,
    Messages: ['Back-off', 'OOMKilled'],
    Containers: [
      { name: 'app', restarts: 2 },
      { name: 'sidecar', restarts: 0 },
    ],
    Empty: [],
    Null: null,
    Note: 'a <b> & "c"',
  },
};

const render = (source: string, data: unknown = event, options?: TemplateOptions) =>
  renderTemplate(source, data, options);

function errorOf(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (err) {
    return err as SwitchboardError;
  }
  throw new Error('expected an error');
}

const compileError = (source: string) => errorOf(() => compileTemplate(source, { name: 'act' }));
const renderError = (source: string, data: unknown = event, options?: TemplateOptions) =>
  errorOf(() => render(source, data, { name: 'act', ...options }));

describe('go-template: fields and printing', () => {
  it('renders the Botkube action examples', () => {
    expect(render('kubectl get {{ .Event.Kind | lower }} -n {{ .Event.Namespace }}')).toBe(
      'kubectl get pod -n shop',
    );
    expect(render('kubectl describe pod -n {{ .Event.metadata.namespace }} {{ .Event.metadata.name }}')).toBe(
      'kubectl describe pod -n shop web-1',
    );
  });

  it('prints text without any templating unchanged, including lone braces', () => {
    expect(render('a { b } c }} d')).toBe('a { b } c }} d');
    expect(render('')).toBe('');
  });

  it('renders missing keys, fields of missing values and null as empty', () => {
    expect(
      render('[{{ .Event.Nope }}][{{ .Event.Nope.deeper.still }}][{{ .Event.Null }}][{{ .Event.Null.x }}]'),
    ).toBe('[][][][]');
    expect(render('[{{ .x }}]', undefined)).toBe('[]');
  });

  it('does not HTML-escape', () => {
    expect(render('{{ .Event.Note }}')).toBe('a <b> & "c"');
  });

  it('prints numbers, booleans, arrays and objects', () => {
    expect(
      render('{{ .Event.Count }} {{ .Event.Ratio }} {{ .Event.Ready }} {{ 1e21 }} {{ 100000000 }}'),
    ).toBe('3 0.5 false 1e+21 100000000');
    expect(render('{{ .Event.Messages }} {{ .Event.metadata.labels }}')).toBe(
      '[Back-off OOMKilled] map[app:web tier:front]',
    );
    expect(render('{{ list 1 nil "a" }}')).toBe('[1 <nil> a]');
  });

  it('reads the data through own properties only', () => {
    expect(
      render(
        '[{{ .constructor }}][{{ .__proto__ }}][{{ .Event.toString }}][{{ index . "constructor" }}]',
        {},
      ),
    ).toBe('[][][][]');
  });

  it('gives $ as the root everywhere', () => {
    expect(render('{{ with .Event.metadata }}{{ .name }}@{{ $.Event.Namespace }}{{ end }}')).toBe(
      'web-1@shop',
    );
  });

  it('accepts keys with non-ASCII letters and underscores', () => {
    expect(render('{{ .clé }} {{ ._x1 }}', { clé: 'v', _x1: 'w' })).toBe('v w');
  });
});

describe('go-template: literals', () => {
  it('reads strings with Go escapes, raw strings and numbers', () => {
    expect(render('{{ "a\\tb\\n\\"q\\" \\\\ \\x41\\u00e9\\U0001F600\\101" }}')).toBe('a\tb\n"q" \\ Aé😀A');
    expect(render('{{ `raw \\n {{ x }}` }}')).toBe('raw \\n {{ x }}');
    expect(
      render('{{ -3 }} {{ +2 }} {{ 0x1f }} {{ 0b101 }} {{ 0o17 }} {{ 1_000 }} {{ .5 }} {{ 2.5e-1 }}'),
    ).toBe('-3 2 31 5 15 1000 0.5 0.25');
    expect(render('{{ true }} {{ false }}')).toBe('true false');
  });
});

describe('go-template: trim markers and comments', () => {
  it('trims blanks on the marked side only', () => {
    expect(render('a  \n {{- "b" -}} \n  c')).toBe('abc');
    expect(render('a  {{- "b" }}  c')).toBe('ab  c');
    expect(render('a  {{ "b" -}}  c')).toBe('a  bc');
  });

  it('reads {{-3}} as a number, not a trim marker', () => {
    expect(render('a {{-3}} b')).toBe('a -3 b');
  });

  it('drops comments, with or without trim markers', () => {
    expect(render('a {{/* note */}} b')).toBe('a  b');
    expect(render('a {{- /* multi\nline */ -}} b')).toBe('ab');
  });
});

describe('go-template: pipes and functions', () => {
  it('pipes the value as the last argument', () => {
    expect(render('{{ .Event.Kind | upper }} {{ "  x " | trim }} {{ .Event.Nope | default "none" }}')).toBe(
      'POD x none',
    );
    expect(render('{{ .Event.Name | replace "-" "_" }} {{ .Event.Messages | join "," }}')).toBe(
      'web_1 Back-off,OOMKilled',
    );
    expect(render('{{ .Event.Name | quote }} {{ "it\'s" | squote }}')).toBe("\"web-1\" 'it's'");
  });

  it('chains several pipes', () => {
    expect(render('{{ .Event.Kind | lower | printf "%s/%s" .Event.Namespace | upper }}')).toBe('SHOP/POD');
  });

  it('uses default for every empty value', () => {
    expect(
      render(
        '{{ .Event.Ready | default "x" }} {{ .Event.Empty | default "y" }} {{ "" | default "z" }} {{ default "w" }}',
      ),
    ).toBe('x y z w');
    expect(render('{{ .Event.Count | default 9 }}')).toBe('3');
  });

  it('implements comparison and logic like Go', () => {
    expect(
      render('{{ eq .Event.Kind "Pod" }} {{ eq .Event.Kind "Job" "Pod" }} {{ ne .Event.Count 3 }}'),
    ).toBe('true true false');
    expect(render('{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }}')).toBe('true true true false');
    expect(
      render('{{ and 1 "x" 0 "y" }}|{{ or 0 "" "z" }}|{{ and 1 2 }}|{{ or 0 "" }}|{{ not .Event.Empty }}'),
    ).toBe('0|z|2||true');
    expect(render('{{ eq .Event.Nope nil }} {{ eq .Event.Null .Event.Nope }} {{ eq .Event.Nope "" }}')).toBe(
      'true true false',
    );
  });

  it('short-circuits and / or, so later arguments are not evaluated', () => {
    expect(render('{{ and false (index .Event.Messages 9) }}|{{ or true (index .Event.Messages 9) }}')).toBe(
      'false|true',
    );
  });

  it('implements len, index, print and println', () => {
    expect(
      render('{{ len .Event.Messages }} {{ len .Event.metadata }} {{ len "é" }} {{ len .Event.Nope }}'),
    ).toBe('2 3 2 0');
    expect(
      render(
        '{{ index .Event.Containers 1 "name" }} {{ index .Event.metadata.labels "app" }} {{ index .Event.Nope 3 }}',
      ),
    ).toBe('sidecar web ');
    expect(render('{{ print "a" 1 2 "b" }}|{{ println "a" 1 }}')).toBe('a1 2b|a 1\n');
    expect(render('{{ index .Event.metadata.labels "missing" }}|')).toBe('|');
  });

  it('implements printf verbs %s %v %d %q %t %%', () => {
    expect(render('{{ printf "%s=%v %d%% %q %t" "a" .Event.Messages 42 "x\\"y" true }}')).toBe(
      'a=[Back-off OOMKilled] 42% "x\\"y" true',
    );
  });

  it('implements the string helpers with sprig argument order', () => {
    expect(
      render(
        '{{ .Event.Name | trimPrefix "web-" }} {{ .Event.Name | trimSuffix "-1" }} {{ "x" | trimSuffix "" }}',
      ),
    ).toBe('1 web x');
    expect(
      render(
        '{{ .Event.Name | contains "eb" }} {{ .Event.Name | hasPrefix "web" }} {{ .Event.Name | hasSuffix "x" }}',
      ),
    ).toBe('true true false');
    expect(
      render(
        '{{ "a,b,,c" | splitList "," | join "+" }} {{ "héllo😀" | trunc 2 }} {{ "héllo😀" | trunc -2 }}',
      ),
    ).toBe('a+b++c hé o😀');
    expect(render('{{ .Event.Count | lower }} {{ .Event.Nope | upper }}|')).toBe('3 |');
  });

  it('implements empty, coalesce, list and toJson', () => {
    expect(
      render(
        '{{ empty .Event.Empty }} {{ empty 1 }} {{ coalesce .Event.Nope "" "c" }} {{ coalesce .Event.Nope }}|',
      ),
    ).toBe('true false c |');
    expect(
      render('{{ toJson .Event.metadata.labels }} {{ toJson .Event.Nope }} {{ list 1 "a" | toJson }}'),
    ).toBe('{"app":"web","tier":"front"} null [1,"a"]');
  });

  it('joins lists, skipping nulls, and treats a single value as a list of one', () => {
    expect(
      render('{{ list "a" nil "b" | join "-" }} {{ "x" | join "," }} {{ .Event.Nope | join "," }}|'),
    ).toBe('a-b x |');
  });

  it('quotes like Go %q, escaping control and non-printable characters', () => {
    expect(render('{{ quote "tab\\there" "é" "\\u00a0" "\\x01" "\\U0001F600" "\\u200b" }}')).toBe(
      '"tab\\there" "é" "\\u00a0" "\\x01" "😀" "\\u200b"',
    );
    expect(render('{{ quote nil "a" }}')).toBe('"a"');
  });

  it('shquote keeps hostile data as exactly one word each', () => {
    const data = { Event: { name: "x'; rm -rf / #", empty: '' } };
    const out = render(
      'kubectl logs {{ .Event.name | shquote }} {{ .Event.empty | shquote }} {{ .Event.missing | shquote }}',
      data,
    );
    expect(splitWords(out)).toEqual(['kubectl', 'logs', "x'; rm -rf / #", '', '']);
    expect(render('{{ shquote "a b" "c" }}')).toBe("'a b' c");
  });

  it('calls a function named as an argument with no arguments', () => {
    expect(render('{{ print list }}')).toBe('[]');
  });

  it('lists its functions', () => {
    expect(templateFunctionNames).toEqual(
      expect.arrayContaining(['lower', 'upper', 'default', 'shquote', 'eq', 'and']),
    );
  });
});

describe('go-template: control structures', () => {
  it('branches with if / else if / else', () => {
    const tpl = compileTemplate('{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else }}many{{ end }}');
    expect([1, 2, 3].map((x) => tpl.render({ x }))).toEqual(['one', 'two', 'many']);
    expect(render('{{ if .Event.Empty }}yes{{ end }}|{{ if .Event.Messages }}yes{{ end }}')).toBe('|yes');
  });

  it('sets dot with with, and runs else with the old dot', () => {
    expect(render('{{ with .Event.metadata.labels }}{{ .app }}{{ end }}')).toBe('web');
    expect(render('{{ with .Event.Nope }}x{{ else }}{{ .Event.Kind }}{{ end }}')).toBe('Pod');
    expect(render('{{ with .Event.Nope }}x{{ else with .Event.Name }}{{ . }}{{ end }}')).toBe('web-1');
  });

  it('ranges over arrays and objects, in sorted key order', () => {
    expect(render('{{ range .Event.Messages }}<{{ . }}>{{ end }}')).toBe('<Back-off><OOMKilled>');
    expect(
      render('{{ range $i, $c := .Event.Containers }}{{ $i }}:{{ $c.name }}/{{ .restarts }} {{ end }}'),
    ).toBe('0:app/2 1:sidecar/0 ');
    expect(render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } })).toBe(
      'a=1;b=2;',
    );
    expect(render('{{ range $v := .m }}{{ $v }}{{ end }}', { m: { b: 2, a: 1 } })).toBe('12');
  });

  it('runs range else for empty, missing and null collections', () => {
    for (const data of [{ x: [] }, { x: {} }, {}, { x: null }]) {
      expect(render('{{ range .x }}item{{ else }}none{{ end }}', data)).toBe('none');
    }
  });

  it('supports break and continue, also inside if', () => {
    expect(
      render(
        '{{ range . }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}',
        [0, 1, 2, 3, 4],
      ),
    ).toBe('02');
  });

  it('scopes variables to their block, and assigns with =', () => {
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ $y := "c" }}{{ $y }}{{ end }}{{ $x }}')).toBe(
      'cb',
    );
    expect(render('{{ with $l := .Event.metadata.labels }}{{ $l.tier }}{{ end }}')).toBe('front');
    expect(render('{{ $n := len .Event.Messages }}{{ $n }}')).toBe('2');
    expect(render('{{ range $i, $e := . }}{{ $x := $e }}{{ $x }}{{ end }}', ['a', 'b'])).toBe('ab');
    expect(render('{{ $last := "" }}{{ range . }}{{ $last = . }}{{ end }}{{ $last }}', ['a', 'b'])).toBe('b');
  });

  it('reads fields after parentheses and variables', () => {
    expect(
      render(
        '{{ (index .Event.Containers 0).name }} {{ $c := .Event.Containers }}{{ (index $c 1).restarts }}',
      ),
    ).toBe('app 0');
  });

  it('nests structures', () => {
    const tpl =
      '{{ range .Event.Containers }}{{ if gt .restarts 0 }}{{ .name | upper }} restarted {{ .restarts }}x{{ else }}{{ .name }} ok{{ end }}; {{ end }}';
    expect(render(tpl)).toBe('APP restarted 2x; sidecar ok; ');
  });
});

describe('go-template: compile errors name line:col and the problem', () => {
  const cases: [string, string][] = [
    ['{{ .x | nosuch }}', '1:9: function "nosuch" not defined'],
    ['{{ if .x }}a', '1:13: unexpected end of template: {{if}} is never closed with {{end}}'],
    ['a\n {{ end }}', '2:2: unexpected {{end}}'],
    ['{{ else }}', '1:1: unexpected {{else}}'],
    ['{{ if 1 }}a{{ else }}b{{ else }}c{{ end }}', '1:23: expected {{end}}, found a second {{else}}'],
    ['{{ range . }}{{ else }}b', '1:25: unexpected end of template: {{range}} is never closed with {{end}}'],
    ['{{ if 1 }}{{ else with 2 }}{{ end }}', '1:11: {{else with}} can only follow {{with}}'],
    ['{{ .x', '1:1: unclosed action: no matching }}'],
    ['{{ "abc }}', '1:4: unterminated quoted string'],
    ['{{ `abc }}', '1:4: unterminated raw quoted string'],
    ['{{ "\\q" }}', '1:5: unknown escape sequence \\q'],
    ['{{ "\\xZZ" }}', '1:5: unknown escape sequence \\xZZ'],
    ['{{ "\\uD800" }}', '1:5: unknown escape sequence \\uD800'],
    ['{{ "\\777" }}', '1:5: unknown escape sequence \\777'],
    ['{{ "\\U00110000" }}', '1:5: unknown escape sequence \\U00110000'],
    ['{{ end x }}', '1:8: expected }}, found "x"'],
    ['{{ if 1 }}{{ else x }}{{ end }}', '1:19: expected }}, found "x"'],
    ['{{ range . }}{{ break 1 }}{{ end }}', '1:23: expected }}, found "1"'],
    ['{{ block "x" . }}{{ end }}', '1:4: {{block}} is not supported: one template, no sub-templates'],
    ["{{ 'a' }}", '1:4: character constants are not supported; use a "string"'],
    ['{{ 12abc }}', '1:4: bad number syntax: "12a"'],
    ['{{ 1.2.3 }}', '1:4: bad number syntax: "1.2."'],
    ['{{ # }}', '1:4: unexpected "#" in action'],
    ['{{ $x : 1 }}', '1:7: expected :='],
    ['{{ }}', '1:4: missing value for command'],
    ['{{ if }}{{ end }}', '1:7: missing value for if'],
    ['{{ .x | }}', '1:9: missing value for command'],
    ['{{ $x }}', '1:4: undefined variable $x'],
    ['{{ $x = 1 }}', '1:4: undefined variable $x'],
    ['{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}', '1:39: undefined variable $y'],
    ['{{ break }}', '1:1: {{break}} outside {{range}}'],
    ['{{ range . }}{{ else }}{{ continue }}{{ end }}', '1:24: {{continue}} outside {{range}}'],
    ['{{ define "x" }}{{ end }}', '1:4: {{define}} is not supported: one template, no sub-templates'],
    ['{{ template "x" }}', '1:4: {{template}} is not supported: one template, no sub-templates'],
    ['{{ .x "a" }}', "1:4: can't give argument to non-function .x"],
    ['{{ "a" | .x }}', "1:10: can't give argument to non-function .x"],
    ['{{ .Event.Name.Method 1 }}', "1:4: can't give argument to non-function .Event.Name.Method"],
    ['{{ nil }}', '1:4: nil is not a command'],
    ['{{ lower }}', '1:4: wrong number of arguments for lower: want 1, got 0'],
    ['{{ "a" | replace "x" }}', '1:10: wrong number of arguments for replace: want 3, got 2'],
    ['{{ eq 1 }}', '1:4: wrong number of arguments for eq: want at least 2, got 1'],
    ['{{ default 1 2 3 }}', '1:4: wrong number of arguments for default: want 1 to 2, got 3'],
    ['{{ print upper }}', '1:10: wrong number of arguments for upper: want 1, got 0'],
    ['{{ if 1 | end }}', '1:11: unexpected keyword "end" in command'],
    ['{{ (1 }}', '1:7: unexpected }}'],
    ['{{ 1) }}', '1:5: unexpected ")"'],
    ['{{ ($x := 1) }}', '1:5: variables cannot be declared inside ( )'],
    ['{{ $a, $b := . }}', '1:4: too many declarations in command'],
    ['{{ .x. }}', '1:6: unexpected . after term'],
    ['{{ "a".x }}', '1:7: unexpected .x after term'],
    ['{{ with $a, $b := . }}{{ end }}', '1:9: too many declarations in {{with}}'],
    ['{{ $.x. }}', '1:7: unexpected . after term'],
    ['{{ ) }}', '1:4: unexpected ")"'],
    ['{{ | }}', '1:4: missing value for command'],
    ['{{/* x */ }}', '1:10: comment ends before closing delimiter'],
    ['{{/* x }}', '1:1: unclosed comment'],
  ];

  for (const [source, expected] of cases) {
    it(`${JSON.stringify(source)} → ${expected}`, () => {
      const err = compileError(source);
      expect(err.code).toBe('SB_ERR_TEMPLATE');
      expect(err.message).toBe(`template "act": ${expected}`);
      expect(err.details).toMatchObject({ template: 'act', phase: 'compile' });
    });
  }

  it('rejects nesting deeper than 100 levels', () => {
    const err = compileError(`${'{{ if 1 }}'.repeat(101)}${'{{ end }}'.repeat(101)}`);
    expect(err.message).toContain('nested deeper than 100 levels');
    expect(compileError(`{{ ${'('.repeat(101)}1${')'.repeat(101)} }}`).message).toContain(
      'nested deeper than 100 levels',
    );
  });

  it('names the template "template" by default and keeps the cause', () => {
    const err = errorOf(() => compileTemplate('{{ x }}'));
    expect(err.message).toBe('template "template": 1:4: function "x" not defined');
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('go-template: render errors', () => {
  it('fails reading a field of a scalar or array', () => {
    const err = renderError('{{ .Event.Name.first }}');
    expect(err.code).toBe('SB_ERR_TEMPLATE');
    expect(err.message).toBe('template "act": 1:4: can\'t evaluate field first in type string');
    expect(err.details).toMatchObject({ phase: 'render', line: 1, column: 4 });
    expect(renderError('{{ .Event.Messages.x }}').message).toContain('in type array');
  });

  it('fails on missing keys when missingKey is error', () => {
    expect(renderError('{{ .Event.Nope }}', event, { missingKey: 'error' }).message).toBe(
      'template "act": 1:4: map has no entry for key "Nope"',
    );
    expect(renderError('{{ .Event.Null.x }}', event, { missingKey: 'error' }).message).toContain(
      'nil value evaluating field x',
    );
    expect(render('{{ .Event.Name }}', event, { missingKey: 'error' })).toBe('web-1');
  });

  it('fails comparing different kinds or non-comparable values, like Go', () => {
    expect(renderError('{{ eq .Event.Count "3" }}').message).toBe(
      'template "act": 1:4: error calling eq: incompatible types for comparison: number and string',
    );
    expect(renderError('{{ eq .Event.Messages 1 }}').message).toContain('non-comparable type array');
    expect(renderError('{{ lt 1 "a" }}').message).toContain('invalid types for ordering: number and string');
    expect(renderError('{{ gt .Event.Nope 1 }}').message).toContain(
      'invalid types for ordering: missing and number',
    );
  });

  it('fails indexing out of range or with the wrong key type', () => {
    expect(renderError('{{ index .Event.Messages 5 }}').message).toContain('index out of range: 5');
    expect(renderError('{{ index .Event.Messages "a" }}').message).toContain(
      'cannot index an array with string a',
    );
    expect(renderError('{{ index .Event.metadata 1 }}').message).toContain(
      'cannot index an object with number 1',
    );
    expect(renderError('{{ index .Event.Name 0 }}').message).toContain('cannot index a value of type string');
  });

  it('fails len of a number or boolean', () => {
    expect(renderError('{{ len .Event.Count }}').message).toContain('len of number');
  });

  it('fails printf misuse', () => {
    expect(renderError('{{ printf "%s %s" "a" }}').message).toContain('printf: missing argument for %s');
    expect(renderError('{{ printf "%s" "a" "b" }}').message).toContain('printf: 1 argument(s) not used');
    expect(renderError('{{ printf "%5s" "a" }}').message).toContain('printf: unsupported verb %5');
    expect(renderError('{{ printf "%d" 1.5 }}').message).toContain('printf: %d needs an integer, got 1.5');
    expect(renderError('{{ printf "%t" 1 }}').message).toContain('printf: %t needs a boolean, got number');
    expect(renderError('{{ printf 1 }}').message).toContain('printf: the format must be a string');
  });

  it('fails trunc with a non-integer length', () => {
    expect(renderError('{{ trunc "a" "b" }}').message).toContain('trunc needs an integer length, got string');
  });

  it('fails ranging over a scalar', () => {
    expect(renderError('{{ range .Event.Name }}{{ end }}').message).toBe(
      'template "act": 1:1: range can\'t iterate over string "web-1"',
    );
  });

  it('wraps unexpected failures inside functions', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(renderError('{{ toJson . }}', cyclic).message).toMatch(
      /^template "act": 1:4: error calling toJson: toJson: /,
    );
  });

  it('treats values that are not JSON as opaque: printed empty (bigint as digits), no fields', () => {
    const data = { f: () => 'called', n: 10n };
    expect(render('[{{ .f }}][{{ .n }}][{{ if .f }}truthy{{ end }}]', data)).toBe('[][10][truthy]');
    expect(renderError('{{ .f.name }}', data).message).toContain("can't evaluate field name in type other");
  });

  it('prints deeply nested data without overflowing', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(render('{{ . }}', deep)).toContain('…');
  });
});

describe('go-template: limits', () => {
  it('bounds the output', () => {
    const tpl = compileTemplate('{{ range . }}{{ . }}{{ end }}', {
      name: 'act',
      limits: { maxOutputChars: 5 },
    });
    expect(tpl.render(['ab', 'cd'])).toBe('abcd');
    const err = errorOf(() => tpl.render(['ab', 'cd', 'ef']));
    expect(err.code).toBe('SB_ERR_TEMPLATE');
    expect(err.message).toBe('template "act": 1:14: output exceeds the limit of 5 characters');
  });

  it('bounds function results, so repeated replace cannot blow up memory', () => {
    const source = `{{ "aa" ${'| replace "a" "aaaaaaaaaa" '.repeat(8)}}}`;
    const err = errorOf(() => render(source, {}, { limits: { maxOutputChars: 1000 } }));
    expect(err.message).toContain('the result of replace exceeds the output limit of 1000 characters');
  });

  it('bounds range iterations over all loops of one render', () => {
    const tpl = compileTemplate('{{ range . }}{{ range . }}.{{ end }}{{ end }}', {
      limits: { maxRangeIterations: 10 },
    });
    expect(
      tpl.render([
        [1, 2],
        [3, 4],
      ]),
    ).toBe('....');
    expect(
      errorOf(() =>
        tpl.render([
          [1, 2, 3],
          [4, 5, 6],
          [7, 8],
        ]),
      ).message,
    ).toContain('range iterations exceed the limit of 10');
    // The count starts again for each render.
    expect(
      tpl.render([
        [1, 2],
        [3, 4],
      ]),
    ).toBe('....');
  });
});

describe('go-template: compile once, render many', () => {
  it('renders the same compiled template with different data', () => {
    const tpl = compileTemplate('kubectl logs {{ .Event.Name }}', { name: 'logs' });
    expect(tpl.name).toBe('logs');
    expect(tpl.source).toBe('kubectl logs {{ .Event.Name }}');
    expect(tpl.render({ Event: { Name: 'a' } })).toBe('kubectl logs a');
    expect(tpl.render({ Event: { Name: 'b' } })).toBe('kubectl logs b');
  });

  it('does not leak variables between renders', () => {
    const tpl = compileTemplate('{{ $x := .v }}{{ $x }}');
    expect(tpl.render({ v: 1 })).toBe('1');
    expect(tpl.render({})).toBe('');
  });
});
