import { dirname, isAbsolute, resolve } from 'node:path';
import { Secret, type SecretSource } from '../core/secret.js';
import type { ConfigIssue, ConfigPath } from './issues.js';
import { type JsonSchemaNode, visitConfig } from './json-schema-walk.js';
import type { ConfigLocator } from './locate.js';
import { readSecretFile, SecretFileError } from './secret-file.js';

/**
 * Reads every `{fromFile}` / `{fromEnv}` secret of a freshly parsed config and puts resolved
 * {@link Secret}s in their place (in place: the config is not frozen yet). A relative file
 * path is taken from the directory of the config file that wrote it. One trailing line break
 * is dropped, since `echo`/editors add one and tokens never end with one. Problems (missing
 * file, not a regular file, over the size limit, unset variable) come back as issues at the secret's path; values never appear in them.
 */
export function resolveSecrets(
  config: unknown,
  env: NodeJS.ProcessEnv,
  locator: ConfigLocator,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const visit = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        const resolved = resolveOne(item, [...path, index]);
        if (resolved) node[index] = resolved;
        else visit(item, [...path, index]);
      });
    } else if (typeof node === 'object' && node !== null && !(node instanceof Secret)) {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const resolved = resolveOne(record[key], [...path, key]);
        if (resolved) record[key] = resolved;
        else visit(record[key], [...path, key]);
      }
    }
  };
  const resolveOne = (value: unknown, path: ConfigPath): Secret | undefined => {
    if (!(value instanceof Secret) || value.resolved || value.source.kind === 'inline') return undefined;
    const result = readSecretSource(value.source, path, env, locator);
    if ('issue' in result) issues.push(result.issue);
    return 'secret' in result ? result.secret : undefined;
  };
  visit(config, []);
  return issues;
}

/**
 * Reads one `{fromFile}`/`{fromEnv}` reference written at `path`. Also used on the raw
 * config when the schema failed, so a missing secret file is reported with the other errors.
 */
export function readSecretSource(
  source: Exclude<SecretSource, { kind: 'inline' }>,
  path: ConfigPath,
  env: NodeJS.ProcessEnv,
  locator: ConfigLocator,
): { secret: Secret } | { issue: ConfigIssue } {
  if (source.kind === 'env') {
    const text = env[source.name];
    if (text === undefined) {
      return {
        issue: secretIssue(path, `secret comes from environment variable ${source.name}, which is not set`),
      };
    }
    return { secret: Secret.of(text, source) };
  }
  const where = locator.locate(path);
  const base = where?.kind === 'file' ? dirname(resolve(where.file)) : process.cwd();
  const file = isAbsolute(source.path) ? source.path : resolve(base, source.path);
  try {
    const text = readSecretFile(file).toString('utf8');
    return { secret: Secret.of(text.replace(/\r?\n$/, ''), { kind: 'file', path: file }) };
  } catch (err) {
    const reason =
      err instanceof SecretFileError
        ? err.message
        : `cannot read secret file ${file}: ${(err as Error).message}`;
    return { issue: secretIssue(path, reason) };
  }
}

/**
 * Checks the secret references of a raw config that failed the schema, so unreadable secret
 * files and unset variables are listed with the other errors (values are not kept).
 */
export function checkRawSecretReferences(
  raw: unknown,
  schema: JsonSchemaNode,
  env: NodeJS.ProcessEnv,
  locator: ConfigLocator,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visitConfig(schema, raw, ({ path, schema: node, value }) => {
    if (node['x-kind'] !== 'secret' || typeof value !== 'object' || value === null) return true;
    const ref = value as { fromFile?: unknown; fromEnv?: unknown };
    const source =
      typeof ref.fromFile === 'string'
        ? ({ kind: 'file', path: ref.fromFile } as const)
        : typeof ref.fromEnv === 'string'
          ? ({ kind: 'env', name: ref.fromEnv } as const)
          : undefined;
    if (source) {
      const result = readSecretSource(source, path, env, locator);
      if ('issue' in result) issues.push(result.issue);
    }
    return false;
  });
  return issues;
}

function secretIssue(path: ConfigPath, message: string): ConfigIssue {
  return { severity: 'error', code: 'secret', path, message };
}
