import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import type { Bot } from '../bots/bot.js';
import { createBuiltinResponder } from '../bridge/executor/builtins.js';
import { createCommandHandler } from '../bridge/executor/command-handler.js';
import { createEventDispatcher } from '../bridge/source/event-dispatch.js';
import { wantsEnvelope, wrapInEnvelope } from '../bridge/source/http-envelope.js';
import { type RunningStream, startSourceStream } from '../bridge/source/source-streams.js';
import type { ConfigLocator } from '../config/locate.js';
import { pluginRuntime } from '../config/plugin-runtime.js';
import { redactConfig } from '../config/redact.js';
import type { Config } from '../config/schema.js';
import { type UsedPlugin, usedPlugins } from '../config/used-plugins.js';
import { type ConfigWatcher, watchConfig } from '../config/watch.js';
import type { Destination } from '../delivery/destination.js';
import { createDeliveryPipeline } from '../delivery/pipeline.js';
import { listenHttp } from '../http/listen.js';
import { createHttpServer, type HttpHandlers, type HttpRoutes } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { createMetrics, registerPlatformMetrics } from '../metrics/metrics.js';
import { createExecutorClient, type ExecutorClient } from '../plugins/host/executor-client.js';
import { createSourceClient, type SourceCallContext } from '../plugins/host/source-client.js';
import { PluginSupervisor } from '../plugins/host/supervisor.js';
import { repositoriesFromConfig } from '../plugins/repository/from-config.js';
import { installPlugins } from '../plugins/repository/index.js';
import type { InstalledPlugin } from '../plugins/repository/installer.js';
import { createActionRunner } from './actions.js';
import { withSourceBindingOverrides } from './binding-overrides.js';
import { changedListenerSettings, type PortOverrides, planListeners } from './listeners.js';
import { assertPluginConfigs } from './plugin-configs.js';
import { RuntimeState, runtimeStateFile } from './runtime-state.js';
import { buildTopology, type PlatformInstance } from './topology.js';

export interface AgentDeps {
  logger: Logger;
  version: string;
  /** Where runtime state (command-made changes) is kept. */
  stateDir: string;
  /** The config files the agent runs on: they key its runtime state file (default: `watch.files`). */
  configFiles?: readonly string[];
  /**
   * Makes the bot or sink of an enabled platform; undefined when this build has none for it.
   * `context` lets a platform show the agent's state (the console's status panel).
   */
  createPlatform(
    instance: PlatformInstance,
    context: PlatformContext,
  ): Bot | Destination | undefined | Promise<Bot | Destination | undefined>;
  /** Override the listen ports (tests use 0). */
  ports?: PortOverrides;
  /** From loadConfig: lets plugin config errors name their file and line. */
  locator?: ConfigLocator;
  /** Config files to watch: a valid change is applied without a restart, an invalid one is rejected. */
  watch?: { files: readonly string[]; env?: NodeJS.ProcessEnv };
}

/** What the agent offers the platforms it creates. */
export interface PlatformContext {
  /** The agent's live status (plugins, platforms, sources, delivery queues). */
  status(): AgentStatus;
  version: string;
}

export interface Agent {
  /** Installs and starts plugins, platforms, streams and the HTTP listeners. */
  start(): Promise<{ operationsUrl: string; metricsUrl: string; webhooksUrl?: string }>;
  stop(): Promise<void>;
  status(): AgentStatus;
  /**
   * Applies a new validated config without a restart: bindings, aliases, actions and
   * notifications at once; only the plugins, source streams and platforms that changed
   * are started or stopped. Returns what it did, and the settings that need a restart.
   */
  reload(next: Config, locator?: ConfigLocator): Promise<ReloadReport>;
}

export interface ReloadReport {
  pluginsStarted: string[];
  pluginsStopped: string[];
  streamsRestarted: number;
  platformsRestarted: string[];
  /** Changed settings that only take effect after a restart (listen ports). */
  needsRestart: string[];
}

