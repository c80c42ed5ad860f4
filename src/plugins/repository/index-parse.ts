import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { type IndexEntry, type RepositoryIndex, repositoryIndex } from './index-format.js';
import { normalizeVersion } from './resolve-entry.js';

/**
 * Parses and validates an index document. Every problem is reported at once in
 * one SB_ERR_REPO_INDEX_INVALID error whose lines name the entry (number and
 * name) and the field, e.g. `entries[2] (echo): urls[0].platform.os: …`.
 * Duplicate (type, name, version) entries are refused, comparing versions with
 * and without a leading `v` as equal.
 */
export function parseIndex(text: string, origin: string): RepositoryIndex {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_REPO_INDEX_INVALID',
      `index ${origin} is not valid YAML: ${(err as Error).message}`,
      { cause: err, details: { origin } },
    );
  }
  if (raw === null || raw === undefined) raw = { entries: [] };
  // Parsed once per load: no eval-compiled fast path, whose generated code would stay in the heap.
  const result = repositoryIndex.safeParse(raw, { jitless: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(raw, issue.path, issue.message));
    throw invalid(origin, problems);
  }
  const problems = duplicateProblems(result.data.entries);
  if (problems.length > 0) throw invalid(origin, problems);
  return result.data;
}

/** Serialises an index the way `plugin index` writes it (stable key order, no line folding). */
export function stringifyIndex(index: RepositoryIndex): string {
  return stringifyYaml(index, { lineWidth: 0, aliasDuplicateObjects: false });
}

function invalid(origin: string, problems: string[]): SwitchboardError {
  return new SwitchboardError(
    'SB_ERR_REPO_INDEX_INVALID',
    `index ${origin} is invalid:\n  ${problems.join('\n  ')}`,
    { details: { origin, problems } },
  );
}

function describeIssue(raw: unknown, path: PropertyKey[], message: string): string {
  if (path[0] === 'entries' && typeof path[1] === 'number') {
    const item = (raw as { entries?: unknown[] }).entries?.[path[1]] as { name?: unknown } | undefined;
    const name = typeof item?.name === 'string' && item.name !== '' ? ` (${item.name})` : '';
    const field = formatPath(path.slice(2));
    return `entries[${path[1]}]${name}: ${field === '' ? '' : `${field}: `}${message}`;
  }
  const field = formatPath(path);
  return `${field === '' ? 'document' : field}: ${message}`;
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function duplicateProblems(entries: IndexEntry[]): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  entries.forEach((e, i) => {
    const key = `${e.type}/${e.name}@${normalizeVersion(e.version)}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else
      problems.push(
        `entries[${i}] (${e.name}): duplicates entries[${first}]: ${e.type} ${e.name} ${e.version} is listed twice`,
      );
    const platforms = new Set<string>();
    e.urls.forEach((u, j) => {
      const p = `${u.platform.os}/${u.platform.architecture}`;
      if (platforms.has(p))
        problems.push(`entries[${i}] (${e.name}): urls[${j}].platform: ${p} is listed twice`);
      platforms.add(p);
    });
  });
  return problems;
}
