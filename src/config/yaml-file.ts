import { readFile } from 'node:fs/promises';
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
} from 'yaml';
import type { ConfigIssue, ConfigPath } from './issues.js';

/** One parsed config file: its plain value plus what is needed to point at a line in it. */
export interface ConfigFile {
  /** The path as the caller gave it (that is what messages show). */
  path: string;
  /** The top-level map (empty for an empty file). Integers too big for a JS number are strings. */
  value: Record<string, unknown>;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** A place in a file, 1-based. */
export interface FilePosition {
  line: number;
  column: number;
}

/**
 * Reads and parses one YAML config file. Problems (unreadable file, YAML syntax error with
 * its line and column, a top level that is not a map) come back as issues, never thrown, so
 * the loader can report every file's problems at once.
 */
export async function readConfigFile(path: string): Promise<{ file?: ConfigFile; issues: ConfigIssue[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { issues: [fileIssue(path, `cannot read the config file: ${reason}`)] };
  }
  return parseConfigText(path, text);
}

/** Parses YAML text as a config file (see {@link readConfigFile}). */
export function parseConfigText(path: string, text: string): { file?: ConfigFile; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  // merge: Helm values use YAML merge keys; intAsBigInt: Discord IDs exceed 2^53 and must stay exact.
  const document = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    merge: true,
    intAsBigInt: true,
    prettyErrors: true,
    uniqueKeys: true,
  });
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
  const value = normalizeNumbers(document.toJS({ maxAliasCount: 10_000 }));
  if (value === null || value === undefined) {
    return { file: { path, value: {}, document, lineCounter }, issues: [] };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    return { issues: [fileIssue(path, `the top level must be a map of settings, got ${kind}`)] };
  }
  return { file: { path, value: value as Record<string, unknown>, document, lineCounter }, issues: [] };
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
      const pair = findPair(file.document, node, String(segment));
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

function findPair(document: Document.Parsed, map: unknown, key: string, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  const pairs = map.items as Pair[];
  const exact = pairs.find((pair) => keyText(pair) === key);
  if (exact) return exact;
  // Keys merged in through `<<: *anchor` are written where the anchor is.
  for (const pair of pairs) {
    if (keyText(pair) !== '<<') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = findPair(document, resolve(document, source), key, depth + 1);
      if (found) return found;
    }
  }
  // Keys renamed by the key-case fix (`RBAC` → `rbac`) are still found.
  const lower = key.toLowerCase();
  return pairs.find((pair) => keyText(pair)?.toLowerCase() === lower);
}
