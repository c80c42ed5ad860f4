/** `settings`: agent-wide settings (Botkube's keys plus Switchboard's command limits). */
import { z } from 'zod';
import type { LogLevel } from '../../log/logger.js';
import { duration, flag, ignored, integer, port, text } from './common.js';

const levelAliases: Readonly<Record<string, LogLevel>> = { warning: 'warn', panic: 'fatal' };

/** Log levels: pino's, plus logrus' `warning` and `panic` that Botkube configs use. */
export const logLevel = z
  .enum(['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'silent'], {
    error: 'expected one of trace, debug, info, warn, error, fatal, silent',
  })
  .transform((level): LogLevel => levelAliases[level] ?? (level as LogLevel));

const persistentFile = (fileName: string, configMap: string) =>
  z
    .strictObject({
      fileName: text.prefault(fileName).meta({ description: 'File merged last (its name starts with `_`).' }),
      configMap: z
        .strictObject({
          name: text.prefault(configMap),
          namespace: text.optional(),
          annotations: z.record(z.string(), text).optional(),
        })
        .prefault({}),
    })
    .prefault({});

export const Settings = z
  .strictObject({
    clusterName: text.prefault('local').meta({
      description:
        'Cluster name: shown in message headers, matched by `--cluster-name`, used in kubeconfigs.',
    }),
    log: z
      .strictObject({
        level: logLevel.prefault('info').meta({ description: 'Agent log level.' }),
        formatter: z
          .enum(['text', 'json'], { error: 'expected "text" or "json"' })
          .prefault('text')
          .meta({ description: 'Log line format.' }),
        disableColors: flag.prefault(false).meta({ description: 'No ANSI colours in `text` logs.' }),
      })
      .prefault({}),
    healthPort: port.prefault(2114).meta({
      description:
        'Port of the HTTP server with `/healthz`, `/readyz`, `/status` (and `/metrics` when `metricsPort` is the same).',
    }),
    metricsPort: port.prefault(2112).meta({
      description:
        'Port serving `/metrics` (Prometheus). Set it equal to `healthPort` for a single listener.',
    }),
    persistentConfig: z
      .strictObject({
        startup: persistentFile('_startup_state.yaml', 'switchboard-startup-config'),
        runtime: persistentFile('_runtime_state.yaml', 'switchboard-runtime-config'),
      })
      .prefault({})
      .meta({
        description: 'Where command-made changes (notifications, source bindings, actions) are persisted.',
      }),
    kubeconfig: text.optional().meta({
      description:
        'Kubeconfig of the agent itself; plugin kubeconfigs are derived from it. Empty: in-cluster.',
    }),
    saCredentialsPathPrefix: text
      .optional()
      .meta({ description: 'Directory of the mounted service-account token, when not the default path.' }),
    commands: z
      .strictObject({
        deadline: duration({ min: 1000 }).prefault('5m').meta({
          description: 'Longest a chat command may run, streamed output included; then it is cancelled.',
        }),
        concurrencyPerChannel: integer({ min: 1, max: 100 })
          .prefault(2)
          .meta({ description: 'Commands running at once in one channel; further ones wait their turn.' }),
      })
      .prefault({})
      .meta({ description: 'Limits for chat commands (Switchboard).' }),
    upgradeNotifier: ignored('Switchboard does not check for releases.'),
    systemConfigMap: ignored('Switchboard keeps no system ConfigMap.'),
    lifecycleServer: ignored('Switchboard has no lifecycle server; reloads happen in-process.'),
    informersResyncPeriod: ignored('Kubernetes informers live in the kubernetes source plugin.'),
  })
  .prefault({});
export type Settings = z.infer<typeof Settings>;

export const Analytics = z
  .strictObject({
    disable: flag
      .prefault(true)
      .meta({ description: 'Accepted for Botkube compatibility; Switchboard collects no analytics.' }),
  })
  .prefault({});

export const ConfigWatcherSettings = z
  .strictObject({
    enabled: flag
      .prefault(true)
      .meta({ description: 'Reload the config files when they change, restarting only what changed.' }),
    debounce: duration().prefault('500ms').meta({
      description: 'Quiet time after the last file event before reloading (editors write in bursts).',
    }),
    remote: ignored('Botkube Cloud (remote config) has reached end of life.'),
    inCluster: ignored('Switchboard watches its files, not ConfigMaps, so the cluster is not watched.'),
    initialSyncTimeout: ignored('there is no watcher sidecar to wait for.'),
    tmpDir: ignored('there is no watcher sidecar.'),
    deployment: ignored('Switchboard reloads in-process instead of restarting the Deployment.'),
    image: ignored('there is no watcher sidecar image.'),
  })
  .prefault({});
