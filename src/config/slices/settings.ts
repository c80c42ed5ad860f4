/** `settings`: agent-wide settings (Botkube's keys plus Switchboard's command limits). */
import { z } from 'zod';
import type { Duration } from '../../core/duration.js';
import type { LogLevel } from '../../log/logger.js';
import {
  duration,
  flag,
  ignored,
  integer,
  listenAddress,
  port,
  secret,
  text,
} from '../../platforms/slice-kit.js';
import { HaSettings } from './ha.js';

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

/**
 * Reports, on `maxBackoff`, a backoff whose longest wait is below its first one: the wait could
 * never grow, and the doubling would silently be capped below the configured start.
 */
function refineBackoffBounds(
  backoff: { initialBackoff: Duration; maxBackoff: Duration },
  ctx: z.RefinementCtx,
): void {
  if (backoff.maxBackoff.ms < backoff.initialBackoff.ms) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxBackoff'],
      message: `must be at least initialBackoff (${backoff.initialBackoff.toString()})`,
    });
  }
}

/** A JetStream stream, consumer or subject-token name: no dots, wildcards, spaces or path separators. */
const natsName = (what: string) =>
  text.pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a valid ${what}; expected 1 to 64 letters, digits, "_" or "-"`,
    }),
  );

/** A NATS server URL: `nats://`, `tls://` (or no scheme) with a host and optional port. */
const natsServer = text.pipe(
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value.includes('://') ? value : `nats://${value}`);
        return ['nats:', 'tls:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length <= 1;
      } catch {
        return false;
      }
    },
    {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a NATS server; expected nats://host:port or tls://host:port`,
    },
  ),
);

/** `settings.delivery.store.jetstream`: where and how to reach the JetStream store. */
export const JetStreamSettings = z
  .strictObject({
    servers: z
      .array(natsServer, { error: 'expected a list of NATS server URLs' })
      .min(1, { error: 'expected at least one NATS server URL' })
      .prefault(['nats://127.0.0.1:4222'])
      .meta({
        description: 'NATS servers to connect to (any one of a cluster is enough; the others are learned).',
      }),
    stream: natsName('stream name').prefault('SWITCHBOARD_DELIVERY').meta({
      description:
        'The work-queue stream holding queued messages; created when missing. Posted dedup keys go to `<stream>_POSTED`. Several agents may share it, each with its own `consumer`.',
    }),
    subject: z
      .string({ error: 'expected a subject prefix' })
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a subject prefix; expected dot-separated tokens of letters, digits, "_" or "-" (no wildcards)`,
      })
      .prefault('switchboard.delivery')
      .meta({
        description:
          'Subject prefix: messages go to `<subject>.items.<consumer>`, posted keys to `<subject>.posted.<consumer>.*`.',
      }),
    consumer: natsName('consumer name').optional().meta({
      description:
        "This agent's durable consumer, which names its queue in the stream. Defaults to `agent-<key>`, the key being derived from the config file paths like the SQLite file name; set it when the agent may run from another path (a new pod). One running agent per name.",
    }),
    replicas: integer({ min: 1, max: 5 }).prefault(1).meta({
      description: 'Replicas of the streams when they are created (a clustered JetStream; 3 for production).',
    }),
    user: text.prefault('').meta({ description: 'User name, with `password`.' }),
    password: secret.prefault('').meta({ description: 'Password of `user`.' }),
    token: secret.prefault('').meta({ description: 'Authentication token (instead of `user`/`password`).' }),
    credentials: secret.prefault('').meta({
      description:
        'Content of a NATS `.creds` file (JWT and NKey seed), usually `{fromFile: /path/user.creds}` (instead of `user` or `token`).',
    }),
    tls: z
      .strictObject({
        enabled: flag
          .prefault(false)
          .meta({ description: 'Require TLS (also implied by a `tls://` server).' }),
        caFile: text.prefault('').meta({ description: 'CA bundle that signs the server certificate.' }),
        certFile: text.prefault('').meta({ description: 'Client certificate, for mutual TLS.' }),
        keyFile: text.prefault('').meta({ description: 'Key of `certFile`.' }),
      })
      .prefault({})
      .meta({ description: 'TLS to the NATS servers.' }),
  })
  .superRefine((js, ctx) => {
    const ways = [
      js.user !== '' && 'user',
      !js.token.isEmpty() && 'token',
      !js.credentials.isEmpty() && 'credentials',
    ].filter((w): w is string => typeof w === 'string');
    if (ways.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [ways[1] as string],
        message: `set one of user/password, token or credentials, not ${ways.join(' and ')}`,
      });
    if (!js.password.isEmpty() && js.user === '')
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'password is set but user is empty' });
    if ((js.tls.certFile === '') !== (js.tls.keyFile === ''))
      ctx.addIssue({
        code: 'custom',
        path: ['tls', js.tls.certFile === '' ? 'certFile' : 'keyFile'],
        message: 'certFile and keyFile go together',
      });
  });

