import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigError, type ConfigIssue, type ConfigPath } from './issues.js';
import type { ConfigLocator } from './locate.js';
import { describeValue } from './zod-issues.js';

/** Where a plugin entry's `config` sits, so issues can name the file and line. */
export interface PluginConfigLocation {
  /** The plugin key, e.g. `botkube/kubectl@v1.14.0`. */
  pluginKey: string;
  /** Config path of the entry's `config`, e.g. `['executors', 'read-only', 'botkube/kubectl', 'config']`. */
  path: ConfigPath;
  /** From `loadConfig`; without it issues carry paths but no file. */
  locator?: ConfigLocator;
}

/** A compiled plugin config schema; reuse it for every entry of the same plugin. */
export type PluginConfigValidator = (value: unknown, where: PluginConfigLocation) => ConfigIssue[];

const ajvOptions = { allErrors: true, strict: false, validateFormats: false, logger: false } as const;

/**
 * An ajv that checks schemas against the draft-07 meta-schema with another instance. Each ajv
 * compiles the meta-schema the first time it checks a schema, which allocates about 2.6 MB;
 * plugins keep one ajv each (their `$id`s must not meet), but share the compiled meta-schema.
 */
class PluginSchemaAjv extends Ajv {
  constructor(private readonly meta: Ajv) {
    super(ajvOptions);
  }

  override validateSchema(schema: Parameters<Ajv['validateSchema']>[0], throwOrLogError?: boolean) {
    return this.meta.validateSchema(schema, throwOrLogError);
  }
}

/**
 * Compiles the JSON Schema a plugin publishes (`metadata.jsonSchema.value`, a JSON string, or
 * an object) with ajv as draft-07. `$schema` naming another json-schema.org draft is dropped,
 * since plugins often declare draft-04/06 for schemas that mean the same in draft-07; unknown
 * keywords and formats are tolerated (they are the plugin's business). Throws a ConfigError
 * (SB_ERR_CONFIG_PLUGIN) when the schema is not JSON or cannot be compiled.
 */
export function compilePluginConfigSchema(schema: string | object, pluginKey: string): PluginConfigValidator {
  return createPluginSchemaCompiler()(schema, pluginKey);
}

/**
 * {@link compilePluginConfigSchema} for several plugins at once: the meta-schema is compiled
 * once for all of them. Keep the compiler only as long as the schemas are being compiled.
 */
export function createPluginSchemaCompiler(): typeof compilePluginConfigSchema {
  let meta: Ajv | undefined;
  return (schema, pluginKey) => {
    let validate: ValidateFunction;
    try {
      const parsed = (typeof schema === 'string' ? JSON.parse(schema) : structuredClone(schema)) as Record<
        string,
        unknown
      >;
      if (
        typeof parsed.$schema === 'string' &&
        /json-schema\.org\/(draft-0[4-7]\/)?schema/.test(parsed.$schema)
      ) {
        delete parsed.$schema;
      }
      meta ??= new Ajv(ajvOptions);
      validate = new PluginSchemaAjv(meta).compile(parsed);
    } catch (err) {
      const issue: ConfigIssue = {
        severity: 'error',
        code: 'plugin-schema',
        path: [],
        message: `plugin ${pluginKey} publishes a config JSON Schema that cannot be used: ${(err as Error).message}`,
      };
      throw new ConfigError([issue], [], {
        title: `plugin ${pluginKey} config schema`,
        code: 'SB_ERR_CONFIG_PLUGIN',
      });
    }
    return (value, where) => {
      // An entry without `config` sends an empty document; the plugin sees an empty map.
      const input = value ?? {};
      if (validate(input)) return [];
      return (validate.errors ?? []).map((error) => toIssue(error, input, where));
    };
  };
}

/**
 * Validates one plugin entry's `config` against the JSON Schema the plugin publishes.
 * Returns the issues (empty when valid), each naming the file and line of the value (when a
 * locator is given), the path inside the config and what the schema expects.
 */
export function validatePluginConfig(
  schema: string | object,
  value: unknown,
  where: PluginConfigLocation,
): ConfigIssue[] {
  return compilePluginConfigSchema(schema, where.pluginKey)(value, where);
}

/** Like {@link validatePluginConfig}, but throws a ConfigError (SB_ERR_CONFIG_PLUGIN) listing the issues. */
export function assertPluginConfig(
  schema: string | object,
  value: unknown,
  where: PluginConfigLocation,
): void {
  const issues = validatePluginConfig(schema, value, where);
  if (issues.length > 0) {
    throw new ConfigError(issues, [], {
      title: `invalid config for plugin ${where.pluginKey}`,
      code: 'SB_ERR_CONFIG_PLUGIN',
    });
  }
}

function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const key = Array.isArray(node) && /^\d+$/.test(segment) ? Number(segment) : segment;
    path.push(key);
    node =
      typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function toIssue(error: ErrorObject, input: unknown, where: PluginConfigLocation): ConfigIssue {
  const inner = pointerToPath(error.instancePath, input);
  let path: ConfigPath = [...where.path, ...inner];
  let code: ConfigIssue['code'] = 'plugin-schema';
  let message: string;
  const params = error.params as Record<string, unknown>;
  const got = describeValue(valueAt(input, inner), path);
  switch (error.keyword) {
    case 'additionalProperties':
      path = [...path, String(params.additionalProperty)];
      code = 'unknown-key';
      message = `unknown key "${String(params.additionalProperty)}"`;
      break;
    case 'required':
      path = [...path, String(params.missingProperty)];
      code = 'missing';
      message = `missing; the plugin requires "${String(params.missingProperty)}"`;
      break;
    case 'enum':
      message = `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
      break;
    case 'type':
      message = `expected ${String(params.type)}, got ${got}`;
      break;
    default:
      message = `${error.message ?? 'does not match the schema'}, got ${got}`;
  }
  const source = where.locator?.locate(path, code === 'unknown-key' ? 'key' : 'value');
  const issue: ConfigIssue = {
    severity: 'error',
    code,
    path,
    message: `plugin ${where.pluginKey}: ${message}`,
  };
  return source ? { ...issue, source } : issue;
}
