/** A label matcher as the Alertmanager API v2 takes it. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false for `!=` and `!~`. */
  isEqual: boolean;
}

/** Operator → [isRegex, isEqual]. */
const operators = {
  '=~': [true, true],
  '!~': [true, false],
  '!=': [false, false],
  '=': [false, true],
} as const;

/**
 * Reads one matcher word as amtool writes it, after the quotes were removed by word
 * splitting: `alertname=DiskFull`, `severity=~crit.*`, `env!=dev`, `job!~test.*`. Returns
 * undefined when the word is not a matcher.
 */
export function parseMatcher(word: string): Matcher | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(.*)$/s.exec(word);
  if (!match) return undefined;
  const [, name = '', op = '=', value = ''] = match;
  const [isRegex, isEqual] = operators[op as keyof typeof operators];
  return { name, value, isRegex, isEqual };
}

/** Writes a matcher the way Alertmanager's `filter` parameter and amtool read it: `name="value"`. */
export function formatMatcher(matcher: Matcher): string {
  const op = matcher.isRegex ? (matcher.isEqual ? '=~' : '!~') : matcher.isEqual ? '=' : '!=';
  return `${matcher.name}${op}${quoteValue(matcher.value)}`;
}

/** Quotes a value for a matcher or a command line: `"…"` with `\` and `"` escaped. */
export function quoteValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
