import { availableParallelism } from 'node:os';
import { wantsEnvelope } from '../bridge/source/http-envelope.js';
import { pluginRuntime } from '../config/plugin-runtime.js';
import type { Config } from '../config/schema.js';
import type { UsedPlugin } from '../config/used-plugins.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { createExecutorClient, type ExecutorClient } from '../plugins/host/executor-client.js';
import type { PluginPidFiles } from '../plugins/host/pid-files.js';
import type { PluginSupervisor } from '../plugins/host/supervisor.js';
import type { PluginInstalls } from './plugin-installs.js';
import { superviseInstalled } from './plugin-supervisor.js';

export interface PluginProcessesOptions {
  /** The running config, read when a plugin starts or its first client is made. */
  config(): Config;
  installed: PluginInstalls;
  pidFiles: PluginPidFiles;
  metrics: AgentMetrics;
  /** The root logger, for the supervisors' children. */
  logger: Logger;
  /** The agent's log: a failed launch is an agent event. */
  log: Logger;
  /** A plugin's launch failed (its supervisor retries it); `--strict` reports these. */
  onLaunchFailure(line: string): void;
  /** Plugins launched at once; default `startConcurrency()`. */
  startConcurrency?: number;
}

/**
 * How many plugins start at once. A launch is mostly CPU (process start, runtime init, AutoMTLS
 * keys on both sides), so launching every plugin at once only interleaves them (and, for Node
 * plugins, holds all their start-up memory at once); several per core keep the cores busy while
 * others wait for their process to exec and print the handshake.
 */
export function startConcurrency(): number {
  return Math.max(8, availableParallelism() * 8);
}

/** The supervised plugin processes by `<kind>:<key>`, and the clients that call them. */
export class PluginProcesses {
  readonly #supervisors = new Map<string, PluginSupervisor>();
  /**
   * One client per executor supervisor: the client remembers, per plugin process, that a
   * Botkube plugin has no streaming RPC, so later commands skip the failed attempt.
   */
  readonly #executorClients = new Map<PluginSupervisor, ExecutorClient>();
  /** Source plugin keys whose payload schema asks for the request envelope. */
  readonly #envelopeSources = new Set<string>();
  readonly #options: PluginProcessesOptions;

  constructor(options: PluginProcessesOptions) {
    this.#options = options;
  }

  get supervisors(): ReadonlyMap<string, PluginSupervisor> {
    return this.#supervisors;
  }

  supervisor(kind: 'executor' | 'source', key: string): PluginSupervisor | undefined {
    return this.#supervisors.get(`${kind}:${key}`);
  }

  executorClient(key: string): ExecutorClient | undefined {
    const supervisor = this.supervisor('executor', key);
    if (!supervisor) return undefined;
    let client = this.#executorClients.get(supervisor);
    if (!client) {
      client = createExecutorClient(supervisor, {
        defaultDeadlineMs: pluginRuntime(this.#options.config(), key).callDeadline.ms,
      });
      this.#executorClients.set(supervisor, client);
    }
    return client;
  }

  wantsEnvelope(key: string): boolean {
    return this.#envelopeSources.has(key);
  }

  /** Starts a supervisor for each used plugin that is installed and has none; returns their names. */
  async startMissing(used: readonly UsedPlugin[]): Promise<string[]> {
    const { installed, log } = this.#options;
    const missing = used
      .filter((u) => !this.#supervisors.has(`${u.kind}:${u.key}`))
      .flatMap((u) => {
        const plugin = installed.get(`${u.kind}:${u.key}`);
        return plugin ? [plugin] : [];
      });
    if (missing.length === 0) return [];
    const started: PluginSupervisor[] = [];
    for (const plugin of missing) {
      if (
        plugin.type === 'source' &&
        wantsEnvelope(plugin.entry.externalRequest?.payload?.jsonSchema?.value ?? undefined)
      ) {
        this.#envelopeSources.add(plugin.key);
      }
      const supervisor = superviseInstalled(plugin, {
        config: this.#options.config(),
        pidFiles: this.#options.pidFiles,
        metrics: this.#options.metrics,
        logger: this.#options.logger,
      });
      this.#supervisors.set(`${plugin.type}:${plugin.key}`, supervisor);
      started.push(supervisor);
    }
    const start = (s: PluginSupervisor) =>
      s.start().catch((err: unknown) => {
        this.#options.onLaunchFailure(`plugin ${s.name}: ${(err as Error).message}`);
        const { nextRetryAt } = s.status();
        log.error(
          { plugin: s.name, err: (err as Error).message, nextRetryAt },
          'plugin failed to start; retrying',
        );
      });
    let next = 0;
    const worker = async () => {
      for (let s = started[next++]; s; s = started[next++]) await start(s);
    };
    const limit = this.#options.startConcurrency ?? startConcurrency();
    await Promise.all(Array.from({ length: Math.min(limit, started.length) }, worker));
    return started.map((s) => s.name);
  }

  /** Stops one plugin that nothing uses any more; a later use installs and starts it anew. */
  async stop(id: string, supervisor: PluginSupervisor): Promise<void> {
    await supervisor.stop();
    this.#supervisors.delete(id);
    this.#executorClients.delete(supervisor);
    this.#options.installed.delete(id);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#supervisors.values()].map((s) => s.stop()));
  }
}
