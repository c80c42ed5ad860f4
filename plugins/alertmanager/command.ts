import { parseDuration } from './duration.js';
import { type Matcher, parseMatcher } from './matchers.js';
import { splitWords } from './split-words.js';

/** A parsed `alertmanager …` command. */
export type AlertmanagerCommand =
  | { verb: 'help' }
  | { verb: 'alerts'; filter: Matcher[] }
  | { verb: 'silences'; filter: Matcher[]; all: boolean }
  | { verb: 'silence'; matchers: Matcher[]; duration: string; comment?: string }
  | { verb: 'expire'; id: string }
  | { verb: 'invalid'; reason: string };

/**
 * Reads a command line (starting with the plugin's word) the way amtool reads its arguments:
 * matchers like `alertname="DiskFull"` or `severity=~"crit.*"`, and flags `--for 2h`,
 * `--comment "…"` (or `--for=2h`), `--all`. Never throws: mistakes become `invalid`, with a
 * reason that says what to type instead.
 */
export function parseCommand(line: string, defaultDuration: string): AlertmanagerCommand {
  let words: string[];
  try {
    words = splitWords(line).slice(1);
  } catch (err) {
    return { verb: 'invalid', reason: `${(err as Error).message}.` };
  }
  const [verb = 'help', ...rest] = words;
  const parsed = readArguments(rest);
  if ('reason' in parsed) return { verb: 'invalid', reason: parsed.reason };
  const { matchers, flags, others } = parsed;
  const unexpected = (allowed: string[]) => {
    const flag = Object.keys(flags).find((f) => !allowed.includes(f));
    if (flag) return `\`--${flag}\` does not go with \`${verb}\`.`;
    if (others.length > 0) return `\`${others[0]}\` is not a matcher; write e.g. alertname="DiskFull".`;
    return undefined;
  };
  switch (verb) {
    case 'help':
      return { verb: 'help' };
    case 'alerts': {
      const problem = unexpected([]);
      return problem ? { verb: 'invalid', reason: problem } : { verb: 'alerts', filter: matchers };
    }
    case 'silences': {
      const problem = unexpected(['all']);
      return problem
        ? { verb: 'invalid', reason: problem }
        : { verb: 'silences', filter: matchers, all: 'all' in flags };
    }
    case 'silence': {
      const problem = unexpected(['for', 'comment']);
      if (problem) return { verb: 'invalid', reason: problem };
      if (matchers.length === 0) {
        return {
          verb: 'invalid',
          reason: 'Name what to silence with at least one matcher, e.g. alertname="DiskFull".',
        };
      }
      const duration = flags.for ?? defaultDuration;
      try {
        if (parseDuration(duration) <= 0)
          return { verb: 'invalid', reason: '`--for` must be longer than 0s.' };
      } catch (err) {
        return { verb: 'invalid', reason: `--for: ${(err as Error).message}.` };
      }
      return { verb: 'silence', matchers, duration, ...(flags.comment ? { comment: flags.comment } : {}) };
    }
    case 'expire': {
      const [id] = others;
      if (id === undefined || others.length > 1 || matchers.length > 0 || Object.keys(flags).length > 0) {
        return {
          verb: 'invalid',
          reason: 'Give the silence ID: alertmanager expire <id> (`alertmanager silences` lists them).',
        };
      }
      return { verb: 'expire', id };
    }
    default:
      return {
        verb: 'invalid',
        reason: `\`${verb}\` is not a command; use alerts, silences, silence or expire.`,
      };
  }
}

const flagsWithValues = new Set(['for', 'comment']);

function readArguments(
  words: string[],
): { matchers: Matcher[]; flags: Record<string, string>; others: string[] } | { reason: string } {
  const matchers: Matcher[] = [];
  const flags: Record<string, string> = {};
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word.startsWith('--')) {
      const [name = '', inline] = word.slice(2).split(/=(.*)/s, 2);
      if (flagsWithValues.has(name)) {
        const value = inline ?? words[i + 1];
        if (value === undefined) return { reason: `\`--${name}\` needs a value.` };
        if (inline === undefined) i += 1;
        flags[name] = value;
      } else if (name === 'all' && inline === undefined) {
        flags.all = 'true';
      } else {
        return { reason: `\`${word}\` is not a flag here; flags are --for, --comment and --all.` };
      }
      continue;
    }
    const matcher = parseMatcher(word);
    if (matcher) matchers.push(matcher);
    else others.push(word);
  }
  return { matchers, flags, others };
}
