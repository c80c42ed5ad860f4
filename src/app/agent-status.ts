import type { PlatformContext as BotPlatformContext } from '../bots/bot.js';
import type { RunningStream } from '../bridge/source/source-streams.js';
import type { UsedPlugin } from '../config/used-plugins.js';
import type { StoreStatus } from '../delivery/pipeline.js';
import type { PluginStatus, PluginSupervisor } from '../plugins/host/supervisor.js';
import type { HaStatus } from './leadership.js';
import type { PlatformSlot } from './platform-slot.js';
import { repoOf, usedId } from './plugin-ids.js';
import { type Problem, problemsOf } from './problems.js';
import type { Failure, RetryBook } from './retry-book.js';

export interface AgentStatus {
  /** At least one platform or plugin serves (`/readyz`). */
  ready: boolean;
  /** Start has not finished (listeners answer while plugins install and platforms connect). */
  starting?: boolean;
  /** Something configured is not serving: see `problems`. */
  degraded: boolean;
  /** Each repository, plugin and platform that is not serving, with the reason and next retry. */
  problems: Problem[];
  /** The repositories the used plugins come from; `unavailable` ones are retried with backoff. */
  repositories: RepositoryStatus[];
  /** Supervised plugins, then used plugins that are not installed (`state: 'not installed'`). */
  plugins: PluginEntry[];
  /** Bots and sinks; `failed` ones are retried with backoff; `not supported` ones never run. */
  platforms: PlatformStatus[];
  sources: { group: string; plugin: string; state: string; lastReason?: string }[];
  /** Messages waiting per destination channel in the delivery pipeline. */
  queues: { destinationId: string; channelId: string; pending: number }[];
  /** The delivery queue store: fill, size cap and the events dropped at it. */
  deliveryStore?: StoreStatus;
  /** With settings.ha: this replica's role, the leader it sees, since when. */
  ha?: HaStatus;
}

/** What the agent offers the platforms it creates, with its status typed. */
export interface PlatformContext extends BotPlatformContext {
  status(): AgentStatus;
}

export interface RepositoryStatus {
  name: string;
  state: 'ok' | 'unavailable';
  /** Used plugins from it that are not installed yet. */
  plugins: string[];
  lastError?: string;
  attempts?: number;
  since?: string;
  nextRetryAt?: string;
  /** An attempt to install from it is running now. */
  retrying?: true;
}

/**
 * A plugin in `/status`: its supervisor's status, or, for a used plugin that could not be
 * installed (its repository is unavailable, or the plugin is), `state: 'not installed'`.
 */
export interface PluginEntry extends Omit<PluginStatus, 'state'> {
  state: PluginStatus['state'] | 'not installed';
}

export interface PlatformStatus {
  id: string;
  state: string;
  reconnects?: number;
  lastError?: string;
  attempts?: number;
  since?: string;
  nextRetryAt?: string;
  /** An attempt to start it is running now. */
  retrying?: true;
}

/** What the agent's status is read from; every getter reads live state. */
export interface StatusSources {
  /** Start has finished, and stop has not been called. */
  lifecycle(): { startFinished: boolean; stopped: boolean };
  used(): readonly UsedPlugin[];
  installed(id: string): boolean;
  retries: RetryBook;
  supervisors(): Iterable<PluginSupervisor>;
  /** Running platforms (and stand-ins) by platform ID. */
  platforms(): ReadonlyMap<string, PlatformSlot>;
  /** Enabled platforms this build does not run, by ID, with the reason. */
  unsupported(): ReadonlyMap<string, string>;
  streams(): readonly RunningStream[];
  queues(): AgentStatus['queues'];
  deliveryStore(): StoreStatus;
  /** Undefined without settings.ha. */
  ha?(): HaStatus | undefined;
}

export interface AgentStatusReader {
  status(): AgentStatus;
  isReady(): boolean;
}

