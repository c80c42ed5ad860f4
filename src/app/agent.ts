import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import type { ConfigWatcher } from '../config/watch.js';
import type { HttpHandlers } from '../http/server.js';
import { PluginKubeAccess } from '../kube/plugin-kube-access.js';
import { createMetrics, registerPlatformMetrics } from '../metrics/metrics.js';
import { PluginPidFiles, pidFilesDir } from '../plugins/host/pid-files.js';
import { repositoriesFromConfig } from '../plugins/repository/from-config.js';
import { type InstalledPlugin, refreshIndexes } from '../plugins/repository/index.js';
import type { Agent, AgentDeps } from './agent-api.js';
import { assertStrictStart, logReady, openListeners, startParts, watchConfigFiles } from './agent-start.js';
import { type AgentStatus, createAgentStatus } from './agent-status.js';
import { createCommandPath } from './command-path.js';
import { DeferredChecks } from './deferred-checks.js';
import { createAgentOutbox, deploymentConsumer } from './delivery-store.js';
import { createEventPath } from './event-path.js';
import type { HaTerms } from './ha-terms.js';
import type { Leadership } from './leadership.js';
import { LiveConfig } from './live-config.js';
import { createPartRetry, createStartRetries } from './part-retry.js';
import { PlatformRunner } from './platform-runner.js';
import { botConnections, capabilitiesOf, stopSlot } from './platform-slot.js';
import { PluginInstalls } from './plugin-installs.js';
import { PluginProcesses } from './plugin-processes.js';
import { createReloader, reloadTargetOf, SerialRunner } from './reload.js';
import { runtimeStateFile } from './runtime-state.js';
import { createFileCursorStore, sourceCursorsFile } from './source-cursors.js';
import { createKvCursorStore } from './source-cursors-kv.js';
import { createTermOutbox, type TermOutbox } from './term-outbox.js';
import { forwardingWebhooks, webhookSubject } from './webhook-forward.js';

export type { Agent, AgentDeps } from './agent-api.js';
export type {
  AgentStatus,
  PlatformContext,
  PlatformStatus,
  PluginEntry,
  RepositoryStatus,
} from './agent-status.js';
export type { ReloadReport } from './reload.js';

/**
 * The composition root: builds everything from one validated config. Plugins
 * that are enabled and bound are installed (verified) and supervised; bots and
 * sinks come from `createPlatform`; commands go through the executor bridge,
 * events through the source bridge and actions; every message leaves through
 * one outbox.
 */
