import type { EnvOverride } from './env-overrides.js';
import type { ConfigPath, IssueSource } from './issues.js';
import { type ConfigFile, findInFile } from './yaml-file.js';

/** Maps a config path back to where it was written, for messages that name file and line. */
export interface ConfigLocator {
  /**
   * The environment variable or file place that set `path` (or, when nothing set it, where
   * its nearest written parent is). `at: 'key'` points at the key itself (unknown keys),
   * `'value'` at its value (wrong values). Undefined when no file mentions any part of it.
   */
  locate(path: ConfigPath, at?: 'key' | 'value'): IssueSource | undefined;
  /** The files in load order (as given by the caller). */
  readonly files: readonly string[];
}

/**
 * Builds the locator over the files (in merge order) and the environment overrides applied
 * after them: the last writer of a path is the one that counts, as in the merge.
 */
export function createLocator(
  files: readonly ConfigFile[],
  overrides: readonly EnvOverride[],
): ConfigLocator {
  return {
    files: files.map((file) => file.path),
    locate(path, at = 'value') {
      for (const override of [...overrides].reverse()) {
        if (
          override.path.length <= path.length &&
          override.path.every((segment, i) => segment === String(path[i]))
        ) {
          return { kind: 'env', name: override.name };
        }
      }
      let fallback: { file: ConfigFile; line: number; column: number } | undefined;
      for (const file of [...files].reverse()) {
        const found = findInFile(file, path);
        if (!found?.position) continue;
        const position = at === 'key' && found.keyPosition ? found.keyPosition : found.position;
        if (found.exact)
          return { kind: 'file', file: file.path, line: position.line, column: position.column };
        fallback ??= { file, line: position.line, column: position.column };
      }
      return (
        fallback && { kind: 'file', file: fallback.file.path, line: fallback.line, column: fallback.column }
      );
    },
  };
}