export function createAgentStatus(sources: StatusSources): AgentStatusReader {
  /**
   * Serving: a bot is connected, a sink is up, or a plugin runs (it answers webhooks and feeds
   * sinks). Not ready before start has finished, after stop, and while nothing at all serves.
   */
  function isReady(): boolean {
    const { startFinished, stopped } = sources.lifecycle();
    if (!startFinished || stopped) return false;
    // A follower is hot: its plugins run and it can take over; that is its service.
    if (sources.ha?.()?.role === 'follower') return true;
    for (const slot of sources.platforms().values()) {
      if (slot.role === 'sink') return true;
      if (slot.role === 'bot' && slot.destination.status().state === 'connected') return true;
    }
    return [...sources.supervisors()].some((s) => s.status().state === 'running');
  }

  function status(): AgentStatus {
    const { startFinished, stopped } = sources.lifecycle();
    const repositories = repositoryStatus(sources);
    const plugins = [...[...sources.supervisors()].map((s) => s.status()), ...waitingPlugins(sources)];
    const platforms = platformStatus(sources);
    const problems = problemsOf({ repositories, plugins, platforms });
    const ha = sources.ha?.();
    return {
      ready: isReady(),
      ...(!startFinished && !stopped ? { starting: true } : {}),
      degraded: problems.length > 0,
      problems,
      repositories,
      plugins,
      platforms,
      sources: sources.streams().map((s) => ({
        group: s.spec.group,
        plugin: s.spec.pluginKey,
        state: s.state,
        ...(s.lastReason ? { lastReason: s.lastReason } : {}),
      })),
      queues: sources.queues(),
      deliveryStore: sources.deliveryStore(),
      ...(ha ? { ha } : {}),
    };
  }

  return { status, isReady };
}

/** The retry fields `/status` shows for a part that could not start. */
function retryFields(failure: Failure) {
  return {
    lastError: failure.reason,
    attempts: failure.attempts,
    since: failure.since,
    ...(failure.nextRetryAt ? { nextRetryAt: failure.nextRetryAt } : {}),
    ...(failure.retrying ? { retrying: true as const } : {}),
  };
}

function repositoryStatus(sources: StatusSources): RepositoryStatus[] {
  const byRepo = new Map<string, string[]>();
  for (const u of sources.used()) {
    const waiting = byRepo.get(repoOf(u.key)) ?? [];
    if (!sources.installed(usedId(u))) waiting.push(u.key);
    byRepo.set(repoOf(u.key), waiting);
  }
  return [...byRepo].map(([name, plugins]) => {
    const failure = sources.retries.get(`repo:${name}`);
    if (!failure) return { name, state: 'ok', plugins };
    return { name, state: 'unavailable', plugins, ...retryFields(failure) };
  });
}

function waitingPlugins(sources: StatusSources): PluginEntry[] {
  return sources
    .used()
    .filter((u) => !sources.installed(usedId(u)))
    .map((u) => {
      const own = sources.retries.get(`plugin:${usedId(u)}`);
      const repo = sources.retries.get(`repo:${repoOf(u.key)}`);
      const failure = own ?? repo;
      const reason = own
        ? own.reason
        : repo
          ? `repository ${repoOf(u.key)} is unavailable: ${repo.reason}`
          : 'being installed';
      return {
        name: u.key,
        state: 'not installed',
        restarts: 0,
        recentCrashes: 0,
        uptimeMs: 0,
        lastError: reason,
        ...(failure?.nextRetryAt ? { nextRetryAt: failure.nextRetryAt } : {}),
      };
    });
}

function platformStatus(sources: StatusSources): PlatformStatus[] {
  const out: PlatformStatus[] = [];
  const running = sources.platforms();
  for (const slot of running.values()) {
    const d = slot.destination;
    const failure = sources.retries.get(`platform:${d.id}`);
    if (failure) out.push({ id: d.id, state: 'failed', ...retryFields(failure) });
    else if (slot.role === 'bot') {
      const bot = slot.destination.status();
      out.push({ id: d.id, ...bot, state: bot.state });
    } else out.push(sinkStatus(d));
  }
  // A platform whose creation failed has no destination, not even a stand-in.
  for (const [id, failure] of sources.retries.list('platform:')) {
    if (!running.has(id)) out.push({ id, state: 'failed', ...retryFields(failure) });
  }
  for (const [id, reason] of sources.unsupported())
    out.push({ id, state: 'not supported', lastError: reason });
  return out;
}

/** A sink's own status when it reports one (delivered and failed counts, last error). */
function sinkStatus(d: PlatformSlot['destination']): PlatformStatus {
  const report = (d as { status?: () => { state: string; lastError?: string } }).status?.();
  return { id: d.id, ...report, state: report ? `sink ${report.state}` : 'sink' };
}
