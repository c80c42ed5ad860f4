/**
 * `plugins`: repositories, the plugin runtime (Botkube's keys plus Switchboard's per-plugin
 * start timeout, call deadline, AutoMTLS and environment) and incoming-webhook security.
 */
import { z } from 'zod';
import {
  duration,
  flag,
  ignored,
  integer,
  keyedBy,
  listenAddress,
  port,
  secret,
  text,
  textList,
} from '../../platforms/slice-kit.js';
import { logLevel } from './settings.js';

export const Repository = z.strictObject({
  url: text.pipe(z.string().min(1, { error: 'url must not be empty' })).meta({
    description: 'URL of the repository `index.yaml` (http(s) or a local path).',
  }),
  headers: z
    .record(z.string(), secret)
    .prefault({})
    .meta({
      ...keyedBy('<header>'),
      description: 'Request headers for the index and downloads (values are secrets).',
    }),
  publicKeys: textList.meta({
    description:
      'Public keys (PEM) the index signature must verify against; empty: signatures are not required.',
  }),
  allowMissingChecksums: flag
    .prefault(false)
    .meta({ description: 'Install entries that have no sha256 checksum (Botkube never checked them).' }),
  indexDeadline: duration({ min: 100 }).prefault('60s').meta({
    description:
      'Longest the whole fetch of the index (and its signature) may take, retries and redirects included; past it the fetch fails and a cached copy is used if there is one (Switchboard).',
  }),
  downloadDeadline: duration({ min: 100 }).prefault('5m').meta({
    description:
      'Longest the whole download of one plugin archive or dependency may take, retries and redirects included (Switchboard).',
  }),
  maxIndexBytes: integer({ min: 1024 }).prefault(33_554_432).meta({
    description:
      'Largest `index.yaml` accepted, in bytes (default 32 MiB); reading stops at the cap and nothing is cached (Switchboard).',
  }),
});
export type Repository = z.infer<typeof Repository>;

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'not an environment variable name' });

const logLimitFields = {
  linesPerSecond: integer({ min: 1 }).meta({
    description:
      'Lines per second of its stderr the plugin may put into the agent log (bursts of 2 s allowed).',
  }),
  bytesPerSecond: integer({ min: 1024 }).meta({
    description:
      'Bytes per second of its stderr the plugin may put into the agent log (bursts of 2 s allowed).',
  }),
};
const logLimitDescription =
  'How much of its own output (stderr, go-plugin stdio) a plugin may put into the agent log. Lines over the limit are dropped and counted: a warning every 10 s says how many, as do `/status` and `switchboard_plugin_log_dropped_lines_total`. The first `panic:` line and the stderr tail in crash reports are always kept.';

/** Runtime settings of plugin processes; `runtime` holds the defaults, `overrides` per-plugin values. */
const runtimeFields = {
  startTimeout: duration({ min: 100 }).meta({
    description: 'How long a plugin may take to print its handshake.',
  }),
  callDeadline: duration({ min: 100 }).meta({
    description:
      'Deadline of the calls the agent makes to the plugin on its own (metadata, incoming webhooks, source streams opening); it is cancelled after. Chat commands and actions are bounded by `settings.commands.deadline` instead.',
  }),
  autoMtls: flag.meta({ description: 'Mutual TLS between agent and plugin (go-plugin AutoMTLS).' }),
  logLevel: logLevel.optional().meta({
    description:
      "Lowest level of the plugin's own log lines kept in the agent log; default: `settings.log.level`.",
  }),
  env: z
    .strictObject({
      allow: z.array(envVarName).prefault([]).meta({
        description:
          "Agent environment variables passed through, on top of the built-in list (PATH, HOME, locale, TZ, proxies, CA files), e.g. `KUBERNETES_SERVICE_HOST` for in-cluster plugins; a per-plugin list adds to this one. Names that look like credentials (TOKEN, SECRET, PASSWORD, CREDENTIAL, API_KEY, PRIVATE, AUTH) and the agent's own `SWITCHBOARD_*`/`BOTKUBE_*` settings are never passed, even when listed, so the chat tokens stay in the agent; give a plugin a credential on purpose through `env.extra` (`{fromEnv: NAME}`).",
      }),
      extra: z
        .record(envVarName, secret)
        .prefault({})
        .meta({
          ...keyedBy('<VARIABLE>'),
          description: 'Variables set for the plugin (values are secrets).',
        }),
    })
    .meta({ description: 'Environment of the plugin process; nothing else is inherited.' }),
};

export const PluginRuntime = z
  .strictObject({
    startTimeout: runtimeFields.startTimeout.prefault('10s'),
    callDeadline: runtimeFields.callDeadline.prefault('30s'),
    autoMtls: runtimeFields.autoMtls.prefault(true),
    logLevel: runtimeFields.logLevel,
    logLimit: z
      .strictObject({
        linesPerSecond: logLimitFields.linesPerSecond.prefault(200),
        bytesPerSecond: logLimitFields.bytesPerSecond.prefault(65_536),
      })
      .prefault({})
      .meta({ description: logLimitDescription }),
    env: runtimeFields.env.prefault({}),
  })
  .prefault({})
  .meta({ description: 'Defaults for every plugin process (Switchboard).' });
