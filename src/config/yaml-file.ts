import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import { ConfigFileTooLarge, readConfigBytes } from './config-file-read.js';
import type { ConfigIssue, ConfigPath } from './issues.js';

/** One parsed config file: its plain value plus what is needed to point at a line in it. */
export interface ConfigFile {
  /** The path as the caller gave it (that is what messages show). */
  path: string;
  /** The top-level map (empty for an empty file). Integers too big for a JS number are strings. */
  value: Record<string, unknown>;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /**
   * Each map's pairs by key text, built the first time {@link findInFile} looks into the map:
   * locating thousands of issues in a map of thousands of keys must not scan it each time.
   */
  keyIndex: WeakMap<YAMLMap, MapKeys>;
}

/** One map's pairs: by exact key text, by lower-cased key text (first wins), and its `<<` merge keys. */
interface MapKeys {
  exact: Map<string, Pair>;
  lower: Map<string, Pair>;
  merges: Pair[];
}

/** A place in a file, 1-based. */
export interface FilePosition {
  line: number;
  column: number;
}

/**
 * Most alias expansions one file may make (the `yaml` library's `maxAliasCount`: each use of an
 * alias, weighted by the aliases inside what it points to). Helm charts use a handful; a
 * "billion laughs" document needs millions.
 */
export const maxAliasExpansions = 10_000;

/**
 * Reads and parses one YAML config file. Problems (unreadable file, YAML syntax error with
 * its line and column, duplicate keys, aliases that expand too much, a file with no settings,
 * a top level that is not a map) come back as issues, never thrown, so the loader can report
 * every file's problems at once.
 */
export async function readConfigFile(path: string): Promise<{ file?: ConfigFile; issues: ConfigIssue[] }> {
  let text: string;
  try {
    text = (await readConfigBytes(path)).toString('utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : err instanceof ConfigFileTooLarge
          ? `${err.message} (read stopped there); split it into several -c files or fix the path`
          : (err as Error).message;
    return { issues: [fileIssue(path, `cannot read the config file: ${reason}`)] };
  }
  return parseConfigText(path, text);
}

/** Parses YAML text as a config file (see {@link readConfigFile}). */
export function parseConfigText(path: string, text: string): { file?: ConfigFile; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  // merge: Helm values use YAML merge keys; intAsBigInt: Discord IDs exceed 2^53 and must stay exact.
  // uniqueKeys off: the library compares each key with every earlier key of its map, which took
  // 79 s on a 5 MB config; duplicateKeyIssues does the same check with one set per map.
  const document = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    merge: true,
    intAsBigInt: true,
    prettyErrors: true,
    uniqueKeys: false,
  });
  if (document.errors.length === 0) {
    const duplicates = duplicateKeyIssues(path, document, lineCounter);
    if (duplicates.length > 0) return { issues: duplicates };
  }
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((error) => {
        const position = error.linePos?.[0];
        // The library appends "at line L, column C:" and a code frame; the location goes in `source`.
        const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
        return {
          severity: 'error' as const,
          code: 'yaml' as const,
          path: [],
          message: `invalid YAML: ${reason}`,
          source: { kind: 'file' as const, file: path, line: position?.line, column: position?.col },
        };
      }),
    };
  }
  let js: unknown;
  try {
    js = document.toJS({ maxAliasCount: maxAliasExpansions });
  } catch (err) {
    // The library throws a bare ReferenceError when the alias limit is hit.
    if (!(err instanceof ReferenceError)) throw err;
    return {
      issues: [
        {
          severity: 'error',
          code: 'yaml',
          path: [],
          message: `invalid YAML: its aliases expand too much (more than ${maxAliasExpansions.toLocaleString('en-US')} alias expansions, as in a "billion laughs" document); write the values out or use fewer nested aliases`,
          source: { kind: 'file', file: path },
        },
      ],
    };
  }
  const value = normalizeNumbers(js);
  if (value === null || value === undefined) {
    // A truncated file (an editor saving in place, `> config.yaml`) must not read as "no
    // settings": applied as a reload it would stop every platform and plugin.
    return {
      issues: [
        fileIssue(
          path,
          'the config file is empty (or holds only comments); an empty config is refused so that a half-written file never replaces the running config',
        ),
      ],
    };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    return { issues: [fileIssue(path, `the top level must be a map of settings, got ${kind}`)] };
  }
  return {
    file: { path, value: value as Record<string, unknown>, document, lineCounter, keyIndex: new WeakMap() },
    issues: [],
  };
}