export interface AgentStatus {
  ready: boolean;
  plugins: ReturnType<PluginSupervisor['status']>[];
  platforms: { id: string; state: string; reconnects?: number; lastError?: string }[];
  sources: { group: string; plugin: string; state: string; lastReason?: string }[];
  /** Messages waiting per destination channel in the delivery pipeline. */
  queues: { destinationId: string; channelId: string; pending: number }[];
}

const isBot = (d: Bot | Destination): d is Bot => typeof (d as Bot).start === 'function';

/** A sink's own status when it reports one (delivered and failed counts, last error). */
function sinkStatus(d: Destination): { id: string; state: string; lastError?: string } {
  const report = (d as { status?: () => { state: string; lastError?: string } }).status?.();
  return { id: d.id, ...report, state: report ? `sink ${report.state}` : 'sink' };
}

/** Bots disconnect; sinks flush their batches and close their connections. */
async function stopDestination(d: Bot | Destination | undefined): Promise<void> {
  const stoppable = d as { stop?: () => Promise<void> } | undefined;
  await stoppable?.stop?.();
}

/**
 * The composition root: builds everything from one validated config. Plugins
 * that are enabled and bound are installed (verified) and supervised; bots and
 * sinks come from `createPlatform`; commands go through the executor bridge,
 * events through the source bridge and actions; every message leaves through
 * one outbox.
 */
