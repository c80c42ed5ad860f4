import { acquireCacheLock } from './cache-lock.js';
import { createFetcher } from './fetcher.js';
import type { RepositoryClientOptions } from './options.js';
import { loadRepositoryIndex } from './repository-index.js';

/**
 * Fetches the indexes of `repos` into the cache whatever their age, under the cache lock: the
 * refresh that a start served from a stale cache (`cachedIndexFirst`) puts off until after it.
 * An unreachable repository keeps its cached index (with a warning); returns what failed.
 */
export async function refreshIndexes(
  options: RepositoryClientOptions,
  repos: readonly string[],
): Promise<{ repo: string; error: Error }[]> {
  if (repos.length === 0) return [];
  const logger = options.logger?.child({ component: 'plugin-repository' });
  const lock = await acquireCacheLock(options.cacheDir, { ...(logger ? { logger } : {}) });
  const fetcher = createFetcher(options.http);
  const failures: { repo: string; error: Error }[] = [];
  try {
    for (const repo of repos) {
      try {
        await loadRepositoryIndex(repo, { ...options, forceRefresh: true, cachedIndexFirst: false }, fetcher);
      } catch (err) {
        failures.push({ repo, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
  } finally {
    await fetcher.close();
    await lock.release();
  }
  return failures;
}
