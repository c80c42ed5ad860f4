import type { FastifyInstance } from 'fastify';
import type { Bot, PlatformContext as BotPlatformContext } from '../bots/bot.js';
import { createBuiltinResponder } from '../bridge/executor/builtins.js';
import { createCommandHandler } from '../bridge/executor/command-handler.js';
import { createEventDispatcher } from '../bridge/source/event-dispatch.js';
import { createWebhookIntake } from '../bridge/source/webhook-intake.js';
import type { ConfigLocator } from '../config/locate.js';
import type { Config } from '../config/schema.js';
import type { UsedPlugin } from '../config/used-plugins.js';
import { type ConfigWatcher, watchConfig } from '../config/watch.js';
import type { Destination } from '../delivery/destination.js';
import { createDeliveryPipeline } from '../delivery/pipeline.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import { listenHttp } from '../http/listen.js';
import { createHttpServer, type HttpHandlers, type HttpRoutes } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { createMetrics, registerPlatformMetrics } from '../metrics/metrics.js';
import { PluginPidFiles, pidFilesDir } from '../plugins/host/pid-files.js';
import { createSourceClient } from '../plugins/host/source-client.js';
import { createActionRunner } from './actions.js';
import { type AgentStatus, createAgentStatus } from './agent-status.js';
import { withSourceBindingOverrides } from './binding-overrides.js';
import { type ConfigView, createBuiltinContext, notificationsOn } from './builtin-context.js';
import { openDeliveryStore } from './delivery-store.js';
import { changedListenerSettings, type PortOverrides, planListeners } from './listeners.js';
import { PlatformRunner } from './platform-runner.js';
import { stopSlot } from './platform-slot.js';
import { PluginInstalls } from './plugin-installs.js';
import { PluginProcesses } from './plugin-processes.js';
import { type ReloadReport, reconcile, SerialRunner } from './reload.js';
import { RetryBook } from './retry-book.js';
import { RuntimeState, runtimeStateFile } from './runtime-state.js';
import { sourceContextFor, webhookAuthFor } from './source-wiring.js';
import { forgetRemoved, strictReport } from './start-failures.js';
import { StreamSet } from './stream-set.js';
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
   * An instance of kind `bot` must get a {@link Bot}: the agent starts it without probing it.
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
  /** `start --strict`: overrides `settings.strictStart`. */
  strict?: boolean;
}

/** What the agent offers the platforms it creates, with its status typed. */
export interface PlatformContext extends BotPlatformContext {
  status(): AgentStatus;
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

export type { AgentStatus, PlatformStatus, PluginEntry, RepositoryStatus } from './agent-status.js';
export type { ReloadReport } from './reload.js';

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
  const pidFiles = new PluginPidFiles({
    dir: pidFilesDir(deps.stateDir, deps.configFiles ?? deps.watch?.files ?? []),
    logger: deps.logger,
  });
  let topology = buildTopology(config);
  let watcher: ConfigWatcher | undefined;
  const servers: FastifyInstance[] = [];
  let state: RuntimeState | undefined;
  let startFinished = false;
  let stopped = false;
  const strict = () => deps.strict ?? config.settings.strictStart;
  /** The plugins the current config uses (installed or not). */
  let used: UsedPlugin[] = [];
  /** Plugins whose first launch failed during this start, for `--strict`. */
  const launchFailures: string[] = [];
  /** Reloads and due retries run one at a time (start holds them until it is done). */
  const serial = new SerialRunner();
  /**
   * Repositories (`repo:<name>`), plugins (`plugin:<kind>:<key>`) and platforms (`platform:<id>`)
   * that could not start, retried with backoff; a retry runs in turn with reloads.
   */
  const retries = new RetryBook({
    policy: () => ({
      initialDelayMs: config.settings.startRetry.initialBackoff.ms,
      maxDelayMs: config.settings.startRetry.maxBackoff.ms,
      multiplier: 2,
      jitter: 0.2,
    }),
    onRetry: (key) => {
      serial
        .run(() => retryPart(key))
        .catch((err: unknown) =>
          log.error({ part: key, err: (err as Error).message }, 'retry failed unexpectedly'),
        );
    },
  });