export function createAgent(initialConfig: Config, deps: AgentDeps): Agent {
  const live = new LiveConfig(initialConfig);
  const config = () => live.config();
  const log = deps.logger.child({ component: 'agent' });
  const metrics = createMetrics();
  const configFiles = deps.configFiles ?? deps.watch?.files ?? [];
  const pidFiles = new PluginPidFiles({ dir: pidFilesDir(deps.stateDir, configFiles), logger: deps.logger });
  const servers: FastifyInstance[] = [];
  let watcher: ConfigWatcher | undefined;
  let startFinished = false;
  let stopped = false;
  /** Plugins whose first launch failed during this start, for `--strict`. */
  const launchFailures: string[] = [];
  /** Reloads and due retries run one at a time (start holds them until it is done). */
  const serial = new SerialRunner();
  const retries = createStartRetries({ live, serial, retry: (key) => retryPart(key), log });

  const haEnabled = initialConfig.settings.ha.enabled;
  /** Sources, chat connections and delivery run here: always without HA, on the leader with it. */
  const leading = () => !haEnabled || leadership?.role === 'leader';
  const runner = new PlatformRunner({
    active: leading,
    create: (instance) => deps.createPlatform(instance, { status, version: deps.version }),
    onCommand: (command) => void handleCommand(command),
    retries,
    log,
  });
  const platforms = runner.slots;
  const deferred = new DeferredChecks({
    refreshIndexes: async (repos) => {
      const cfg = config();
      const failures = await refreshIndexes(
        { cacheDir: cfg.plugins.cacheDir, repositories: repositoriesFromConfig(cfg), logger: deps.logger },
        repos,
      );
      for (const { repo, error } of failures) {
        log.warn({ repository: repo, err: error.message }, 'plugin index not refreshed after start');
      }
    },
    onTampered: (plugin, problem) => serial.run(() => stopTampered(plugin, problem)),
    delayMs: 1000,
    log,
  });
  const installed = new PluginInstalls({ retries, log, logger: deps.logger, deferred });
  const plugins = new PluginProcesses({
    config,
    installed,
    pidFiles,
    metrics,
    logger: deps.logger,
    log,
    onLaunchFailure: (line) => {
      if (!startFinished) launchFailures.push(line);
    },
  });
  const openOutbox = () =>
    createAgentOutbox({
      destination: (id) => platforms.get(id)?.destination,
      settings: initialConfig.settings.delivery,
      ha: initialConfig.settings.ha,
      stateDir: deps.stateDir,
      configFiles,
      logger: deps.logger,
      metrics,
    });
  const termOutbox: TermOutbox | undefined = haEnabled
    ? createTermOutbox(openOutbox, deps.logger)
    : undefined;
  const outbox = termOutbox ?? openOutbox();
  registerPlatformMetrics(metrics, botConnections(platforms));
  const kube = new PluginKubeAccess({
    logger: deps.logger.child({ component: 'kube-access' }),
    env: deps.watch?.env ?? process.env,
  });
  const handleCommand = createCommandPath({
    version: deps.version,
    live,
    plugins,
    platforms,
    retries,
    outbox,
    reload: (base) => reload(base),
    kube,
    logger: deps.logger,
    metrics,
  });
  const consumer = deploymentConsumer(initialConfig, configFiles);
  // Where source streams resume from after a restart; with HA, shared so a new leader resumes
  // where the last one stopped.
  const cursors = haEnabled
    ? createKvCursorStore({
        connection: () => (leadership as Leadership).nats(),
        bucket: 'switchboard-cursors',
        prefix: consumer,
        replicas: initialConfig.settings.delivery.store.jetstream.replicas,
        logger: deps.logger,
      })
    : createFileCursorStore({ path: sourceCursorsFile(deps.stateDir, configFiles), logger: deps.logger });
  const {
    streams,
    startStreams: startWantedStreams,
    actions,
    webhook,
    loadCursors,
  } = createEventPath({
    live,
    plugins,
    outbox,
    capabilities: capabilitiesOf(platforms),
    kube,
    logger: deps.logger,
    metrics,
    cursors,
  });

  const startStreams = () => (leading() ? startWantedStreams() : 0);
  const env = deps.watch?.env ?? process.env;
  const forwardSubject = webhookSubject(initialConfig.settings.delivery.store.jetstream.subject, consumer);
  /** With settings.ha, made at start: their modules (and the NATS client) load only then. */
  let leadership: Leadership | undefined;
  let terms: HaTerms | undefined;
  const followerWebhook = forwardingWebhooks({
    local: webhook,
    nats: () => leadership?.natsNow(),
    subject: forwardSubject,
  });

  const agentStatus = createAgentStatus({
    lifecycle: () => ({ startFinished, stopped }),
    used: () => live.used(),
    installed: (id) => installed.has(id),
    retries,
    supervisors: () => plugins.supervisors.values(),
    platforms: () => platforms,
    unsupported: () => runner.unsupported,
    streams: () => streams.list(),
    queues: () => outbox.depths(),
    deliveryStore: () => outbox.storeStatus(),
    ha: () => leadership?.status(),
  });
  const status = (): AgentStatus => agentStatus.status();
  const handlers: HttpHandlers = {
    ready: () => agentStatus.isReady(),
    ...(haEnabled
      ? {
          readiness: () => ({
            role: leadership?.role ?? 'follower',
            leader: leadership?.status().leader ?? null,
          }),
        }
      : {}),
    status,
    metrics: metrics.registry,
    webhook: (source) =>
      !haEnabled || (leading() && terms?.ready()) ? webhook(source) : followerWebhook(source),
  };

  /**
   * A plugin whose cached files no longer hash as recorded is stopped, with its streams, and
   * counts as not installed; its retry reinstalls it from the repository.
   */
  async function stopTampered(plugin: InstalledPlugin, problem: string): Promise<void> {
    const id = `${plugin.type}:${plugin.key}`;
    // Replaced (reinstalled) or dropped by a reload meanwhile: nothing of it runs.
    if (stopped || installed.get(id) !== plugin) return;
    if (plugin.type === 'source') await streams.stopFor(plugin.key);
    const supervisor = plugins.supervisor(plugin.type, plugin.key);
    if (supervisor) await plugins.stop(id, supervisor);
    else installed.delete(id);
    const reason = `cached plugin files changed after start: ${problem}`;
    const { nextRetryAt } = retries.failed(`plugin:${id}`, reason);
    log.error(
      { plugin: plugin.key, problem, nextRetryAt },
      'plugin stopped: its cached files no longer match the digests recorded at install; reinstalling',
    );
  }

  const retryPart = createPartRetry({
    live,
    runner,
    installed,
    plugins,
    retries,
    startStreams,
    stopped: () => stopped,
    ...(deps.locator ? { locator: deps.locator } : {}),
    log,
  });
  const reload = createReloader({
    live,
    installed,
    runner,
    retries,
    target: reloadTargetOf({ streams, plugins, runner, startStreams }),
    serial,
    log,
    prepare: (next) => kube.prepare(next),
  });

  return {
    async start() {
      if (haEnabled) {
        const [{ Leadership }, { createHaTerms }] = await Promise.all([
          import('./leadership.js'),
          import('./ha-terms.js'),
        ]);
        const haTerms = createHaTerms({
          leadership: () => leadership,
          stopped: () => stopped,
          live,
          consumer,
          outbox: termOutbox as TermOutbox,
          runner,
          streams,
          startStreams,
          cursors,
          loadCursors,
          retries,
          webhook,
          forwardSubject,
          drainMs: initialConfig.settings.ha.election.retryPeriod.ms,
          log,
        });
        terms = haTerms;
        leadership = new Leadership({
          config: initialConfig,
          env,
          metrics,
          log,
          hooks: {
            lead: (term) => serial.run(() => haTerms.lead(term)),
            follow: (reason) => haTerms.follow(reason),
          },
        });
      }
      // Plugins a previous run of this agent left when it was killed (SIGKILL, OOM) go first.
      await pidFiles.reapOrphans();
      // With HA the runtime state and the cursors are shared and loaded by each new leader.
      if (!haEnabled) {
        await live.loadState(runtimeStateFile(deps.stateDir, configFiles));
        await loadCursors();
      }
      // Listeners come first: a taken port fails at once instead of after every plugin is
      // installed, and /healthz answers while a slow repository holds the rest of start (a
      // liveness probe would otherwise restart the agent forever); /readyz says 503 until ready.
      const urls = await openListeners({
        config: config(),
        ports: deps.ports,
        handlers,
        logger: deps.logger,
        servers,
      });
      // Before any plugin call: a plugin with context.rbac must never run without its identity.
      await kube.prepare(config());
      // Retries that fall due while the rest starts wait for it (they queue like reloads).
      const starting = startParts({
        live,
        installed,
        plugins,
        runner,
        startStreams,
        resumeDelivery: () => outbox.resume(),
        locator: deps.locator,
      });
      serial.hold(starting);
      await starting;
      if (deps.strict ?? config().settings.strictStart) {
        assertStrictStart(retries, launchFailures, runner.unsupported);
      }
      if (deps.watch) {
        const { files, env } = deps.watch;
        watcher = watchConfigFiles({ files, env, initial: config(), reload, log });
        // Ready means edits are watched: a change saved right after start is not missed.
        await watcher.ready;
      }
      startFinished = true;
      logReady(
        log,
        { plugins: plugins.supervisors.size, platforms: platforms.size, streams: streams.list().length },
        status().problems,
      );
      // Hashing of the trusted cached files and stale index refreshes start only now.
      deferred.begin();
      // A replica is ready as a follower; it leads once elected.
      await leadership?.start();
      return urls;
    },
    async stop() {
      // A leader stops its work and releases the lease first, so a successor takes over now.
      await leadership?.stop();
      stopped = true;
      retries.clear();
      await deferred.close();
      watcher?.close();
      await Promise.all(servers.map((s) => s.close()));
      await leadership?.close();
      await streams.stopAll();
      // Queued actions run before the executors stop, and their answers join the queues drained below.
      const neverRan = await actions.drain(config().settings.delivery.drainTimeout.ms);
      if (neverRan > 0) log.warn({ actions: neverRan }, 'stopped with action runs that never started');
      // What is queued goes out (within settings.delivery.drainTimeout) before bots disconnect.
      await outbox.close();
      // After the queue: cursors are stored only once their events are in it.
      await cursors.close().catch(() => {});
      for (const slot of platforms.values()) await stopSlot(slot);
      await plugins.stopAll();
      await kube.close();
      await pidFiles.settled();
    },
    status,
    reload,
  };
}
