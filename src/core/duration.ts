import { inspect } from 'node:util';

/** Milliseconds per Go duration unit (`time.ParseDuration` accepts exactly these). */
const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// The micro signs written as escapes: one character above U+00FF in a module's text makes V8
// keep the whole source at two bytes per character (bundled, the agent is one 400 kB module).
const component = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Parses a Go duration string (`time.ParseDuration`: "10s", "1m30s", "1.5h", "250ms", "0")
 * into milliseconds, because Botkube configs write durations that way. Only non-negative
 * values are accepted (no config setting means anything by a negative duration).
 * Returns undefined when `text` is not a valid Go duration; callers turn that into an issue.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim().replace(/^\+/, '');
  if (input === '0') return 0;
  if (input === '') return undefined;
  let total = 0;
  component.lastIndex = 0;
  while (component.lastIndex < input.length) {
    const match = component.exec(input);
    if (!match) return undefined;
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
  }
  return total;
}

/**
 * Formats milliseconds the way Go's `Duration.String` does ("1h2m3s", "1.5s", "250ms", "0s"),
 * so that `parseDuration(formatDuration(ms)) === ms` for whole microseconds and a config
 * printed by `config show` reads like the one the user wrote.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimNumber(ms * 1000)}µs`;
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  let rest = ms;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = trimNumber(rest / 1000);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function trimNumber(value: number): string {
  // Nine significant fractional digits at most (nanoseconds), without float noise.
  return String(Number(value.toFixed(9)));
}

/**
 * A validated duration from the config. `ms` is what code uses; `toString()`/`toJSON()`
 * give back the Go form, so a config printed by `config show` can be loaded again.
 */
export class Duration {
  /** The duration in milliseconds (may be fractional for µs/ns inputs). */
  readonly ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** Parses a Go duration string; throws a TypeError when it is not one. */
  static parse(text: string): Duration {
    const ms = parseDuration(text);
    if (ms === undefined) throw new TypeError(`"${text}" is not a Go duration such as "10s" or "1m30s"`);
    return new Duration(ms);
  }

  equals(other: Duration): boolean {
    return this.ms === other.ms;
  }

  toString(): string {
    return formatDuration(this.ms);
  }

  toJSON(): string {
    return formatDuration(this.ms);
  }

  [inspect.custom](): string {
    return `Duration(${formatDuration(this.ms)})`;
  }
}
