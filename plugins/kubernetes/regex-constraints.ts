import type { RegexConstraints } from './config.js';

/**
 * Botkube's `RegexConstraints.IsAllowed`: blank entries are skipped; an exact match or an
 * unanchored regex match of any exclude rejects; then an include must match, else reject. A
 * constraint with no entries at all allows everything. Patterns were checked at config load.
 */
export function isAllowed(constraints: RegexConstraints | undefined, value: string): boolean {
  const include = (constraints?.include ?? []).filter((p) => p.trim() !== '');
  const exclude = (constraints?.exclude ?? []).filter((p) => p.trim() !== '');
  if (include.length === 0 && exclude.length === 0) return true;
  if (exclude.some((p) => matches(p, value))) return false;
  return include.some((p) => matches(p, value));
}

/** Whether any of `values` is allowed; no values counts as one empty string (Botkube's message rule). */
export function anyAllowed(constraints: RegexConstraints | undefined, values: readonly string[]): boolean {
  return (values.length === 0 ? [''] : values).some((v) => isAllowed(constraints, v));
}

/** Whether a constraint has any non-blank entry, i.e. whether it is applied at all. */
export function hasEntries(constraints: RegexConstraints | undefined): boolean {
  return [...(constraints?.include ?? []), ...(constraints?.exclude ?? [])].some((p) => p.trim() !== '');
}

const compiled = new Map<string, RegExp>();

function matches(pattern: string, value: string): boolean {
  if (pattern === value) return true;
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Whether `actual` carries every key=value pair of `wanted` (exact match, as Botkube). */
export function hasAllPairs(
  wanted: Record<string, string> | undefined,
  actual: Record<string, string> | undefined,
): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => actual?.[k] === v);
}
