import type { z } from 'zod';
import type { ConfigIssue, ConfigPath, IssueCode } from './issues.js';
import { type JsonSchemaNode, knownKeysAt } from './json-schema-walk.js';
import { valueAtPath } from './merge.js';

/** Path segments whose values are credentials: their values are never quoted in messages. */
const secretPath =
  /token|secret|password|passwd|credential|api[-_]?key|authorization|integrationkey|private|^headers$|^extra$/i;

/** True when a value at `path` may be a credential and must not be printed. */
export function isSecretPath(path: ConfigPath): boolean {
  return path.some((segment) => typeof segment === 'string' && secretPath.test(segment));
}

/** Describes a value for a message: quoted and shortened strings, the kind for maps and lists. */
export function describeValue(value: unknown, path: ConfigPath): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (isSecretPath(path)) return `a ${typeof value} (value hidden)`;
  if (typeof value === 'string') {
    const short = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(short);
  }
  return `${typeof value} ${String(value)}`;
}

const typeWords: Readonly<Record<string, string>> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(word.toLowerCase(), candidate.toLowerCase());
    if (score <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}

function issue(code: IssueCode, path: ConfigPath, message: string): Omit<ConfigIssue, 'source'> {
  return { severity: 'error', code, path, message };
}

/**
 * Turns one zod issue into config issues whose messages say what was found and what was
 * expected. `raw` is the merged input (to quote the bad value), `schema` the JSON Schema (to
 * list the keys allowed where an unknown one was found).
 */
export function fromZodIssue(
  zodIssue: z.core.$ZodIssue,
  raw: unknown,
  schema: JsonSchemaNode,
): Omit<ConfigIssue, 'source'>[] {
  const path = zodIssue.path as (string | number)[];
  const value = valueAtPath(raw, path);
  const got = describeValue(value, path);
  switch (zodIssue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, raw, path);
      return zodIssue.keys.map((key) => {
        const hint = didYouMean(key, known);
        const expected = hint
          ? `did you mean "${hint}"?`
          : known.length > 0 && known.length <= 15
            ? `expected one of: ${known.join(', ')}`
            : 'it is not a setting here';
        return issue('unknown-key', [...path, key], `unknown key "${key}"; ${expected}`);
      });
    }
    case 'invalid_type':
      if (value === undefined) {
        return [
          issue('missing', path, `missing; expected ${typeWords[zodIssue.expected] ?? zodIssue.expected}`),
        ];
      }
      return [
        issue('type', path, `expected ${typeWords[zodIssue.expected] ?? zodIssue.expected}, got ${got}`),
      ];
    case 'invalid_union': {
      const message = zodIssue.message === 'Invalid input' ? 'value of the wrong type' : zodIssue.message;
      if (value === undefined) return [issue('missing', path, `missing; ${message}`)];
      return [issue('type', path, `${message}, got ${got}`)];
    }
    case 'invalid_value': {
      const options = zodIssue.values.map((v) => JSON.stringify(v)).join(', ');
      const message = zodIssue.message.startsWith('Invalid')
        ? `expected one of ${options}`
        : zodIssue.message;
      return [issue('enum', path, `${message}, got ${got}`)];
    }
    case 'too_small':
    case 'too_big':
      return [issue('range', path, `${zodIssue.message}, got ${got}`)];
    case 'invalid_format':
      return [
        issue(
          'format',
          path,
          `${zodIssue.message.startsWith('Invalid') ? 'wrong format' : zodIssue.message}, got ${got}`,
        ),
      ];
    case 'invalid_key': {
      const key = path.length > 0 ? String(path[path.length - 1]) : '';
      const inner = zodIssue.issues[0]?.message ?? 'not allowed';
      return [issue('format', path, `invalid key "${key}": ${inner}`)];
    }
    case 'custom': {
      const code = ((zodIssue.params as { code?: IssueCode } | undefined)?.code ?? 'invalid') as IssueCode;
      return [issue(code, path, zodIssue.message)];
    }
    default:
      return [issue('invalid', path, `${zodIssue.message}, got ${got}`)];
  }
}
