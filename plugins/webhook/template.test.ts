import { describe, expect, it } from 'vitest';
import { lookupPath, parseTemplate, renderTemplate, TemplateError } from './template.js';

const render = (source: string, data: unknown, root?: unknown) =>
  renderTemplate(parseTemplate(source), data, root);
const push = {
  ref: 'refs/heads/main',
  commits: [
    { id: '0123456789abcdef', message: 'Fix the thing\n\nLong story.' },
    { id: 'fedcba9876543210', message: 'Add tests' },
  ],
  repository: { full_name: 'acme/shop', 'x-dash': 'ok' },
  size: 2,
  forced: false,
};

describe('templates', () => {
  it('fills in paths, array indexes, the whole value and the root', () => {
    expect(render('{{ .repository.full_name }} {{.size}} {{ .forced }} {{ .repository.x-dash }}', push)).toBe(
      'acme/shop 2 false ok',
    );
    expect(render('{{ .commits.1.message }}', push)).toBe('Add tests');
    expect(render('{{ . }}', 'plain')).toBe('plain');
    expect(render('{{ .id }} in {{ $.repository.full_name }}', push.commits[0], push)).toBe(
      '0123456789abcdef in acme/shop',
    );
    expect(render('{{ .repository }}', { repository: { a: 1 } })).toBe('{"a":1}');
  });

  it('renders missing values as nothing, and never reaches prototypes', () => {
    expect(render('[{{ .nope.deeper }}]', push)).toBe('[]');
    expect(render('[{{ .__proto__ }}{{ .constructor.name }}{{ .commits.0.constructor }}]', push)).toBe('[]');
  });

  it('applies functions through pipes', () => {
    expect(render('{{ .ref | trimPrefix "refs/heads/" | upper }}', push)).toBe('MAIN');
    expect(render('{{ .commits.0.id | slice 0 7 }}', push)).toBe('0123456');
    expect(render('{{ .commits.0.message | firstLine | truncate 8 }}', push)).toBe('Fix the…');
    expect(render('{{ .commits | len }} {{ .missing | default "none" }}', push)).toBe('2 none');
    expect(render('{{ .tags | join ", " }}', { tags: ['a', 'b'] })).toBe('a, b');
    expect(render('{{ . | json }}', { a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(render('{{ "{{ literal }}" | lower }}', {})).toBe('{{ literal }}');
  });

  it('reports template mistakes with their position', () => {
    expect(() => parseTemplate('hi {{ .a ')).toThrow(
      new TemplateError('"{{" at character 4 is not closed with "}}"'),
    );
    expect(() => parseTemplate('{{ .a | exec "rm" }}')).toThrow(
      'unknown function "exec" at character 1; use one of:',
    );
    expect(() => parseTemplate('{{ process.exit }}')).toThrow('cannot read "process.exit"');
    expect(() => parseTemplate('{{ }}')).toThrow('empty {{ }} at character 1');
  });

  it('looks up list paths', () => {
    expect(lookupPath('.commits', push)).toBe(push.commits);
    expect(() => lookupPath('"x"', push)).toThrow('is not a path like .commits');
  });
});