  const runner = new PlatformRunner({
    create: (instance) => deps.createPlatform(instance, { status, version: deps.version }),
    onCommand: (command) => void handleCommand(command),
    retries,
    log,
  });
  const platforms = runner.slots;
  /** Installed (verified) plugins; what cannot be installed is retried through `retries`. */
  const installed = new PluginInstalls({ retries, log, logger: deps.logger });
  const plugins = new PluginProcesses({
    config: () => config,
    installed,
    pidFiles,
    metrics,
    logger: deps.logger,
    log,
    onLaunchFailure: (line) => {
      if (!startFinished) launchFailures.push(line);
    },
  });
  const supervisors = plugins.supervisors;
  const supervisorFor = (kind: 'executor' | 'source', key: string) => plugins.supervisor(kind, key);
  const executorClient = (key: string) => plugins.executorClient(key);
  const outbox = createDeliveryPipeline({
    destination: (id) => platforms.get(id)?.destination,
    settings: config.settings.delivery,
    logger: deps.logger,
    metrics,
    ...openDeliveryStore({
      settings: config.settings.delivery,
      stateDir: deps.stateDir,
      configFiles: deps.configFiles ?? deps.watch?.files ?? [],
      logger: deps.logger,
    }),
  });
  registerPlatformMetrics(metrics, () =>
    [...platforms.values()].flatMap((slot) => {
      if (slot.role !== 'bot') return [];
      const status = slot.destination.status();
      return [{ id: slot.destination.id, state: status.state, reconnects: status.reconnects }];
    }),
  );
  const view: ConfigView = {
    config: () => config,
    baseConfig: () => baseConfig,
    topology: () => topology,
    state: () => state,
  };
  const builtins = createBuiltinResponder(
    createBuiltinContext({
      version: deps.version,
      view,
      running: {
        supervisor: supervisorFor,
        supervisors: () => supervisors.values(),
        platforms: () => platforms,
        retries,
      },
      reload: (base) => reload(base),
    }),
  );

