import { pluginRuntime } from '../config/plugin-runtime.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import type { PluginPidFiles } from '../plugins/host/pid-files.js';
import { PluginSupervisor } from '../plugins/host/supervisor.js';
import type { InstalledPlugin } from '../plugins/repository/installer.js';

export interface SupervisorDeps {
  /** The running config: the plugin's runtime settings and the restart policy come from it. */
  config: Config;
  pidFiles: PluginPidFiles;
  metrics: AgentMetrics;
  logger: Logger;
}

/**
 * A supervisor (not started) for one installed plugin. Its processes are recorded in pid files,
 * so a later start can stop what a killed agent left running, and its state feeds the metrics.
 */
export function superviseInstalled(plugin: InstalledPlugin, deps: SupervisorDeps): PluginSupervisor {
  const { config, pidFiles, metrics } = deps;
  const policy = config.plugins.restartPolicy;
  const runtime = pluginRuntime(config, plugin.key);
  const extra = Object.fromEntries(Object.entries(runtime.env.extra).map(([k, v]) => [k, v.reveal()]));
  return new PluginSupervisor({
    launch: {
      name: plugin.key,
      binary: plugin.binary,
      dependencyDir: plugin.dependencyDir,
      autoMtls: runtime.autoMtls,
      startTimeoutMs: runtime.startTimeout.ms,
      envAllow: runtime.env.allow,
      envExtra: extra,
      logLevel: runtime.logLevel,
      logLimit: runtime.logLimit,
      onSpawn: (pid, exited, privateDir) =>
        pidFiles.track({ plugin: plugin.key, binary: plugin.binary, pid, privateDir }, exited),
      onLogDropped: (drops) => {
        metrics.pluginLogDroppedLines.inc({ plugin: plugin.key }, drops.lines);
        metrics.pluginLogDroppedBytes.inc({ plugin: plugin.key }, drops.bytes);
      },
    },
    logger: deps.logger,
    healthCheckIntervalMs: config.plugins.healthCheckInterval.ms,
    quarantine: { maxCrashes: policy.threshold, windowMs: policy.window.ms },
    onStateChange: (s) => {
      metrics.pluginUp.set({ plugin: s.name }, s.state === 'running' ? 1 : 0);
      if (s.state === 'restarting' && s.lastRestartAt) metrics.pluginRestarts.inc({ plugin: s.name });
    },
  });
}
