import { parse as parseYaml } from 'yaml';
import { envNameToPath } from '../core/env-names.js';
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