/**
 * Keys written twice in one map, each at the second occurrence. Linear: one set of scalar key
 * values per map (keys that are maps or lists are not compared, as in the library's own check).
 */
function duplicateKeyIssues(
  path: string,
  document: Document.Parsed,
  lineCounter: LineCounter,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (!seen.has(pair.key.value)) {
          seen.add(pair.key.value);
          continue;
        }
        const position = pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
        issues.push({
          severity: 'error',
          code: 'yaml',
          path: [],
          message: `invalid YAML: Map keys must be unique ("${String(pair.key.source ?? pair.key.value)}" is written twice)`,
          source: { kind: 'file', file: path, line: position?.line, column: position?.col },
        });
      }
    },
  });
  return issues;
}

function fileIssue(path: string, message: string): ConfigIssue {
  return { severity: 'error', code: 'file', path: [], message, source: { kind: 'file', file: path } };
}

/** BigInts from `intAsBigInt` become numbers when exact, else decimal strings (IDs, never arithmetic). */
function normalizeNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(normalizeNumbers);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: normalizeNumbers(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * Finds where `path` is written in the file. `exact` is false when only a prefix exists (the
 * position is then that of the deepest key found, which is where a missing key belongs);
 * `keyPosition` is the key's own place, `position` the value's (or the key's, for an empty value).
 * Aliases and merge keys are followed to where the value is actually written.
 */
export function findInFile(
  file: ConfigFile,
  path: ConfigPath,
): { exact: boolean; position?: FilePosition; keyPosition?: FilePosition } | undefined {
  const at = (
    node: { range?: [number, number, number] | null } | null | undefined,
  ): FilePosition | undefined => {
    if (!node?.range) return undefined;
    const { line, col } = file.lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };
  let node: unknown = file.document.contents;
  let deepest: FilePosition | undefined;
  let keyPosition: FilePosition | undefined;
  for (const segment of path) {
    node = resolve(file.document, node);
    if (isMap(node)) {
      const pair = findPair(file, node, String(segment));
      if (!pair) return deepest ? { exact: false, position: deepest } : undefined;
      keyPosition = at(pair.key as Node) ?? deepest;
      deepest = keyPosition;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return deepest ? { exact: false, position: deepest } : undefined;
      deepest = at(item as Node) ?? deepest;
      keyPosition = deepest;
      node = item;
    } else {
      return deepest ? { exact: false, position: deepest } : undefined;
    }
  }
  const valueNode = resolve(file.document, node) as Node | null;
  const position = at(valueNode) ?? keyPosition ?? at(file.document.contents as Node | null);
  return { exact: true, position, keyPosition: keyPosition ?? position };
}

function resolve(document: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(document);
  return current;
}

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  // A merge key's value is a symbol (`Symbol(<<)`) when `merge` is on; its source text is `<<`.
  if (isScalar(key)) return typeof key.value === 'symbol' ? key.source : String(key.value);
  if (key === null || key === undefined) return undefined;
  return typeof key === 'object' ? undefined : String(key);
}

function keysOf(file: ConfigFile, map: YAMLMap): MapKeys {
  let keys = file.keyIndex.get(map);
  if (keys) return keys;
  keys = { exact: new Map(), lower: new Map(), merges: [] };
  for (const pair of map.items as Pair[]) {
    const text = keyText(pair);
    if (text === undefined) continue;
    if (text === '<<') keys.merges.push(pair);
    if (!keys.exact.has(text)) keys.exact.set(text, pair);
    if (!keys.lower.has(text.toLowerCase())) keys.lower.set(text.toLowerCase(), pair);
  }
  file.keyIndex.set(map, keys);
  return keys;
}

function findPair(file: ConfigFile, map: unknown, key: string, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  const keys = keysOf(file, map);
  const exact = keys.exact.get(key);
  if (exact) return exact;
  // Keys merged in through `<<: *anchor` are written where the anchor is.
  for (const pair of keys.merges) {
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = findPair(file, resolve(file.document, source), key, depth + 1);
      if (found) return found;
    }
  }
  // Keys renamed by the key-case fix (`RBAC` → `rbac`) are still found.
  return keys.lower.get(key.toLowerCase());
}
