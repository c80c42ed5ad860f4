import { Ajv, type ValidateFunction } from 'ajv';

/** Botkube's `interactiveBuilder.allowed`: what the builder's dropdowns offer. */
export interface BuilderAllowed {
  /** Verbs of the first dropdown (default: Botkube's eight read-only verbs). */
  verbs?: string[];
  /** Resource types of the second dropdown, as plurals (default: Botkube's fourteen). */
  resources?: string[];
  /** A fixed namespace dropdown; without it the namespaces are listed from the cluster. */
  namespaces?: string[];
}

/** Switchboard's narrowing of typed commands; Botkube has none (RBAC alone decides there). */
export interface CommandRestrictions {
  /** Only these verbs run; also how `exec` and `attach` are let in (they are refused otherwise). */
  verbs?: string[];
  /** Only these resource types (plurals, e.g. `pods`; short names and singulars are mapped). */
  resources?: string[];
}

/** The kubectl executor's config, merged from every config bound to the command (Botkube-compatible). */
export interface KubectlConfig {
  /** Namespace added as `-n` when a command names none (default `default`). */
  defaultNamespace?: string;
  interactiveBuilder?: { allowed?: BuilderAllowed };
  /** Accepted for Botkube compatibility; the plugin logs through the host. */
  log?: { level?: string; disableColors?: boolean };
  /** Switchboard: narrow typed commands to these verbs and resources. */
  commands?: CommandRestrictions;
  /** Switchboard: absolute path of kubectl; default `$PLUGIN_DEPENDENCY_DIR/kubectl`, then `$KUBECTL`. */
  kubectlPath?: string;
  /** Switchboard: longest a command may run, in seconds (default 60). */
  timeoutSeconds?: number;
  /** Switchboard: output kept, in bytes; beyond it the output is cut and kubectl stopped (default 1 MiB). */
  maxOutputBytes?: number;
}

/** Botkube's defaults (`internal/executor/kubectl/config.go`); its Go default has fourteen resources. */
export const defaultBuilderVerbs = [
  'api-resources',
  'api-versions',
  'cluster-info',
  'describe',
  'explain',
  'get',
  'logs',
  'top',
];
export const defaultBuilderResources = [
  'deployments',
  'pods',
  'namespaces',
  'daemonsets',
  'statefulsets',
  'storageclasses',
  'nodes',
  'configmaps',
  'services',
  'ingresses',
  'replicasets',
  'secrets',
  'cronjobs',
  'jobs',
];

const nameList = { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' } } as const;

/** JSON Schema of {@link KubectlConfig}, published as `metadata.jsonSchema`; `config.test.ts` proves they agree. */
export const kubectlConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'kubectl',
  description: 'Runs kubectl commands against the cluster as the identity the agent gives the call.',
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultNamespace: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]*$',
      default: 'default',
      description: 'Namespace used when a command names none.',
    },
    interactiveBuilder: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowed: {
          type: 'object',
          additionalProperties: false,
          properties: {
            verbs: { ...nameList, default: defaultBuilderVerbs, description: 'Verbs the builder offers.' },
            resources: {
              ...nameList,
              default: defaultBuilderResources,
              description: 'Resource types the builder offers.',
            },
            namespaces: {
              ...nameList,
              description: 'Fixed namespace list; default: listed from the cluster.',
            },
          },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { type: 'string', description: 'Accepted for Botkube compatibility.' },
        disableColors: { type: 'boolean', description: 'Accepted for Botkube compatibility.' },
      },
    },
    commands: {
      type: 'object',
      additionalProperties: false,
      description: 'Switchboard: narrow typed commands (Botkube leaves this to RBAC).',
      properties: {
        verbs: { ...nameList, description: 'Only these verbs run (exec and attach only when listed).' },
        resources: { ...nameList, description: 'Only these resource types (plurals).' },
      },
    },
    kubectlPath: { type: 'string', pattern: '^/', description: 'Absolute path of the kubectl binary.' },
    timeoutSeconds: { type: 'integer', minimum: 1, default: 60, description: 'Time limit per command.' },
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
let compiled: ValidateFunction<KubectlConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true, useDefaults: false }).compile<KubectlConfig>(kubectlConfigSchema);
  return compiled;
};

/**
 * Checks a merged config against the schema, and Botkube's one cross-field rule: a fixed
 * namespace list must contain the default namespace. Throws an error naming each bad field.
 */
export function readKubectlConfig(config: unknown): KubectlConfig {
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`invalid kubectl config: ${problems.join('; ')}`);
  }
  const namespaces = config.interactiveBuilder?.allowed?.namespaces;
  const defaultNamespace = config.defaultNamespace ?? 'default';
  if (namespaces && namespaces.length > 0 && !namespaces.includes(defaultNamespace)) {
    throw new Error(
      `invalid kubectl config: interactiveBuilder.allowed.namespaces [${namespaces.join(', ')}] must contain defaultNamespace "${defaultNamespace}"`,
    );
  }
  return config;
}
