import { ConfigError, type ConfigIssue } from '../config/issues.js';
import type { ConfigLocator } from '../config/locate.js';
import { createPluginSchemaCompiler } from '../config/plugin-config.js';
import type { Config } from '../config/schema.js';
import type { UsedPlugin } from '../config/used-plugins.js';

/** What the check needs of an installed plugin: its key, kind and published schema. */
export interface PluginWithSchema {
  key: string;
  type: 'executor' | 'source';
  entry: { jsonSchema?: { value?: string } | null | undefined };
}

/**
 * Validates every used entry's `config` against the JSON Schema its plugin publishes in the
 * repository index, before any plugin process starts: a typo in a plugin config is reported
 * with its file, line and path, instead of surfacing later as a plugin error in chat.
 * Plugins that publish no schema are not checked. Throws a ConfigError listing every issue.
 */
export function assertPluginConfigs(
  config: Config,
  used: readonly UsedPlugin[],
  installed: readonly PluginWithSchema[],
  locator?: ConfigLocator,
): void {
  const issues: ConfigIssue[] = [];
  const compile = createPluginSchemaCompiler();
  for (const plugin of installed) {
    const schema = plugin.entry.jsonSchema?.value;
    if (!schema) continue;
    const usage = used.find((u) => u.key === plugin.key && u.kind === plugin.type);
    if (!usage) continue;
    const section = plugin.type === 'source' ? 'sources' : 'executors';
    let validate: ReturnType<typeof compile>;
    try {
      validate = compile(schema, plugin.key);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      continue;
    }
    for (const group of usage.groups) {
      const entry = config[section][group]?.plugins[plugin.key];
      if (!entry) continue;
      issues.push(
        ...validate(entry.config, {
          pluginKey: plugin.key,
          path: [section, group, plugin.key, 'config'],
          ...(locator ? { locator } : {}),
        }),
      );
    }
  }
  if (issues.length > 0) {
    throw new ConfigError(issues, [], {
      title: 'invalid plugin configuration',
      code: 'SB_ERR_CONFIG_PLUGIN',
    });
  }
}