/** `settings.delivery`: tunables of the outbound delivery pipeline (Switchboard). */
export const DeliverySettings = z
  .strictObject({
    queueLimit: z
      .strictObject({
        perChannel: integer({ min: 10, max: 1_000_000 }).prefault(10_000).meta({
          description:
            'Events waiting for one channel (or sink). Past it, an event is only counted: the next digest reports how many were dropped, as do the logs and `switchboard_delivery_overflow_total`. Replies are never dropped.',
        }),
        total: integer({ min: 10, max: 10_000_000 }).prefault(100_000).meta({
          description: 'Events waiting across all channels and sinks; the same overflow rule applies.',
        }),
      })
      .prefault({})
      .meta({ description: 'Bounds on queued events, so an event storm cannot exhaust memory.' }),
    groupWait: duration().prefault('250ms').meta({
      description:
        'How long a new event is held before it is sent, so that a burst (or the same event arriving through another source group) goes out as one message, with its sources merged. Replies never wait.',
    }),
    sinkConcurrency: integer({ min: 1, max: 1000 }).prefault(16).meta({
      description:
        'Events in flight at once per sink (chat channels always send one message at a time, in order). Above 1, a receiver may see neighbouring events swapped; 1 keeps strict order.',
    }),
    dedupWindow: duration().prefault('30s').meta({
      description:
        'The same event reaching one channel or sink again (for example through two source groups) within this time is posted once; while the first copy still waits (see `groupWait`), the sources of both are merged into it. `0s` turns it off.',
    }),
    retry: z
      .strictObject({
        initialBackoff: duration({ min: 1 }).prefault('500ms').meta({
          description: 'Wait before the first retry of a failed delivery; doubled (with jitter) per attempt.',
        }),
        maxBackoff: duration({ min: 1 }).prefault('10s').meta({
          description:
            'Longest wait between two tries; also bounds how long delivery resumes after a destination is back.',
        }),
        giveUpAfter: duration({ min: 1000 }).prefault('1h').meta({
          description:
            'A message still failing after this long is dropped and logged. Rate limits (HTTP 429) never count: those messages wait as long as the platform says.',
        }),
      })
      .prefault({})
      .superRefine(refineBackoffBounds)
      .meta({
        description:
          'Retries of deliveries that failed for a transient reason (platform down, timeout, 5xx).',
      }),
    drainTimeout: duration().prefault('10s').meta({
      description:
        'On shutdown or reload, how long to keep delivering what is queued; what is left is logged with its counts (and, with the `sqlite` store, delivered after the next start).',
    }),
    store: z
      .strictObject({
        type: z
          .enum(['sqlite', 'jetstream', 'memory'], { error: 'expected "sqlite", "jetstream" or "memory"' })
          .prefault('sqlite')
          .meta({
            description:
              '`sqlite`: every accepted event and answer is written to `delivery-queue-<key>.sqlite` in the state directory before it is acknowledged, and removed once its destination confirmed it, so a restart (even `kill -9`) delivers what was left; events wait there instead of being dropped at `queueLimit`. `jetstream`: the same, kept in a NATS JetStream stream (see `jetstream`). `memory`: queues live in memory only, bounded by `queueLimit`, and are lost on restart.',
          }),
        synchronous: z
          .enum(['normal', 'full'], { error: 'expected "normal" or "full"' })
          .prefault('normal')
          .meta({
            description:
              'When SQLite waits for the disk. `normal` (WAL mode): a commit survives a crash or `kill -9` of the agent; an operating-system crash or power loss may lose the last commits (never corrupts the file). `full`: every commit is flushed to disk before it returns; survives power loss, slower.',
          }),
        maxSizeMiB: integer({ min: 1, max: 1_048_576 }).prefault(256).meta({
          description:
            'Size cap of the queued messages in the file, in MiB (messages are also kept in memory while queued). At the cap the oldest events are dropped first (replies never), each one counted in `switchboard_delivery_store_dropped_total`, in `/status` and in the next digest, and logged.',
        }),
        jetstream: JetStreamSettings.prefault({}).meta({
          description: 'The NATS JetStream store, used when `type` is `jetstream` (see docs/delivery.md).',
        }),
      })
      .prefault({})
      .meta({ description: 'Where queued messages are kept until delivered (Switchboard).' }),
  })
  .prefault({})
  .meta({
    description: 'Outbound delivery: per-channel queues, pacing, digests, dedup and retries (Switchboard).',
  });
