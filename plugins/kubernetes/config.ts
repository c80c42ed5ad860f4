import { Ajv, type ValidateFunction } from 'ajv';
import { parseButtonTemplate } from './button-template.js';
import { kubernetesConfigSchema } from './config-schema.js';
import { parseFieldPath } from './field-path.js';
import { parseResourceType } from './resource-type.js';

export { kubernetesConfigSchema } from './config-schema.js';

/** Botkube's regex constraint: unanchored patterns, exclude checked before include. */
export interface RegexConstraints {
  include?: string[];
  exclude?: string[];
}

/** The event kinds a config may name; only create, update, delete, error (and all) route anything. */
export type EventTypeName = 'create' | 'update' | 'delete' | 'error' | 'warning' | 'normal' | 'info' | 'all';

export interface EventConstraints {
  types?: EventTypeName[];
  reason?: RegexConstraints;
  message?: RegexConstraints;
}

export interface UpdateSetting {
  /** Append the field diff to the message. */
  includeDiff?: boolean;
  /** kubectl-style JSONPath fields (`spec.template.spec.containers[*].image`); only their changes are updates. */
  fields?: string[];
}

/** One watched resource type and its overrides of the global constraints. */
export interface ResourceConfig {
  /** `v1/<plural>` (core) or `<group>/<version>/<plural>`. */
  type: string;
  name?: RegexConstraints;
  namespaces?: RegexConstraints;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  event?: EventConstraints;
  updateSetting?: UpdateSetting;
}

export interface FilterSettings {
  /** Skip objects annotated `botkube.io/disable: "true"` (default true). */
  objectAnnotationChecker?: boolean;
  /** Node create/update/delete are skipped, Node warnings pass (default true). */
  nodeEventsChecker?: boolean;
}

export interface Recommendations {
  pod?: { noLatestImageTag?: boolean; labelsSet?: boolean };
  ingress?: { backendServiceValid?: boolean; tlsSecretValid?: boolean };
}

export interface CommandSettings {
  /** Verbs offered in the "Run command…" select. */
  verbs?: string[];
  /** Accepted for compatibility; Botkube never reads it. */
  resources?: string[];
}

export interface ExtraButton {
  enabled?: boolean;
  trigger: { type?: EventTypeName[] };
  button: { displayName: string; commandTpl: string };
}

/** The kubernetes source's config: Botkube's `botkube/kubernetes` config, plus `warningRepeatInterval`. */
export interface KubernetesConfig {
  namespaces?: RegexConstraints;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  event?: EventConstraints;
  resources?: ResourceConfig[];
  filters?: FilterSettings;
  recommendations?: Recommendations;
  commands?: CommandSettings;
  extraButtons?: ExtraButton[];
  log?: { level?: string; disableColors?: boolean };
  informerResyncPeriod?: string;
  warningRepeatInterval?: string;
}

/** Botkube's default `commands.verbs`. */
export const defaultCommandVerbs = [
  'api-resources',
  'api-versions',
  'cluster-info',
  'describe',
  'explain',
  'get',
  'logs',
  'top',
] as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<KubernetesConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<KubernetesConfig>(kubernetesConfigSchema);
  return compiled;
};

/** A config that passed {@link readKubernetesConfig}, with non-fatal findings to log. */
export interface ReadConfig {
  config: KubernetesConfig;
  /** Things Botkube accepts but that do nothing or surprise (exclude-only constraints, `warning` types…). */
  warnings: string[];
  warningRepeatIntervalMs: number;
}

/**
 * Checks a config against the schema, then what a schema cannot: resource type syntax,
 * regular expressions, field paths, button templates and durations. Throws one Error listing
 * every problem, each naming its field (`resources[2].name.include[0]`) and value.
 */
export function readKubernetesConfig(input: unknown): ReadConfig {
  const config = input ?? {};
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => {
      const allowed =
        e.params && 'allowedValues' in e.params
          ? ` (${(e.params.allowedValues as string[]).join(', ')})`
          : '';
      const extra = e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : '';
      return `${e.instancePath || '/'} ${e.message}${extra}${allowed}`;
    });
    throw new Error(`invalid kubernetes source config: ${problems.join('; ')}`);
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  checkConstraints(config.namespaces, 'namespaces', problems, warnings);
  checkEvent(config.event, 'event', problems, warnings);
  (config.resources ?? []).forEach((resource, i) => {
    const at = `resources[${i}]`;
    try {
      parseResourceType(resource.type);
    } catch (err) {
      problems.push(`${at}.type: ${(err as Error).message}`);
    }
    checkConstraints(resource.name, `${at}.name`, problems, warnings);
    checkConstraints(resource.namespaces, `${at}.namespaces`, problems, warnings);
    checkEvent(resource.event, `${at}.event`, problems, warnings);
    (resource.updateSetting?.fields ?? []).forEach((field, j) => {
      try {
        parseFieldPath(field);
      } catch (err) {
        problems.push(`${at}.updateSetting.fields[${j}] "${field}": ${(err as Error).message}`);
      }
    });
  });
  (config.extraButtons ?? []).forEach((entry, i) => {
    try {
      parseButtonTemplate(entry.button.commandTpl);
    } catch (err) {
      problems.push(
        `extraButtons[${i}].button.commandTpl "${entry.button.commandTpl}": ${(err as Error).message}`,
      );
    }
  });
  if (problems.length > 0) {
    throw new Error(`invalid kubernetes source config: ${problems.join('; ')}`);
  }
  if ((config.resources ?? []).length === 0) {
    warnings.push('no resources are configured, so this source emits nothing');
  }
  return { config, warnings, warningRepeatIntervalMs: parseDuration(config.warningRepeatInterval ?? '1m') };
}

function checkConstraints(
  constraints: RegexConstraints | undefined,
  at: string,
  problems: string[],
  warnings: string[],
): void {
  if (!constraints) return;
  for (const key of ['include', 'exclude'] as const) {
    (constraints[key] ?? []).forEach((pattern, i) => {
      try {
        new RegExp(pattern, 'u');
      } catch (err) {
        problems.push(
          `${at}.${key}[${i}] "${pattern}" is not a valid regular expression: ${(err as Error).message}`,
        );
      }
    });
  }
  const include = (constraints.include ?? []).filter((p) => p.trim() !== '');
  const exclude = (constraints.exclude ?? []).filter((p) => p.trim() !== '');
  if (include.length === 0 && exclude.length > 0) {
    warnings.push(
      `${at} has exclude but no include, so it rejects everything (as in Botkube); add include: [".*"]`,
    );
  }
}

function checkEvent(
  event: EventConstraints | undefined,
  at: string,
  problems: string[],
  warnings: string[],
): void {
  if (!event) return;
  checkConstraints(event.reason, `${at}.reason`, problems, warnings);
  checkConstraints(event.message, `${at}.message`, problems, warnings);
  for (const type of event.types ?? []) {
    if (type === 'warning' || type === 'normal' || type === 'info') {
      warnings.push(
        `${at}.types: "${type}" is accepted but never emits anything (as in Botkube); use "error"`,
      );
    }
  }
}

/** `1h2m3s` style durations (the schema's pattern) in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/u.exec(text);
  if (!match || text === '') throw new Error(`"${text}" is not a duration like 30s, 5m or 1h`);
  const [, h = '0', m = '0', s = '0'] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}