  const handleCommand = createCommandHandler({
    topology: () => topology,
    executor: executorClient,
    builtins,
    outbox,
    capabilities: (id) =>
      platforms.get(id)?.destination.capabilities ?? {
        edit: false,
        files: false,
        threads: false,
        interactive: false,
        maxMessageLength: 2000,
      },
    mention: (id) => {
      const slot = platforms.get(id);
      return slot?.role === 'bot' ? slot.destination.mentionPattern() : undefined;
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

  const channelNotifications = notificationsOn(view);
  const dispatch = createEventDispatcher({
    fanout: (group) => topology.fanout(group),
    notificationsEnabled: (address) => channelNotifications(address.destinationId, address.channelId),
    outbox,
    actions: (group, event) => runActions.run(group, event),
    logger: deps.logger,
    metrics,
  });

  const sourceContext = sourceContextFor(topology.incomingWebhookBaseUrl, () => config.settings.clusterName);

  const streams = new StreamSet({
    supervisor: (key) => supervisorFor('source', key),
    context: (group) => sourceContext(group),
    onEvent: dispatch,
    logger: deps.logger,
  });
  const startStreams = () => streams.startWanted(topology.sourceEntries());

  const handlers: HttpHandlers = {
    ready: () => agentStatus.isReady(),
    status: () => status(),
    metrics: metrics.registry,
    webhook: createWebhookIntake({
      entries: (group) => topology.sourceGroupEntries(group),
      auth: (group) => webhookAuthFor(config, group),
      sourceClient: (key) => {
        const supervisor = supervisorFor('source', key);
        return supervisor ? createSourceClient(supervisor) : undefined;
      },
      wantsEnvelope: (key) => plugins.wantsEnvelope(key),
      context: (group) => sourceContext(group),
      dispatch: (group, event) => dispatch(group, event),
    }),
  };

  const agentStatus = createAgentStatus({
    lifecycle: () => ({ startFinished, stopped }),
    used: () => used,
    installed: (id) => installed.has(id),
    retries,
    supervisors: () => supervisors.values(),
    platforms: () => platforms,
    unsupported: () => runner.unsupported,
    streams: () => streams.list(),
    queues: () => outbox.depths(),
    deliveryStore: () => outbox.storeStatus(),
  });
  const status = (): AgentStatus => agentStatus.status();

  /** A due retry of a repository, plugin or platform that could not start. */
  async function retryPart(key: string): Promise<void> {
    if (stopped) return;
    if (key.startsWith('platform:')) {
      const id = key.slice('platform:'.length);
      const instance = topology.platforms.find((p) => p.id === id);
      if (!instance) {
        retries.succeeded(key);
        return;
      }
      const previous = platforms.get(id);
      if (previous && previous.role !== 'stand-in') return;
      await runner.start(instance);
      // The agent may have stopped while the platform connected: it must not stay connected.
      if (stopped) await stopSlot(platforms.get(id)).catch(() => undefined);
      else if (!retries.get(key)) log.info({ platform: id }, 'platform started after a retry');
      return;
    }
    const wanted = installed.waitingOn(key, used);
    if (wanted.length === 0) {
      retries.succeeded(key);
      return;
    }
    const accepted = installed.acceptLate(await installed.ensure(wanted, config), config, used, deps.locator);
    if (accepted.length === 0 || stopped) return;
    const pluginsStarted = await plugins.startMissing(used);
    const streamsStarted = startStreams();
    log.info(
      { part: key, plugins: pluginsStarted, streams: streamsStarted },
      'installed after a retry; started',
    );
  }

  const withOverrides = (loaded: Config): Config =>
    state ? withSourceBindingOverrides(loaded, (d, c) => state?.sourceBindings(d, c)) : loaded;

  function reload(nextBase: Config, locator?: ConfigLocator): Promise<ReloadReport> {
    return serial.run(() => applyConfig(nextBase, locator));
  }

  async function applyConfig(nextBase: Config, locator?: ConfigLocator): Promise<ReloadReport> {
    const next = withOverrides(nextBase);
    // Checked before anything changes: a config a plugin would refuse leaves the running one.
    const nextUsed = await installed.prepare(next, locator);
    baseConfig = nextBase;
    const previous = config;
    const previousTopology = topology;
    config = next;
    topology = buildTopology(next);
    used = nextUsed;
    runner.noteUnsupported(
      next,
      topology.platforms.map((p) => p.id),
    );
    forgetRemoved(retries, {
      used,
      installed: (id) => installed.has(id),
      platformIds: topology.platforms.map((p) => p.id),
    });
    const needsRestart = changedListenerSettings(previous, next);
    runner.keepUnsupported(topology.platforms.map((p) => p.id));
    const changes = await reconcile(
      previousTopology,
      { topology, used },
      {
        streams: () => streams.list(),
        keepStreams: (kept) => streams.replace(kept),
        supervisors: () => supervisors,
        stopPlugin: (id, supervisor) => plugins.stop(id, supervisor),
        startPlugins: (wanted) => plugins.startMissing(wanted),
        hasPlatform: (id) => platforms.has(id),
        stopPlatform: (id) => runner.stop(id),
        startPlatform: (instance) => runner.start(instance),
        startStreams,
      },
    );
    const report: ReloadReport = {
      pluginsStarted: changes.pluginsStarted,
      pluginsStopped: changes.pluginsStopped,
      streamsRestarted: changes.streamsRestarted,
      platformsRestarted: changes.platformsRestarted,
      needsRestart,
    };
    log.info({ ...report }, 'configuration reloaded');
    return report;
  }

  return {
    async start() {
      // Plugins a previous run of this agent left when it was killed (SIGKILL, OOM) go first.
      await pidFiles.reapOrphans();
      state = await RuntimeState.load(
        runtimeStateFile(deps.stateDir, deps.configFiles ?? deps.watch?.files ?? []),
      );
      config = withOverrides(baseConfig);
      topology = buildTopology(config);
      // Listeners come first: a taken port fails at once instead of after every plugin is
      // installed, and /healthz answers while a slow repository holds the rest of start (a
      // liveness probe would otherwise restart the agent forever); /readyz says 503 until ready.
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
      }
      // Retries that fall due while the rest starts wait for it (they queue like reloads).
      const starting = (async () => {
        used = await installed.prepare(config, deps.locator);
        await plugins.startMissing(used);
        runner.noteUnsupported(
          config,
          topology.platforms.map((p) => p.id),
        );
        for (const instance of topology.platforms) await runner.start(instance);
        outbox.resume();
        startStreams();
      })();
      serial.hold(starting);
      await starting;
      const failures = strict() ? strictReport(retries, launchFailures, runner.unsupported) : undefined;
      if (failures) {
        throw new SwitchboardError(
          'SB_ERR_START_STRICT',
          `strict start: not everything could start (without --strict or settings.strictStart the agent starts with what works and retries the rest):\n${failures}`,
        );
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
        // Ready means edits are watched: a change saved right after start is not missed.
        await watcher.ready;
      }
      startFinished = true;
      const problems = status().problems;
      log.info(
        { plugins: supervisors.size, platforms: platforms.size, streams: streams.list().length },
        'agent ready',
      );
      if (problems.length > 0) {
        log.warn(
          { problems: problems.map((p) => `${p.kind} ${p.id}: ${p.state}`) },
          'agent started degraded: see /status or `switchboard status`',
        );
      }
      return { operationsUrl, metricsUrl, ...(webhooksUrl ? { webhooksUrl } : {}) };
    },
    async stop() {
      stopped = true;
      retries.clear();
      watcher?.close();
      await Promise.all(servers.map((s) => s.close()));
      await streams.stopAll();
      // Queued actions run before the executors stop, and their answers join the queues drained below.
      const neverRan = await runActions.drain(config.settings.delivery.drainTimeout.ms);
      if (neverRan > 0) log.warn({ actions: neverRan }, 'stopped with action runs that never started');
      // What is queued goes out (within settings.delivery.drainTimeout) before bots disconnect.
      await outbox.close();
      for (const slot of platforms.values()) await stopSlot(slot);
      await plugins.stopAll();
      await pidFiles.settled();
    },
    status,
    reload,
  };
}
