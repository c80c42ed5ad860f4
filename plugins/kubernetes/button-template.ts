/** A parsed `commandTpl`: literal text and `{{ .Field | fn }}` references. */
export type TemplatePart = { text: string } | { field: string; pipes: TemplatePipe[] };

export type TemplatePipe = 'lower' | 'upper' | 'quote';

const pipes: readonly TemplatePipe[] = ['lower', 'upper', 'quote'];

/**
 * Parses the Go-template subset extra buttons use: `{{ .Name }}`, `{{ .Namespace | lower }}`…
 * over the event's fields. Anything else (conditions, functions with arguments) is refused at
 * config load, naming what is supported, rather than rendering a broken command later.
 */
export function parseButtonTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error('a "{{" has no closing "}}"');
    const inner = rest.slice(open + 2, close).replace(/^-?\s*|\s*-?$/gu, '');
    const [ref = '', ...fns] = inner.split('|').map((s) => s.trim());
    if (!/^\.[A-Za-z][A-Za-z0-9]*$/u.test(ref)) {
      throw new Error(
        `"${rest.slice(open, close + 2)}" is not supported; use {{ .Field }} with an optional | lower, | upper or | quote`,
      );
    }
    for (const fn of fns) {
      if (!pipes.includes(fn as TemplatePipe))
        throw new Error(`unknown function "${fn}"; supported are ${pipes.join(', ')}`);
    }
    parts.push({ field: ref.slice(1), pipes: fns as TemplatePipe[] });
    rest = rest.slice(close + 2);
  }
  return parts;
}

/** Renders a parsed template over `data`; a missing field renders as Go's `<no value>`. */
export function renderButtonTemplate(parts: readonly TemplatePart[], data: Record<string, unknown>): string {
  return parts
    .map((part) => {
      if ('text' in part) return part.text;
      const value = data[part.field];
      let text = value === undefined || value === null ? '<no value>' : String(value);
      for (const fn of part.pipes) {
        if (fn === 'lower') text = text.toLowerCase();
        else if (fn === 'upper') text = text.toUpperCase();
        else text = JSON.stringify(text);
      }
      return text;
    })
    .join('');
}
