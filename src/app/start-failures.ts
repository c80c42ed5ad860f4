import type { UsedPlugin } from '../config/used-plugins.js';
import { repoOf, usedId } from './plugin-ids.js';
import type { RetryBook } from './retry-book.js';

/**
 * Drops the failures of parts the config no longer has, so their retries stop: plugins it does
 * not use, repositories none of its missing plugins come from, platforms it does not enable.
 */
export function forgetRemoved(
  retries: RetryBook,
  wanted: { used: readonly UsedPlugin[]; installed(id: string): boolean; platformIds: readonly string[] },
): void {
  const usedKeys = new Set(wanted.used.map((u) => `plugin:${usedId(u)}`));
  const usedRepos = new Set(
    wanted.used.filter((u) => !wanted.installed(usedId(u))).map((u) => `repo:${repoOf(u.key)}`),
  );
  const platformKeys = new Set(wanted.platformIds.map((id) => `platform:${id}`));
  for (const [id] of retries.list('plugin:'))
    if (!usedKeys.has(`plugin:${id}`)) retries.succeeded(`plugin:${id}`);
  for (const [id] of retries.list('repo:')) if (!usedRepos.has(`repo:${id}`)) retries.succeeded(`repo:${id}`);
  for (const [id] of retries.list('platform:')) {
    if (!platformKeys.has(`platform:${id}`)) retries.succeeded(`platform:${id}`);
  }
}

/** For `--strict`: every part that did not start, one per line, or undefined when all did. */
export function strictReport(
  retries: RetryBook,
  launchFailures: readonly string[],
  unsupported: ReadonlyMap<string, string>,
): string | undefined {
  const lines = [
    ...retries.list('repo:').map(([id, f]) => `repository ${id}: ${f.reason}`),
    ...retries.list('plugin:').map(([id, f]) => `plugin ${id.replace(/^[a-z]+:/, '')}: ${f.reason}`),
    ...launchFailures,
    ...retries.list('platform:').map(([id, f]) => `platform ${id}: ${f.reason}`),
    ...[...unsupported].map(([id, reason]) => `platform ${id} is not supported: ${reason}`),
  ];
  return lines.length > 0 ? lines.map((l) => `  - ${l}`).join('\n') : undefined;
}
