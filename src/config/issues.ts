import type { ErrorCode } from '../errors/codes.js';
import { SwitchboardError } from '../errors/switchboard-error.js';

/** A path into the config: map keys and list indexes, from the root. */
export type ConfigPath = readonly (string | number)[];

/** Where a config value was written: a place in a YAML file, or an environment variable. */
export type IssueSource =
  | { kind: 'file'; file: string; line?: number; column?: number }
  | { kind: 'env'; name: string };

/** What kind of problem an issue is; lets callers and tests branch without parsing text. */
export type IssueCode =
  | 'yaml'
  | 'file'
  | 'type'
  | 'enum'
  | 'unknown-key'
  | 'missing'
  | 'duration'
  | 'format'
  | 'range'
  | 'unknown-binding'
  | 'conflict'
  | 'secret'
  | 'env'
  | 'ignored'
  | 'unsupported'
  | 'key-case'
  | 'plugin-schema'
  | 'invalid';

/**
 * One problem found in the configuration. Errors make loading fail; warnings are reported
 * and the config is used anyway (the split Botkube calls criticals and warnings).
 */
export interface ConfigIssue {
  severity: 'error' | 'warning';
  code: IssueCode;
  /** The config path the issue is about (empty for a whole file). */
  path: ConfigPath;
  /** What is wrong and what was expected, without the location (see {@link formatIssue}). */
  message: string;
  source?: IssueSource;
}

/**
 * Thrown by `loadConfig` when the configuration has errors. `issues` holds every error (not
 * only the first), `warnings` the warnings found on the way; `message` lists them all, one
 * per line, each starting with its location.
 */
export class ConfigError extends SwitchboardError {
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];

  constructor(
    issues: readonly ConfigIssue[],
    warnings: readonly ConfigIssue[] = [],
    options: { title?: string; code?: Extract<ErrorCode, `SB_ERR_CONFIG_${string}`> } = {},
  ) {
    const count = `${issues.length} error${issues.length === 1 ? '' : 's'}`;
    const heading = `${options.title ?? 'invalid configuration'}: ${count}`;
    super(
      options.code ?? 'SB_ERR_CONFIG_INVALID',
      [heading, ...issues.map((i) => `  - ${formatIssue(i)}`)].join('\n'),
      {
        details: { errors: issues.length, warnings: warnings.length },
      },
    );
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = warnings;
  }
}

const plainKey = /^[A-Za-z0-9_-]+$/;

/**
 * Renders a path as people write it: `communications.team-a.socketSlack.channels.ops`,
 * with list indexes as `[0]` and keys holding other characters quoted:
 * `sources.pod-failures["botkube/kubernetes"].enabled`.
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (plainKey.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** "file.yaml:12:7", "file.yaml" or "environment variable SWITCHBOARD_X". */
export function formatSource(source: IssueSource): string {
  if (source.kind === 'env') return `environment variable ${source.name}`;
  if (source.line === undefined) return source.file;
  return `${source.file}:${source.line}${source.column === undefined ? '' : `:${source.column}`}`;
}

/** One line: `<where>: <path>: <message>`, the form every CLI and log shows. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.source ? `${formatSource(issue.source)}: ` : '';
  const path = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  return `${where}${path}${issue.message}`;
}

/**
 * Sorts issues by file (in `fileOrder`, the load order), line and column; environment
 * issues come after file ones and issues without a source last.
 */
export function sortIssues(issues: readonly ConfigIssue[], fileOrder: readonly string[] = []): ConfigIssue[] {
  const rank = (i: ConfigIssue): [number, number, string, number, number] => {
    if (i.source === undefined) return [2, 0, '', 0, 0];
    if (i.source.kind === 'env') return [1, 0, i.source.name, 0, 0];
    const index = fileOrder.indexOf(i.source.file);
    return [
      0,
      index === -1 ? fileOrder.length : index,
      i.source.file,
      i.source.line ?? 0,
      i.source.column ?? 0,
    ];
  };
  return [...issues].sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]) || x[3] - y[3] || x[4] - y[4];
  });
}
