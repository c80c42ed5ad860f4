/**
 * The configuration API other modules use. Components take a slice of the validated `Config`;
 * only the composition root calls `loadConfig`/`watchConfig`.
 */

export { Duration, formatDuration, parseDuration } from '../core/duration.js';
export { describeSecretSource, redactedText, Secret, type SecretSource } from '../core/secret.js';
export {
  type BindingChange,
  type ChangeSet,
  type ConfigDiff,
  configValuesEqual,
  diffConfigs,
} from './diff.js';
export {
  ConfigError,
  type ConfigIssue,
  type ConfigPath,
  formatIssue,
  formatPath,
  type IssueCode,
  type IssueSource,
} from './issues.js';
export { configJsonSchema, renderJsonSchemaFile } from './json-schema.js';
export { configPathsFromEnv, type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export type { ConfigLocator } from './locate.js';
export {
  assertPluginConfig,
  compilePluginConfigSchema,
  type PluginConfigLocation,
  type PluginConfigValidator,
  validatePluginConfig,
} from './plugin-config.js';
export { type EffectivePluginRuntime, pluginRuntime } from './plugin-runtime.js';
export { redactConfig } from './redact.js';
export * from './schema.js';
export { botPlatforms, sinkPlatforms } from './slices/communications.js';
export { splitPluginKey } from './slices/plugin-groups.js';
export { boundGroups, type UsedPlugin, usedPluginKeys, usedPlugins } from './used-plugins.js';
export { type ConfigWatcher, type WatchConfigOptions, watchConfig } from './watch.js';