export type PluginRuntime = z.infer<typeof PluginRuntime>;

export const PluginRuntimeOverride = z.strictObject({
  startTimeout: runtimeFields.startTimeout.optional(),
  callDeadline: runtimeFields.callDeadline.optional(),
  autoMtls: runtimeFields.autoMtls.optional(),
  logLevel: runtimeFields.logLevel,
  logLimit: z
    .strictObject({
      linesPerSecond: logLimitFields.linesPerSecond.optional(),
      bytesPerSecond: logLimitFields.bytesPerSecond.optional(),
    })
    .optional()
    .meta({ description: logLimitDescription }),
  env: runtimeFields.env.optional(),
});
export type PluginRuntimeOverride = z.infer<typeof PluginRuntimeOverride>;

export const WebhookAuth = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('bearer'),
      token: secret.meta({ description: 'Callers send `Authorization: Bearer <token>`.' }),
    }),
    z.strictObject({
      type: z.literal('hmac'),
      secret: secret.meta({ description: 'Key of the HMAC-SHA256 over the raw body.' }),
      header: text
        .prefault('X-Hub-Signature-256')
        .meta({ description: 'Header carrying the signature, as `sha256=<hex>` or bare hex.' }),
    }),
  ],
  { error: 'expected type "bearer" (with token) or "hmac" (with secret and header)' },
);
export type WebhookAuth = z.infer<typeof WebhookAuth>;

export const IncomingWebhook = z
  .strictObject({
    enabled: flag
      .prefault(true)
      .meta({ description: 'Serve `POST /sources/v1/<source group>` for source plugins.' }),
    address: listenAddress.prefault('127.0.0.1').meta({
      description:
        'Listen address (Switchboard): loopback unless set; `0.0.0.0` (or `::`) to take webhooks from other hosts, as in a Kubernetes pod.',
    }),
    port: port.prefault(2115).meta({ description: 'Listen port.' }),
    inClusterBaseURL: text.prefault('').meta({
      description:
        'Base URL through which plugins are told they can be reached, e.g. `http://switchboard.ns.svc.cluster.local`.',
    }),
    bodyLimit: integer({ min: 1024 })
      .prefault(1_048_576)
      .meta({ description: 'Largest accepted request body in bytes (Switchboard).' }),
    auth: z
      .record(z.string(), WebhookAuth)
      .prefault({})
      .meta({
        ...keyedBy('<source group>'),
        description:
          'Authentication per source group (Switchboard): a bearer token or an HMAC signature. Groups without an entry accept any caller, as Botkube did (a warning says so).',
      }),
    targetPort: ignored('a Kubernetes Service setting of the Botkube chart.'),
  })
  .prefault({});

const restartPolicyType = z
  .enum(['DeactivatePlugin', 'RestartAgent'], { error: 'expected "DeactivatePlugin" or "RestartAgent"' })
  .prefault('DeactivatePlugin')
  .meta({
    description:
      '`DeactivatePlugin`: stop restarting a crash-looping plugin; `RestartAgent`: exit so the pod restarts.',
  });

export const Plugins = z
  .strictObject({
    cacheDir: text
      .prefault('/tmp/switchboard/plugins')
      .meta({ description: 'Where downloaded plugins are kept.' }),
    repositories: z
      .record(
        z.string().regex(/^[^/@\s]+$/, { error: 'repository names contain no "/", "@" or blanks' }),
        Repository,
      )
      .prefault({})
      .meta({
        ...keyedBy('<repo>'),
        description: 'Plugin repositories, keyed by the `repo` part of plugin keys.',
      }),
    incomingWebhook: IncomingWebhook,
    restartPolicy: z
      .strictObject({
        type: restartPolicyType,
        threshold: integer({ min: 1 })
          .prefault(5)
          .meta({ description: 'Crashes within `window` after which the policy applies.' }),
        window: duration({ min: 1000 }).prefault('10m').meta({
          description: 'Crashes older than this are forgotten (Switchboard; Botkube counted forever).',
        }),
      })
      .prefault({}),
    healthCheckInterval: duration({ min: 1000 })
      .prefault('10s')
      .meta({ description: 'How often each plugin is pinged; a hung plugin is restarted.' }),
    runtime: PluginRuntime,
    overrides: z
      .record(
        z.string().regex(/^[^/@\s]+\/[^/@\s]+$/, { error: 'override keys are repo/name (no @version)' }),
        PluginRuntimeOverride,
      )
      .prefault({})
      .meta({
        ...keyedBy('<repo/name>'),
        description: 'Per-plugin runtime settings; unset fields use `runtime`.',
      }),
  })
  .prefault({});
export type Plugins = z.infer<typeof Plugins>;
