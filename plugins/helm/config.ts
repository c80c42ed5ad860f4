import { Ajv, type ValidateFunction } from 'ajv';

/** The helm executor's config, merged from every config bound to the command (Botkube-compatible). */
export interface HelmConfig {
  /** Namespace added as `-n` when a command names none (default `default`). */
  defaultNamespace?: string;
  /** Where helm keeps release records: `HELM_DRIVER` (default `secret`). */
  helmDriver?: 'secret' | 'configmap' | 'memory';
  /** `HELM_CACHE_HOME` (default: `helm/.cache` in the plugin's private temporary directory). */
  helmCacheDir?: string;
  /** `HELM_CONFIG_HOME`, where repositories are configured (default: `helm` in the plugin's private temporary directory). */
  helmConfigDir?: string;
  /** Accepted for Botkube compatibility; the plugin logs through the host. */
  log?: { level?: string; disableColors?: boolean };
  /** Switchboard: refuse install, upgrade, uninstall, rollback and test (Botkube leaves this to RBAC). */
  readOnly?: boolean;
  /** Switchboard: absolute path of helm; default `$PLUGIN_DEPENDENCY_DIR/helm`, then `$HELM`. */
  helmPath?: string;
  /** Switchboard: longest a command may run, in seconds (default 120). */
  timeoutSeconds?: number;
  /** Switchboard: output kept, in bytes; beyond it the output is cut and helm stopped (default 1 MiB). */
  maxOutputBytes?: number;
}

const absoluteDir = { type: 'string', pattern: '^/' } as const;

/** JSON Schema of {@link HelmConfig}, published as `metadata.jsonSchema`; `config.test.ts` proves they agree. */
export const helmConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'helm',
  description: 'Runs helm commands against the cluster as the identity the agent gives the call.',
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultNamespace: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      default: 'default',
      description: 'Namespace used when a command names none.',
    },
    helmDriver: {
      type: 'string',
      enum: ['secret', 'configmap', 'memory'],
      default: 'secret',
      description: 'Storage of release records (HELM_DRIVER).',
    },
    helmCacheDir: {
      ...absoluteDir,
      description: 'HELM_CACHE_HOME; default: in the plugin’s private temp dir.',
    },
    helmConfigDir: {
      ...absoluteDir,
      description: 'HELM_CONFIG_HOME; default: in the plugin’s private temp dir.',
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { type: 'string', description: 'Accepted for Botkube compatibility.' },
        disableColors: { type: 'boolean', description: 'Accepted for Botkube compatibility.' },
      },
    },
    readOnly: {
      type: 'boolean',
      default: false,
      description: 'Switchboard: refuse install, upgrade, uninstall, rollback and test.',
    },
    helmPath: { type: 'string', pattern: '^/', description: 'Absolute path of the helm binary.' },
    timeoutSeconds: { type: 'integer', minimum: 1, default: 120, description: 'Time limit per command.' },
    maxOutputBytes: {
      type: 'integer',
      minimum: 1024,
      default: 1048576,
      description: 'Output kept per command.',
    },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<HelmConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true, useDefaults: false }).compile<HelmConfig>(helmConfigSchema);
  return compiled;
};

/** Checks a merged config against the schema; throws an error naming each bad field and what it expects. */
export function readHelmConfig(config: unknown): HelmConfig {
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => {
      const allowed =
        e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: string[] }).allowedValues.join(', ')})`
          : '';
      const extra =
        e.keyword === 'additionalProperties'
          ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : '';
      return `${e.instancePath || '/'} ${e.message}${allowed}${extra}`;
    });
    throw new Error(`invalid helm config: ${problems.join('; ')}`);
  }
  return config;
}
