import { checkActionTemplates } from './action-templates.js';
import { skipDisabledBlockValues, withBlocksDisabled } from './disabled-blocks.js';
import { readEnvOverrides } from './env-overrides.js';
import { deepFreeze } from './freeze.js';
import { ConfigError, type ConfigIssue, sortIssues } from './issues.js';
import { configJsonSchema } from './json-schema.js';
import { type ConfigLocator, createLocator } from './locate.js';
import { mergeConfigValues, orderConfigFiles } from './merge.js';
import { checkPlatforms, unimplementedPlatformWarnings } from './platform-checks.js';
import { prepareRawConfig } from './prepare.js';
import { checkRbac } from './rbac-checks.js';
import { checkReferences } from './references.js';
import { checkRawSecretReferences, resolveSecrets } from './resolve-secrets.js';
import { Config } from './schema.js';
import { type ConfigFile, readConfigFile } from './yaml-file.js';
import { fromZodIssue } from './zod-issues.js';

export interface LoadConfigOptions {
  /** YAML files, merged in this order (files whose basename starts with `_` last). May be empty. */
  files: readonly string[];
  /** Where `SWITCHBOARD_*`/`BOTKUBE_*` overrides and `{fromEnv}` secrets are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  /** The validated config with defaults applied and secrets resolved; deep-frozen. */
  config: Config;
  /** Problems that do not stop the agent (ignored Botkube keys, unsupported platforms…), sorted by place. */
  warnings: ConfigIssue[];
  /** Maps config paths back to files and lines (for plugin config errors found later). */
  locator: ConfigLocator;
}

const topLevelKeys: ReadonlySet<string> = new Set(Object.keys(Config.shape));

/** Issues about a key itself (rather than its value) point at the key. */
const keyCodes: ReadonlySet<ConfigIssue['code']> = new Set([
  'unknown-key',
  'ignored',
  'unsupported',
  'key-case',
]);

/**
 * Loads the configuration the way Botkube does and validates it once:
 *
 * 1. each file is parsed (YAML errors carry line and column);
 * 2. files are merged in order, `_`-prefixed ones last (maps deep, lists replaced);
 * 3. `BOTKUBE_*` then `SWITCHBOARD_*` environment variables override (Botkube's naming);
 * 4. the schema validates and applies defaults; references between sections are checked;
 * 5. `{fromFile}`/`{fromEnv}` secrets are read.
 *
 * Every problem of every step is collected, each naming its file and line (or variable), the
 * config path, the value and what was expected. Throws a {@link ConfigError} listing all
 * errors when there is at least one; otherwise returns the deep-frozen config and warnings.
 * When a file cannot be read or parsed, only file problems are reported: the rest of the
 * config would be checked without that file's part and give misleading errors.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const order = orderConfigFiles(options.files);
  const issues: ConfigIssue[] = [];
  const files: ConfigFile[] = [];
  for (const result of await Promise.all(order.map((file) => readConfigFile(file)))) {
    issues.push(...result.issues);
    if (result.file) files.push(result.file);
  }

  // With a file missing or unparsable, the merge lacks part of the config: checking it would
  // report groups "not defined" that are defined in that file. Report the file problems alone.
  if (issues.length > 0) throw new ConfigError(sortIssues(issues, order), []);

  let raw: Record<string, unknown> = {};
  for (const file of files) raw = mergeConfigValues(raw, file.value);
  const environment = readEnvOverrides(env, topLevelKeys);
  raw = mergeConfigValues(raw, environment.tree);
  const locator = createLocator(files, environment.overrides);
  const locate = (issue: ConfigIssue): ConfigIssue =>
    issue.source
      ? issue
      : { ...issue, source: locator.locate(issue.path, keyCodes.has(issue.code) ? 'key' : 'value') };

  const schema = configJsonSchema();
  issues.push(...environment.issues, ...prepareRawConfig(raw, schema));
  // Parsed once per load: zod's eval-compiled fast path would only add generated code that
  // stays in the agent's heap (about 0.4 MB for this schema) to save microseconds.
  let parsed = Config.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    const found = parsed.error.issues.flatMap((zodIssue) => fromZodIssue(zodIssue, raw, schema));
    const skipped = skipDisabledBlockValues(found, raw);
    const retried =
      skipped.blocks.length > 0 && skipped.issues.length === 0
        ? Config.safeParse(withBlocksDisabled(raw, skipped.blocks), { jitless: true })
        : undefined;
    if (retried?.success) parsed = retried;
    issues.push(...(retried?.success || skipped.issues.length > 0 ? skipped.issues : found));
  }
  issues.push(...checkReferences(raw));
  if (!parsed.success) issues.push(...checkRawSecretReferences(raw, schema, env, locator));
  if (parsed.success) {
    const secretIssues = resolveSecrets(parsed.data, env, locator);
    issues.push(...secretIssues);
    if (secretIssues.length === 0) issues.push(...checkPlatforms(parsed.data));
    issues.push(...unimplementedPlatformWarnings(parsed.data, issues));
    issues.push(...checkActionTemplates(parsed.data));
    issues.push(...checkRbac(parsed.data));
  }

  const located = withoutShadowed(issues.map(locate));
  const errors = sortIssues(
    located.filter((issue) => issue.severity === 'error'),
    locator.files,
  );
  const warnings = sortIssues(
    located.filter((issue) => issue.severity === 'warning'),
    locator.files,
  );
  if (errors.length > 0 || !parsed.success) throw new ConfigError(errors, warnings);
  return { config: deepFreeze(parsed.data), warnings, locator };
}

/**
 * Drops issues inside a key already reported as unknown: for a typo such as `displayname`
 * in a source group, "unknown key" is the useful message, not the errors of treating its
 * value as a plugin entry. Also drops exact duplicates.
 */
function withoutShadowed(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const unknown = issues.filter((issue) => issue.code === 'unknown-key' && issue.severity === 'error');
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.severity}|${issue.code}|${JSON.stringify(issue.path)}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return !unknown.some(
      (u) =>
        u !== issue &&
        u.path.length <= issue.path.length &&
        u.path.every((segment, i) => segment === issue.path[i]) &&
        !(u.path.length === issue.path.length && issue.code === 'unknown-key'),
    );
  });
}

/**
 * The config files named by the environment when none are given on the command line:
 * `SWITCHBOARD_CONFIG_PATHS`, else Botkube's `BOTKUBE_CONFIG_PATHS` (comma-separated).
 */
export function configPathsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = env.SWITCHBOARD_CONFIG_PATHS ?? env.BOTKUBE_CONFIG_PATHS ?? '';
  return value
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '');
}
