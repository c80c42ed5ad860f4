import { parse as parseYaml } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { setAtPath } from './merge.js';

/**
 * Prefixes of configuration environment variables, lowest precedence first: `BOTKUBE_` is
 * read so a Botkube deployment's variables keep working, `SWITCHBOARD_` wins over it.
 */
export const envPrefixes = ['BOTKUBE_', 'SWITCHBOARD_'] as const;

/** One environment variable applied to the config. */
export interface EnvOverride {
  name: string;
  path: string[];
}

/**
 * Botkube's variable-name convention (`pkg/config/config.go` `normalizeConfigEnvName`):
 * after the prefix, `__` marks a camelCase boundary (the next letter is upper-cased, the rest
 * lower-cased) and a single `_` separates nesting levels. Returns undefined for names with
 * an empty segment (a trailing `_`).
 *
 * `SWITCHBOARD_SETTINGS_CLUSTER__NAME` → `settings.clusterName`;
 * `SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_IN__CLUSTER__BASE__U__R__L` → `plugins.incomingWebhook.inClusterBaseURL`.
 */
export function envNameToPath(name: string, prefix: string): string[] | undefined {
  const words = name.slice(prefix.length).split('__');
  const joined = words
    .map((word, index) => {
      const lower = word.toLowerCase();
      return index === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
  const path = joined.split('_');
  return path.some((segment) => segment === '') ? undefined : path;
}

/**
 * The `SWITCHBOARD_` variable that sets the config key at `path`, the inverse of
 * {@link envNameToPath} (`settings.healthPort` → `SWITCHBOARD_SETTINGS_HEALTH__PORT`), for
 * messages that tell people how to change a setting. Undefined when no variable can reach it
 * (a map key with a capital letter or an underscore).
 */
export function envNameForPath(path: readonly string[]): string | undefined {
  const prefix = 'SWITCHBOARD_';
  const name = prefix + path.map((key) => key.replace(/[A-Z]/g, '__$&').toUpperCase()).join('_');
  return envNameToPath(name, prefix)?.join('\0') === path.join('\0') ? name : undefined;
}

/**
 * Reads configuration overrides from the environment. Only variables whose first path
 * segment is a top-level config key count, so Kubernetes service variables such as
 * `SWITCHBOARD_SERVICE_HOST` or `BOTKUBE_PORT` are left alone; `*_CONFIG_PATHS` names files,
 * not a setting. A value starting with `[` or `{` is parsed as YAML flow syntax (a list or
 * map); any other value is a string, which the schema converts where it expects a number
 * or boolean.
 */
export function readEnvOverrides(
  env: NodeJS.ProcessEnv,
  topLevelKeys: ReadonlySet<string>,
): { tree: Record<string, unknown>; overrides: EnvOverride[]; issues: ConfigIssue[] } {
  const tree: Record<string, unknown> = {};
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  const byPath = new Map<string, string>();
  for (const prefix of envPrefixes) {
    const names = Object.keys(env)
      .filter((name) => name.startsWith(prefix) && name !== `${prefix}CONFIG_PATHS`)
      .sort();
    for (const name of names) {
      const raw = env[name];
      if (raw === undefined) continue;
      const path = envNameToPath(name, prefix);
      if (path && !topLevelKeys.has(path[0] as string)) continue;
      const source = { kind: 'env' as const, name };
      if (!path) {
        const squashed = name.slice(prefix.length).replaceAll('_', '').toLowerCase();
        if (![...topLevelKeys].some((key) => squashed.startsWith(key.toLowerCase()))) continue;
        issues.push({
          severity: 'error',
          code: 'env',
          path: [],
          message:
            'the variable name has an empty segment (three underscores in a row, or a trailing underscore)',
          source,
        });
        continue;
      }
      const value = parseEnvValue(raw);
      if (value instanceof Error) {
        issues.push({ severity: 'error', code: 'env', path, message: value.message, source });
        continue;
      }
      const key = path.join('.');
      const earlier = byPath.get(key);
      if (earlier !== undefined) {
        issues.push({
          severity: 'warning',
          code: 'env',
          path,
          message: `${earlier} is ignored: ${name} sets the same key`,
          source: { kind: 'env', name: earlier },
        });
      }
      byPath.set(key, name);
      setAtPath(tree, path, value);
      overrides.push({ name, path });
    }
  }
  return { tree, overrides, issues };
}

function parseEnvValue(raw: string): unknown {
  if (!/^\s*[[{]/.test(raw)) return raw;
  try {
    return parseYaml(raw, { intAsBigInt: false });
  } catch (err) {
    return new Error(
      `the value starts with "${raw.trim()[0]}" but is not valid YAML flow syntax: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}