export function createAgent(initialConfig: Config, deps: AgentDeps): Agent {
  /** The config as loaded from files; `config` is it with runtime source-binding overrides applied. */
  let baseConfig = initialConfig;
  let config = initialConfig;
  const log = deps.logger.child({ component: 'agent' });
  const metrics = createMetrics();
  let topology = buildTopology(config);
  const supervisors = new Map<string, PluginSupervisor>();
  const destinations = new Map<string, Bot | Destination>();
  let streams: RunningStream[] = [];
  let watcher: ConfigWatcher | undefined;
  const servers: FastifyInstance[] = [];
  /** Source plugin keys whose payload schema asks for the request envelope. */
  const envelopeSources = new Set<string>();
  let state: RuntimeState | undefined;
  let ready = false;

  const supervisorFor = (kind: 'executor' | 'source', key: string) => supervisors.get(`${kind}:${key}`);
  /**
   * One client per executor supervisor: the client remembers, per plugin process, that a
   * Botkube plugin has no streaming RPC, so later commands skip the failed attempt.
   */
  const executorClients = new Map<PluginSupervisor, ExecutorClient>();
  const executorClient = (key: string): ExecutorClient | undefined => {
    const supervisor = supervisorFor('executor', key);
    if (!supervisor) return undefined;
    let client = executorClients.get(supervisor);
    if (!client) {
      client = createExecutorClient(supervisor, {
        defaultDeadlineMs: pluginRuntime(config, key).callDeadline.ms,
      });
      executorClients.set(supervisor, client);
    }
    return client;
  };
  const outbox = createDeliveryPipeline({
    destination: (id) => destinations.get(id),
    settings: config.settings.delivery,
    logger: deps.logger,
    metrics,
  });
  registerPlatformMetrics(metrics, () =>
    [...destinations.values()].filter(isBot).map((bot) => {
      const status = bot.status();
      return { id: bot.id, state: status.state, reconnects: status.reconnects };
    }),
  );
  const notificationsOn = (destinationId: string, channelId: string) => {
    const channel = topology.channel(destinationId, channelId);
    return state?.notifications(destinationId, channelId, channel?.notificationsConfigured ?? true) ?? true;
  };

  const builtins = createBuiltinResponder({
    version: deps.version,
    clusterName: () => config.settings.clusterName,
    channelExecutors: (channel) =>
      topology.executorEntries(channel.executorGroups).map((e) => {
        const status = supervisorFor('executor', e.key)?.status();
        return { group: e.group, key: e.key, name: e.name, ...(status ? { status } : {}) };
      }),
    channelSources: (channel) =>
      (topology.channel(channel.destinationId, channel.channelId)?.sourceGroups ?? []).flatMap((group) =>
        topology.sourceGroupEntries(group).map((e) => {
          const status = supervisorFor('source', e.key)?.status();
          return { group, key: e.key, ...(status ? { status } : {}) };
        }),
      ),
    actions: () =>
      Object.entries(config.actions).map(([name, a]) => ({
        name,
        displayName: a.displayName || name,
        enabled: state?.action(name, a.enabled) ?? a.enabled,
        command: a.command,
        sources: a.bindings.sources,
      })),
    aliases: () => topology.aliases,
    notificationsEnabled: (channel) => notificationsOn(channel.destinationId, channel.channelId),
    setNotifications: async (channel, enabled) =>
      state?.setNotifications(channel.destinationId, channel.channelId, enabled),
    setAction: async (name, enabled) => {
      if (!(name in config.actions)) return false;
      await state?.setAction(name, enabled);
      return true;
    },
    redactedConfigYaml: () => stringify(redactConfig(config)),
    plugins: () => [...supervisors.values()].map((s) => s.status()),
    platforms: () => [...destinations.values()].filter(isBot).map((b) => ({ id: b.id, status: b.status() })),
    sourceGroups: () =>
      Object.entries(config.sources).map(([name, group]) => ({ name, displayName: group.displayName })),
    setSourceBindings: async (channel, groups) => {
      const configured = buildTopology(baseConfig).channel(
        channel.destinationId,
        channel.channelId,
      )?.sourceGroups;
      const same = configured !== undefined && sameSet(configured, groups);
      await state?.setSourceBindings(channel.destinationId, channel.channelId, same ? undefined : groups);
      await reload(baseConfig);
    },
  });

  const handleCommand = createCommandHandler({
    topology: () => topology,
    executor: executorClient,
    builtins,
    outbox,
    capabilities: (id) =>
      destinations.get(id)?.capabilities ?? {
        edit: false,
        files: false,
        threads: false,
        interactive: false,
        maxMessageLength: 2000,
      },
    mention: (id) => {
      const d = destinations.get(id);
      return d && isBot(d) ? d.mentionPattern() : undefined;
    },
    deadlineMs: () => config.settings.commands.deadline.ms,
    maxConcurrentPerChannel: config.settings.commands.concurrencyPerChannel,
    logger: deps.logger,
    metrics,
  });

  const runActions = createActionRunner({
    actions: () =>
      Object.entries(config.actions)
        .filter(([name, a]) => state?.action(name, a.enabled) ?? a.enabled)
        .map(([name, a]) => ({
          name,
          displayName: a.displayName || name,
          command: a.command,
          sources: a.bindings.sources,
          executors: a.bindings.executors,
        })),
    topology: () => topology,
    executor: executorClient,
    outbox,
    deadlineMs: config.settings.commands.deadline.ms,
    logger: deps.logger,
    metrics,
  });

  const dispatch = createEventDispatcher({
    fanout: (group) => topology.fanout(group),
    notificationsEnabled: (address) => notificationsOn(address.destinationId, address.channelId),
    outbox,
    actions: (group, event) => runActions.run(group, event),
    logger: deps.logger,
    metrics,
  });

  const webhookBase = topology.incomingWebhookBaseUrl.replace(/\/sources\/v1$/, '');
  const sourceContext = (group: string, interactive = false): SourceCallContext => ({
    interactive,
    clusterName: config.settings.clusterName,
    sourceName: group,
    incomingWebhook: {
      baseUrl: webhookBase,
      fullUrlForSource: webhookBase ? `${webhookBase}/sources/v1/${group}` : '',
    },
  });

  const handlers: HttpHandlers = {
    ready: () => ready,
    status: () => status(),
    metrics: metrics.registry,
    webhook: (group) => {
      const entries = topology.sourceGroupEntries(group);
      if (entries.length === 0) return undefined;
      const auth = config.plugins.incomingWebhook.auth[group];
      return {
        auth: !auth
          ? { type: 'none' }
          : auth.type === 'bearer'
            ? { type: 'bearer', token: auth.token.reveal() }
            : { type: 'hmac', secret: auth.secret.reveal(), header: auth.header },
        handle: async (body, headers) => {
          for (const entry of entries) {
            const supervisor = supervisorFor('source', entry.key);
            if (!supervisor) throw new Error(`source plugin ${entry.key} is not running`);
            let event: Uint8Array;
            try {
              event = await createSourceClient(supervisor).handleExternalRequest({
                payload: envelopeSources.has(entry.key)
                  ? wrapInEnvelope(body, headers)
                  : new Uint8Array(body),
                config: entry.rawConfig,
                context: sourceContext(group),
              });
            } catch (err) {
              throw withHttpStatus(err);
            }
            dispatch(group, event);
          }
        },
      };
    },
  };

  function status(): AgentStatus {
    return {
      ready,
      plugins: [...supervisors.values()].map((s) => s.status()),
      platforms: [...destinations.values()].map((d) =>
        isBot(d) ? { id: d.id, ...d.status(), state: d.status().state } : sinkStatus(d),
      ),
      sources: streams.map((s) => ({
        group: s.spec.group,
        plugin: s.spec.pluginKey,
        state: s.state,
        ...(s.lastReason ? { lastReason: s.lastReason } : {}),
      })),
      queues: outbox.depths(),
    };
  }

  /** Installed (verified) plugins by `<type>:<key>`, with the schema their index entry publishes. */
  const installed = new Map<string, InstalledPlugin>();

  /** Installs what `used` needs and is not installed yet; no process starts. */
  async function ensureInstalled(used: readonly UsedPlugin[], cfg: Config): Promise<void> {
    const missing = used.filter((u) => !installed.has(`${u.kind}:${u.key}`));
    if (missing.length === 0) return;
    const result = await installPlugins({
      cacheDir: cfg.plugins.cacheDir,
      repositories: repositoriesFromConfig(cfg),
      plugins: missing.map((u) => ({ key: u.key, type: u.kind })),
      logger: deps.logger,
    });
    for (const plugin of result.plugins) installed.set(`${plugin.type}:${plugin.key}`, plugin);
  }

  /**
   * Installs the plugins `cfg` uses and checks every entry's config against its plugin's
   * published schema; throws (a ConfigError naming file, line and path) before anything runs.
   */
  async function preparePlugins(cfg: Config, locator?: ConfigLocator): Promise<UsedPlugin[]> {
    const used = usedPlugins(cfg);
    await ensureInstalled(used, cfg);
    assertPluginConfigs(cfg, used, [...installed.values()], locator);
    return used;
  }

  /** Starts a supervisor for each used plugin that has none; returns their names. */
  async function startPlugins(used: readonly UsedPlugin[]): Promise<string[]> {
    const missing = used
      .filter((u) => !supervisors.has(`${u.kind}:${u.key}`))
      .flatMap((u) => {
        const plugin = installed.get(`${u.kind}:${u.key}`);
        return plugin ? [plugin] : [];
      });
    if (missing.length === 0) return [];
    const policy = config.plugins.restartPolicy;
    const started: PluginSupervisor[] = [];
    for (const plugin of missing) {
      if (
        plugin.type === 'source' &&
        wantsEnvelope(plugin.entry.externalRequest?.payload?.jsonSchema?.value ?? undefined)
      ) {
        envelopeSources.add(plugin.key);
      }
      const runtime = pluginRuntime(config, plugin.key);
      const extra = Object.fromEntries(Object.entries(runtime.env.extra).map(([k, v]) => [k, v.reveal()]));
      const supervisor = new PluginSupervisor({
        launch: {
          name: plugin.key,
          binary: plugin.binary,
          dependencyDir: plugin.dependencyDir,
          autoMtls: runtime.autoMtls,
          startTimeoutMs: runtime.startTimeout.ms,
          envExtra: extra,
          logLevel: runtime.logLevel,
          logLimit: runtime.logLimit,
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
      supervisors.set(`${plugin.type}:${plugin.key}`, supervisor);
      started.push(supervisor);
    }
    await Promise.all(
      started.map((s) =>
        s
          .start()
          .catch((err: unknown) =>
            log.error({ plugin: s.name, err: (err as Error).message }, 'plugin failed to start; retrying'),
          ),
      ),
    );
    return started.map((s) => s.name);
  }

  async function startPlatform(instance: PlatformInstance): Promise<void> {
    const platform = await deps.createPlatform(instance, { status, version: deps.version });
    if (!platform) {
      log.error({ platform: instance.id }, 'this build has no implementation of the platform; it is skipped');
      return;
    }
    destinations.set(instance.id, platform);
    if (isBot(platform)) await platform.start((command) => void handleCommand(command));
  }

  const streamId = (group: string, key: string, rawConfig: Uint8Array) =>
    `${group}|${key}|${Buffer.from(rawConfig).toString('base64')}`;

  /** Starts the streams the topology wants that are not running; returns how many it started. */
  function startStreams(): number {
    const running = new Set(streams.map((s) => streamId(s.spec.group, s.spec.pluginKey, s.spec.config)));
    let count = 0;
    for (const entry of topology.sourceEntries()) {
      const supervisor = supervisorFor('source', entry.key);
      if (!supervisor || running.has(streamId(entry.group, entry.key, entry.rawConfig))) continue;
      streams.push(
        startSourceStream(
          {
            group: entry.group,
            pluginKey: entry.key,
            client: createSourceClient(supervisor),
            config: entry.rawConfig,
            context: sourceContext(entry.group),
          },
          dispatch,
          deps.logger,
        ),
      );
      count += 1;
    }
    return count;
  }

  const withOverrides = (loaded: Config): Config =>
    state ? withSourceBindingOverrides(loaded, (d, c) => state?.sourceBindings(d, c)) : loaded;

  /** Reloads one at a time: a file change and an `edit sourcebindings` never interleave. */
  let reloading: Promise<unknown> = Promise.resolve();
  function reload(nextBase: Config, locator?: ConfigLocator): Promise<ReloadReport> {
    const run = reloading.then(
      () => applyConfig(nextBase, locator),
      () => applyConfig(nextBase, locator),
    );
    reloading = run.catch(() => undefined);
    return run;
  }

  async function applyConfig(nextBase: Config, locator?: ConfigLocator): Promise<ReloadReport> {
    const next = withOverrides(nextBase);
    // Checked before anything changes: a config a plugin would refuse leaves the running one.
    const used = await preparePlugins(next, locator);
    baseConfig = nextBase;
    const previous = config;
    const previousTopology = topology;
    config = next;
    topology = buildTopology(next);
    const report: ReloadReport = {
      pluginsStarted: [],
      pluginsStopped: [],
      streamsRestarted: 0,
      platformsRestarted: [],
      needsRestart: [],
    };
    report.needsRestart.push(...changedListenerSettings(previous, next));

    // Streams no longer wanted (or whose config changed) stop first.
    const wanted = new Set(topology.sourceEntries().map((e) => streamId(e.group, e.key, e.rawConfig)));
    const keep: RunningStream[] = [];
    for (const stream of streams) {
      if (wanted.has(streamId(stream.spec.group, stream.spec.pluginKey, stream.spec.config)))
        keep.push(stream);
      else await stream.stop();
    }
    streams = keep;

    // Plugins: stop the ones nothing uses any more, start the new ones.
    const usedIds = new Set(used.map((u) => `${u.kind}:${u.key}`));
    for (const [id, supervisor] of [...supervisors]) {
      if (usedIds.has(id)) continue;
      await supervisor.stop();
      supervisors.delete(id);
      executorClients.delete(supervisor);
      installed.delete(id);
      report.pluginsStopped.push(supervisor.name);
    }
    report.pluginsStarted = await startPlugins(used);

    // Platforms whose settings changed restart; removed ones stop; new ones start.
    const before = new Map(previousTopology.platforms.map((p) => [p.id, JSON.stringify(p.settings)]));
    const after = new Map(topology.platforms.map((p) => [p.id, p]));
    for (const [id, settings] of before) {
      const now = after.get(id);
      if (now && JSON.stringify(now.settings) === settings) continue;
      await stopDestination(destinations.get(id));
      destinations.delete(id);
      if (now) report.platformsRestarted.push(id);
    }
    for (const [id, instance] of after) if (!destinations.has(id)) await startPlatform(instance);

    report.streamsRestarted = startStreams();
    log.info({ ...report }, 'configuration reloaded');
    return report;
  }

  return {
    async start() {
      state = await RuntimeState.load(
        runtimeStateFile(deps.stateDir, deps.configFiles ?? deps.watch?.files ?? []),
      );
      config = withOverrides(baseConfig);
      topology = buildTopology(config);
      await startPlugins(await preparePlugins(config, deps.locator));
      for (const instance of topology.platforms) await startPlatform(instance);
      startStreams();

      const urls: Partial<Record<HttpRoutes, string>> = {};
      for (const plan of planListeners(config, deps.ports)) {
        const server = createHttpServer({
          handlers,
          logger: deps.logger,
          routes: plan.routes,
          bodyLimit: config.plugins.incomingWebhook.bodyLimit,
        });
        servers.push(server);
        const url = await listenHttp(server, plan);
        for (const route of plan.routes) urls[route] = url;
        log.info({ url, routes: plan.routes }, 'listening');
      }
      const { health: operationsUrl = '', metrics: metricsUrl = '', webhooks: webhooksUrl } = urls;
      if (deps.watch) {
        watcher = watchConfig({
          files: deps.watch.files,
          ...(deps.watch.env ? { env: deps.watch.env } : {}),
          initial: config,
          onChange: async (next, _diff, _warnings, locator) => {
            await reload(next, locator);
          },
          onError: (err) =>
            log.error({ err: err.message }, 'configuration change rejected; the running configuration stays'),
        });
      }
      ready = true;
      log.info(
        { plugins: supervisors.size, platforms: destinations.size, streams: streams.length },
        'agent ready',
      );
      return { operationsUrl, metricsUrl, ...(webhooksUrl ? { webhooksUrl } : {}) };
    },
    async stop() {
      ready = false;
      watcher?.close();
      await Promise.all(servers.map((s) => s.close()));
      await Promise.all(streams.map((s) => s.stop()));
      // Queued actions run before the executors stop, and their answers join the queues drained below.
      const neverRan = await runActions.drain(config.settings.delivery.drainTimeout.ms);
      if (neverRan > 0) log.warn({ actions: neverRan }, 'stopped with action runs that never started');
      // What is queued goes out (within settings.delivery.drainTimeout) before bots disconnect.
      await outbox.close();
      for (const d of destinations.values()) await stopDestination(d);
      await Promise.all([...supervisors.values()].map((s) => s.stop()));
    },
    status,
    reload,
  };
}

/** A plugin refusing a webhook (UNAUTHENTICATED, INVALID_ARGUMENT) is the caller's fault: 401 or 400. */
function withHttpStatus(err: unknown): Error {
  const code = (err as { details?: { grpcCode?: number } }).details?.grpcCode;
  const error = err instanceof Error ? err : new Error(String(err));
  const statusCode = code === 16 ? 401 : code === 3 ? 400 : 500;
  const text = error.message.replace(/^plugin \S+: \S+ failed: /, '');
  return Object.assign(new Error(text, { cause: err }), { statusCode });
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