export type DeliverySettings = z.infer<typeof DeliverySettings>;

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
    healthAddress: listenAddress.prefault('127.0.0.1').meta({
      description:
        'Address the health server listens on (Switchboard): loopback unless set; `0.0.0.0` (or `::`) for probes from other hosts, as in a Kubernetes pod.',
    }),
    healthPort: port.prefault(2114).meta({
      description:
        'Port of the HTTP server with `/healthz`, `/readyz`, `/status` (and `/metrics` when `metricsAddress` and `metricsPort` are the same).',
    }),
    metricsAddress: listenAddress.prefault('127.0.0.1').meta({
      description:
        'Address serving `/metrics` (Switchboard): loopback unless set; `0.0.0.0` (or `::`) for a Prometheus on another host.',
    }),
    metricsPort: port.prefault(2112).meta({
      description:
        'Port serving `/metrics` (Prometheus). Set it (and `metricsAddress`) equal to `healthPort` for a single listener.',
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
          description:
            'Longest a chat command (or an action’s command, or `<plugin> help`) may run, streamed output included; then it is cancelled and the reply names this setting. It is the only limit on commands: `plugins.runtime.callDeadline` does not apply to them.',
        }),
        concurrencyPerChannel: integer({ min: 1, max: 100 }).prefault(2).meta({
          description:
            'Commands running at once in one channel; a further one is refused with a reply asking to wait.',
        }),
      })
      .prefault({})
      .meta({ description: 'Limits for chat commands (Switchboard).' }),
    delivery: DeliverySettings,
    ha: HaSettings,
    upgradeNotifier: ignored('Switchboard does not check for releases.'),
    strictStart: flag.prefault(false).meta({
      description:
        'Fail start (exit code 1, every reason listed) when any repository, plugin or platform cannot start, or an enabled platform is not supported. Off: the agent starts with what works, reports the rest in `/status` and retries it (see `startRetry`). `switchboard start --strict` sets it.',
    }),
    startRetry: z
      .strictObject({
        initialBackoff: duration({ min: 100 }).prefault('5s').meta({
          description: 'Wait before the first retry of a repository or platform that could not start.',
        }),
        maxBackoff: duration({ min: 100 }).prefault('5m').meta({
          description: 'Longest wait between two retries; the wait doubles (with jitter) up to it.',
        }),
      })
      .prefault({})
      .superRefine(refineBackoffBounds)
      .meta({
        description:
          'Retries of the repositories and platforms that could not start (degraded start). Plugin processes have their own restart policy (`plugins.restartPolicy`).',
      }),
    configWatcher: ignored(
      'Botkube 0.x switch for reloading; Botkube 1.x ignores it too. Reloading is set by the top-level `configWatcher`.',
    ),
    systemConfigMap: ignored('Switchboard keeps no system ConfigMap.'),
    lifecycleServer: ignored('Switchboard has no lifecycle server; reloads happen in-process.'),
    informersResyncPeriod: ignored('Kubernetes informers live in the kubernetes source plugin.'),
  })
  .superRefine((settings, ctx) => {
    if (settings.ha.enabled && settings.delivery.store.type !== 'jetstream')
      ctx.addIssue({
        code: 'custom',
        path: ['ha', 'enabled'],
        message: `needs settings.delivery.store.type: jetstream (it is "${settings.delivery.store.type}"): the replicas share the delivery queue, runtime state and dedup keys through NATS JetStream, so a new leader delivers what the old one accepted`,
      });
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
