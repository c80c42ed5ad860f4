import type { Duration } from '../core/duration.js';
import type { Secret } from '../core/secret.js';
import type { LogLevel } from '../log/logger.js';
import type { Config } from './schema.js';

/** The effective runtime settings of one plugin process. */
export interface EffectivePluginRuntime {
  startTimeout: Duration;
  callDeadline: Duration;
  autoMtls: boolean;
  logLevel: LogLevel;
  logLimit: { linesPerSecond: number; bytesPerSecond: number };
  env: { allow: readonly string[]; extra: Readonly<Record<string, Secret>> };
}

/**
 * The runtime settings of the plugin `key` (`repo/name[@version]`): its entry in
 * `plugins.overrides` (keyed `repo/name`, whatever the version) over `plugins.runtime`;
 * `env.allow` lists are joined, `env.extra` maps and `logLimit` fields merged; the log level falls back to
 * `settings.log.level`.
 */
export function pluginRuntime(config: Config, key: string): EffectivePluginRuntime {
  const base = config.plugins.runtime;
  const override = config.plugins.overrides[key.split('@')[0] as string];
  return {
    startTimeout: override?.startTimeout ?? base.startTimeout,
    callDeadline: override?.callDeadline ?? base.callDeadline,
    autoMtls: override?.autoMtls ?? base.autoMtls,
    logLevel: override?.logLevel ?? base.logLevel ?? config.settings.log.level,
    logLimit: {
      linesPerSecond: override?.logLimit?.linesPerSecond ?? base.logLimit.linesPerSecond,
      bytesPerSecond: override?.logLimit?.bytesPerSecond ?? base.logLimit.bytesPerSecond,
    },
    env: {
      allow: [...new Set([...base.env.allow, ...(override?.env?.allow ?? [])])],
      extra: { ...base.env.extra, ...(override?.env?.extra ?? {}) },
    },
  };
}
