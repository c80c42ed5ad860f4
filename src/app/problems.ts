/** What `/status` lists under `problems`: each part of the agent that is configured but not serving. */
export interface Problem {
  kind: 'repository' | 'plugin' | 'platform';
  /** Repository name, plugin key or platform ID. */
  id: string;
  /** `unavailable` (repository), `not installed`, `restarting`, `quarantined` (plugin), `failed`, `not supported` (platform). */
  state: string;
  reason: string;
  /** When the next attempt is due (ISO time); absent when only a fix (config, reactivation) helps. */
  nextRetryAt?: string;
  /** An attempt is running now. */
  retrying?: true;
  /** For a repository: the plugins waiting for it. */
  plugins?: string[];
}

/** The parts of `/status` the problem list is derived from. */
export interface ProblemSources {
  repositories: readonly {
    name: string;
    state: string;
    lastError?: string;
    nextRetryAt?: string;
    retrying?: true;
    plugins: string[];
  }[];
  plugins: readonly {
    name: string;
    state: string;
    lastError?: string;
    quarantineReason?: string;
    nextRetryAt?: string;
  }[];
  platforms: readonly {
    id: string;
    state: string;
    lastError?: string;
    nextRetryAt?: string;
    retrying?: true;
  }[];
}

const pluginFine = new Set(['running', 'starting', 'stopped']);
const platformFine = new Set(['connected', 'connecting', 'reconnecting', 'stopped']);

/**
 * Every repository, plugin and platform that is not serving, with why and when it is tried
 * again: what an operator reads first. A plugin waiting for an unavailable repository is listed
 * once, under its repository.
 */
export function problemsOf(status: ProblemSources): Problem[] {
  const out: Problem[] = [];
  const waitingForRepo = new Set<string>();
  for (const repo of status.repositories) {
    if (repo.state === 'ok') continue;
    for (const plugin of repo.plugins) waitingForRepo.add(plugin);
    out.push({
      kind: 'repository',
      id: repo.name,
      state: repo.state,
      reason: repo.lastError ?? 'unavailable',
      ...(repo.nextRetryAt ? { nextRetryAt: repo.nextRetryAt } : {}),
      ...(repo.retrying ? { retrying: true as const } : {}),
      plugins: [...repo.plugins],
    });
  }
  for (const plugin of status.plugins) {
    if (pluginFine.has(plugin.state) || waitingForRepo.has(plugin.name)) continue;
    out.push({
      kind: 'plugin',
      id: plugin.name,
      state: plugin.state,
      reason: plugin.quarantineReason ?? plugin.lastError ?? plugin.state,
      ...(plugin.nextRetryAt ? { nextRetryAt: plugin.nextRetryAt } : {}),
    });
  }
  for (const platform of status.platforms) {
    // Sinks report `sink <state>`; their delivery failures are retried per message, not here.
    if (platformFine.has(platform.state) || platform.state.startsWith('sink')) continue;
    out.push({
      kind: 'platform',
      id: platform.id,
      state: platform.state,
      reason: platform.lastError ?? platform.state,
      ...(platform.nextRetryAt ? { nextRetryAt: platform.nextRetryAt } : {}),
      ...(platform.retrying ? { retrying: true as const } : {}),
    });
  }
  return out;
}
