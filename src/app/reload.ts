import type { RunningStream } from '../bridge/source/source-streams.js';
import type { ConfigLocator } from '../config/locate.js';
import type { Config } from '../config/schema.js';
import type { UsedPlugin } from '../config/used-plugins.js';
import type { Logger } from '../log/logger.js';
import type { PluginSupervisor } from '../plugins/host/supervisor.js';
import { changedListenerSettings } from './listeners.js';
import type { LiveConfig } from './live-config.js';
import type { PlatformRunner } from './platform-runner.js';
import { usedId } from './plugin-ids.js';
import type { PluginInstalls } from './plugin-installs.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { RetryBook } from './retry-book.js';
import { forgetRemoved } from './start-failures.js';
import type { StreamSet } from './stream-set.js';
import type { PlatformInstance, Topology } from './topology.js';

export interface ReloadReport {
  pluginsStarted: string[];
  pluginsStopped: string[];
  streamsRestarted: number;
  platformsRestarted: string[];
  /** Changed settings that only take effect after a restart (listen ports). */
  needsRestart: string[];
}

/** A stream's identity: a changed config is a different stream. */
export const streamId = (group: string, key: string, rawConfig: Uint8Array): string =>
  `${group}|${key}|${Buffer.from(rawConfig).toString('base64')}`;

/** The running parts a reload converges, and how to start and stop each. */
export interface ReloadTarget {
  streams(): readonly RunningStream[];
  /** Keeps only these streams as running (the others were stopped). */
  keepStreams(kept: RunningStream[]): void;
  supervisors(): ReadonlyMap<string, PluginSupervisor>;
  stopPlugin(id: string, supervisor: PluginSupervisor): Promise<void>;
  /** Starts a supervisor for each used plugin that has none; returns their names. */
  startPlugins(used: readonly UsedPlugin[]): Promise<string[]>;
  hasPlatform(id: string): boolean;
  stopPlatform(id: string): Promise<void>;
  startPlatform(instance: PlatformInstance): Promise<void>;
  /** Starts the streams the topology wants that are not running; returns how many. */
  startStreams(): number;
}

/**
 * Brings the running parts from `previous` to `next`: streams no longer wanted (or whose config
 * changed) stop first, so no event arrives for a plugin about to stop; then plugins nothing uses
 * stop and new ones start; platforms whose settings changed restart, removed ones stop, new ones
 * start; last, the streams the new topology wants open.
 */
export async function reconcile(
  previous: Topology,
  next: { topology: Topology; used: readonly UsedPlugin[] },
  target: ReloadTarget,
): Promise<Omit<ReloadReport, 'needsRestart'>> {
  const wanted = new Set(next.topology.sourceEntries().map((e) => streamId(e.group, e.key, e.rawConfig)));
  const keep: RunningStream[] = [];
  for (const stream of target.streams()) {
    if (wanted.has(streamId(stream.spec.group, stream.spec.pluginKey, stream.spec.config))) keep.push(stream);
    else await stream.stop();
  }
  target.keepStreams(keep);

  const pluginsStopped: string[] = [];
  const usedIds = new Set(next.used.map(usedId));
  for (const [id, supervisor] of [...target.supervisors()]) {
    if (usedIds.has(id)) continue;
    await target.stopPlugin(id, supervisor);
    pluginsStopped.push(supervisor.name);
  }
  const pluginsStarted = await target.startPlugins(next.used);

  const platformsRestarted: string[] = [];
  const before = new Map(previous.platforms.map((p) => [p.id, JSON.stringify(p.settings)]));
  const after = new Map(next.topology.platforms.map((p) => [p.id, p]));
  for (const [id, settings] of before) {
    const now = after.get(id);
    if (now && JSON.stringify(now.settings) === settings) continue;
    await target.stopPlatform(id);
    if (now) platformsRestarted.push(id);
  }
  for (const [id, instance] of after) if (!target.hasPlatform(id)) await target.startPlatform(instance);

  return { pluginsStarted, pluginsStopped, streamsRestarted: target.startStreams(), platformsRestarted };
}

/** The agent's running parts as a reload target. */
export function reloadTargetOf(parts: {
  streams: StreamSet;
  plugins: PluginProcesses;
  runner: PlatformRunner;
  startStreams(): number;
}): ReloadTarget {
  const { streams, plugins, runner } = parts;
  return {
    streams: () => streams.list(),
    keepStreams: (kept) => streams.replace(kept),
    supervisors: () => plugins.supervisors,
    stopPlugin: (id, supervisor) => plugins.stop(id, supervisor),
    startPlugins: (wanted) => plugins.startMissing(wanted),
    hasPlatform: (id) => runner.slots.has(id),
    stopPlatform: (id) => runner.stop(id),
    startPlatform: (instance) => runner.start(instance),
    startStreams: parts.startStreams,
  };
}

export interface ReloaderOptions {
  live: LiveConfig;
  installed: PluginInstalls;
  runner: PlatformRunner;
  retries: RetryBook;
  target: ReloadTarget;
  /** Reloads queue here behind start, other reloads and due retries. */
  serial: SerialRunner;
  log: Logger;
  /**
   * Readies what the new config needs before it goes live: the Kubernetes proxy when a
   * `context.rbac` policy first appears. A failure leaves the running config, like a plugin refusal.
   */
  prepare?: (next: Config) => Promise<void>;
}

/**
 * Makes the agent's `reload`: the new loaded config gets the runtime overrides, its plugins are
 * installed and their config checked before anything changes (a config a plugin would refuse
 * leaves the running one), then it becomes the live config, retries of parts it no longer has
 * stop, and the running parts are reconciled with it. Reloads run one at a time.
 */
export function createReloader(
  options: ReloaderOptions,
): (nextBase: Config, locator?: ConfigLocator) => Promise<ReloadReport> {
  const { live, installed, runner, retries, log } = options;
  async function apply(nextBase: Config, locator?: ConfigLocator): Promise<ReloadReport> {
    const next = live.withOverrides(nextBase);
    const used = await installed.prepare(next, locator);
    await options.prepare?.(next);
    const previous = live.switchTo(nextBase, next);
    live.setUsed(used);
    const platformIds = live.topology().platforms.map((p) => p.id);
    runner.noteUnsupported(next, platformIds);
    forgetRemoved(retries, { used, installed: (id) => installed.has(id), platformIds });
    const needsRestart = changedListenerSettings(previous.config, next);
    runner.keepUnsupported(platformIds);
    const changes = await reconcile(previous.topology, { topology: live.topology(), used }, options.target);
    const report: ReloadReport = { ...changes, needsRestart };
    log.info({ ...report }, 'configuration reloaded');
    return report;
  }
  return (nextBase, locator) => options.serial.run(() => apply(nextBase, locator));
}

/**
 * Runs reloads and retries one at a time, in arrival order: a file change, an
 * `edit sourcebindings` and a due retry never interleave. A failed run does not stop the next.
 */
export class SerialRunner {
  #tail: Promise<unknown> = Promise.resolve();

  /** Queues `task`; the returned promise settles with it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Makes later runs wait for work that is already under way (start). */
  hold(work: Promise<unknown>): void {
    this.#tail = work.catch(() => undefined);
  }
}
