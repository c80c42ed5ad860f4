/**
 * `sources.<group>` and `executors.<group>`: an optional `displayName` plus inline plugin
 * entries keyed by plugin key (`repo/name[@version]`), exactly as in Botkube. The parsed
 * form separates the two (`{displayName, plugins}`); `redactConfig` writes the Botkube form back.
 */
import { z } from 'zod';
import { flag, ignored, keyedBy, text, textList } from '../../platforms/slice-kit.js';

/** `repo/name[@version]`, the same rule as the repository client's `parsePluginKey`. */
export const pluginKeyPattern = /^([^/@\s]+)\/([^/@\s]+)(?:@([^/@\s]+))?$/;

const policyType = z
  .enum(['', 'Static', 'ChannelName'], { error: 'expected "Static" or "ChannelName"' })
  .prefault('')
  .meta({ description: '`Static` (fixed names) or `ChannelName` (prefix + channel name; executors only).' });

/** Impersonation rules for the kubeconfig the agent generates for a plugin call. */
export const PluginRbac = z.strictObject({
  user: z
    .strictObject({
      type: policyType,
      static: z.strictObject({ value: text.prefault('') }).prefault({}),
      prefix: text.prefault(''),
    })
    .optional()
    .meta({ description: 'Impersonated user: `static.value`, or the channel name with `prefix`.' }),
  group: z
    .strictObject({
      type: policyType,
      static: z.strictObject({ values: textList }).prefault({}),
      prefix: text.prefault(''),
    })
    .optional()
    .meta({ description: 'Impersonated groups: `static.values`, or the channel name with `prefix`.' }),
});
export type PluginRbac = z.infer<typeof PluginRbac>;

/**
 * A Kubernetes source setting of Botkube 0.x, written beside `config` in Botkube's own test
 * configs; Botkube 1.x ignores it there.
 */
const legacyEntryKey = ignored(
  'Botkube 0.x Kubernetes source setting beside `config`, ignored there by Botkube 1.x too; move it under `config`.',
);

/** One plugin inside a group. */
export const PluginEntry = z.strictObject({
  enabled: flag.prefault(false).meta({ description: 'Use this plugin.' }),
  displayName: ignored(
    "a name per plugin entry, which Botkube's Helm chart writes and Botkube does not show; the group's `displayName` is shown.",
  ),
  recommendations: legacyEntryKey,
  namespaces: legacyEntryKey,
  event: legacyEntryKey,
  events: legacyEntryKey,
  annotations: legacyEntryKey,
  labels: legacyEntryKey,
  resources: legacyEntryKey,
  config: z.unknown().optional().meta({
    description:
      "The plugin's own configuration, any YAML. Sent to the plugin as YAML and checked against the JSON Schema it publishes.",
  }),
  context: z
    .strictObject({
      rbac: PluginRbac.optional().meta({
        description: 'Kubernetes identity the plugin acts as (a kubeconfig is generated per call).',
      }),
      kubeconfig: z
        .strictObject({ defaultNamespace: text.optional() })
        .optional()
        .meta({ description: 'Defaults written into the generated kubeconfig.' }),
    })
    .prefault({}),
});
export type PluginEntry = z.infer<typeof PluginEntry>;

/** Parsed group: display name and plugin entries apart. */
export interface PluginGroup {
  displayName: string;
  /** Plugin key (`repo/name[@version]`) → entry, in the order written. */
  plugins: Readonly<Record<string, PluginEntry>>;
}

function closest(key: string): string | undefined {
  return key.toLowerCase().replace(/[^a-z]/g, '') === 'displayname' ? 'displayName' : undefined;
}

/** A source or executor group. */
export function pluginGroup(kind: 'source' | 'executor') {
  return z
    .object({
      displayName: text
        .optional()
        .meta({ description: 'Name shown in `list sources`/`list executors` and in event headers.' }),
    })
    .catchall(PluginEntry)
    .superRefine(
      (group, ctx) => {
        for (const key of Object.keys(group)) {
          if (key === 'displayName' || pluginKeyPattern.test(key)) continue;
          const hint = closest(key);
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: hint
              ? `unknown key "${key}"; did you mean "${hint}"?`
              : `"${key}" is not a plugin key; ${kind} group entries are keyed repo/name[@version], e.g. botkube/${kind === 'source' ? 'kubernetes' : 'kubectl'}`,
            params: { code: 'unknown-key' },
          });
        }
      },
      // Report bad keys even when an entry also failed, so a typo is named as such.
      { when: () => true },
    )
    .transform((group): PluginGroup => {
      const { displayName, ...plugins } = group;
      return { displayName: displayName ?? '', plugins: plugins as Record<string, PluginEntry> };
    })
    .meta({
      description: `A ${kind} group: optional \`displayName\` plus plugin entries keyed \`repo/name[@version]\`.`,
      'x-entry-key': '<repo/name[@version]>',
    });
}

export const SourceGroups = z
  .record(z.string(), pluginGroup('source'))
  .prefault({})
  .meta({
    ...keyedBy('<group>'),
    description: 'Source groups, keyed by the name bindings use. Each holds one or more source plugins.',
  });

export const ExecutorGroups = z
  .record(z.string(), pluginGroup('executor'))
  .prefault({})
  .meta({
    ...keyedBy('<group>'),
    description: 'Executor groups, keyed by the name bindings use. Each holds one or more executor plugins.',
  });

/** Splits a plugin key; undefined when it is malformed. */
export function splitPluginKey(key: string): { repo: string; name: string; version?: string } | undefined {
  const match = pluginKeyPattern.exec(key);
  if (!match) return undefined;
  const [, repo = '', name = '', version] = match;
  return version === undefined ? { repo, name } : { repo, name, version };
}
