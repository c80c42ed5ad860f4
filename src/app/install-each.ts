import type { UsedPlugin } from '../config/used-plugins.js';
import type { Logger } from '../log/logger.js';
import { type InstalledPlugin, installPlugins, type RepositoryOptions } from '../plugins/repository/index.js';

/** What could not be installed: a whole repository, or one plugin of a repository that works. */
export type InstallFailure =
  | { scope: 'repository'; repo: string; plugins: UsedPlugin[]; error: Error }
  | { scope: 'plugin'; repo: string; plugin: UsedPlugin; error: Error };

export interface InstallEachResult {
  installed: InstalledPlugin[];
  failures: InstallFailure[];
  /** Repositories whose index came from a stale cache (`cachedIndexFirst`). */
  staleIndexes: string[];
}

const repoOf = (key: string) => key.split('/')[0] ?? key;

/**
 * Installs `plugins` one repository at a time, so that a repository that cannot be reached
 * (or a plugin it cannot provide) fails only what comes from it. A failure that names one
 * plugin (not in the index, no build for this platform, bad checksum, its archive or a dependency
 * that cannot be downloaded) fails that plugin and the rest of its repository is installed; any
 * other failure (the index) fails the whole repository.
 */
export async function installEach(options: {
  cacheDir: string;
  repositories: Record<string, RepositoryOptions>;
  plugins: readonly UsedPlugin[];
  logger: Logger;
  /** See InstallOptions: trust unchanged install fingerprints, use cached indexes of any age. */
  deferHashing?: boolean;
  cachedIndexFirst?: boolean;
}): Promise<InstallEachResult> {
  const byRepo = new Map<string, UsedPlugin[]>();
  for (const plugin of options.plugins) {
    const repo = repoOf(plugin.key);
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), plugin]);
  }
  const result: InstallEachResult = { installed: [], failures: [], staleIndexes: [] };
  // One repository at a time: installPlugins holds the cache lock for the whole call anyway.
  for (const [repo, plugins] of byRepo) {
    let pending = plugins;
    while (pending.length > 0) {
      try {
        const done = await installPlugins({
          cacheDir: options.cacheDir,
          repositories: options.repositories,
          plugins: pending.map((u) => ({ key: u.key, type: u.kind })),
          logger: options.logger,
          ...(options.deferHashing ? { deferHashing: true } : {}),
          ...(options.cachedIndexFirst ? { cachedIndexFirst: true } : {}),
        });
        result.installed.push(...done.plugins);
        result.staleIndexes.push(...done.staleIndexes);
        break;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const culprit = blamed(error, pending);
        if (!culprit) {
          result.failures.push({ scope: 'repository', repo, plugins: pending, error });
          break;
        }
        result.failures.push({ scope: 'plugin', repo, plugin: culprit, error });
        pending = pending.filter((p) => p !== culprit);
      }
    }
  }
  return result;
}

/** Codes of failures about one plugin of a repository that itself answers. */
const pluginCodes = new Set([
  'SB_ERR_REPO_NOT_FOUND',
  'SB_ERR_REPO_PLATFORM',
  'SB_ERR_REPO_CHECKSUM',
  'SB_ERR_REPO_ARCHIVE',
  'SB_ERR_REPO_SIZE_LIMIT',
  'SB_ERR_REPO_KEY',
]);

/** A code about one plugin, or a failure the installer marked as one plugin's download. */
const isPluginSpecific = (error: Error) =>
  pluginCodes.has((error as { code?: string }).code ?? '') ||
  (error as { details?: { scope?: unknown } }).details?.scope === 'plugin';

/** The plugin a plugin-specific error is about, by the `key` or `plugin` (name) its details carry. */
function blamed(error: Error, pending: readonly UsedPlugin[]): UsedPlugin | undefined {
  if (!isPluginSpecific(error)) return undefined;
  const details = (error as { details?: { key?: unknown; plugin?: unknown } }).details ?? {};
  return (
    pending.find((p) => p.key === details.key) ??
    pending.find((p) => (p.key.split('/')[1] ?? '').split('@')[0] === details.plugin)
  );
}
