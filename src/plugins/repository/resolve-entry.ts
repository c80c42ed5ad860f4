import semver from 'semver';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import {
  type IndexArtifact,
  type IndexEntry,
  type Platform,
  type PluginType,
  platformLabel,
  type RepositoryIndex,
} from './index-format.js';

/** `v1.2.0` and `1.2.0` are the same version; anything semver cannot read is kept as written. */
export function normalizeVersion(version: string): string {
  return semver.clean(version, { loose: true }) ?? version.trim();
}

/** Sorts entries newest first; versions semver cannot read sort last (Botkube: "not greater"). */
export function compareVersionsDesc(a: string, b: string): number {
  const va = semver.valid(normalizeVersion(a));
  const vb = semver.valid(normalizeVersion(b));
  if (va && vb) return semver.rcompare(va, vb);
  if (va) return -1;
  if (vb) return 1;
  return b.localeCompare(a);
}

export interface EntryQuery {
  repo: string;
  name: string;
  version?: string;
  type?: PluginType;
}

/**
 * Picks the entries a query means, one per matching type (a directory may publish
 * an executor and a source of the same name). With a version: exactly that
 * version (with or without `v`), or the highest matching a semver range. Without:
 * the highest stable version, or the highest pre-release when there is no stable.
 * Unknown names and versions throw SB_ERR_REPO_NOT_FOUND listing what the
 * repository offers.
 */
export function resolveEntries(index: RepositoryIndex, query: EntryQuery): IndexEntry[] {
  const named = index.entries.filter(
    (e) => e.name === query.name && (query.type === undefined || e.type === query.type),
  );
  const label = `${query.repo}/${query.name}${query.version ? `@${query.version}` : ''}`;
  if (named.length === 0) {
    throw new SwitchboardError(
      'SB_ERR_REPO_NOT_FOUND',
      `repository ${query.repo} has no ${query.type ?? 'plugin'} named "${query.name}" (wanted ${label}); it offers: ${describeOffer(index)}`,
      { details: { repo: query.repo, plugin: query.name, version: query.version } },
    );
  }
  const picked: IndexEntry[] = [];
  for (const type of ['executor', 'source'] as const) {
    const candidates = named
      .filter((e) => e.type === type)
      .sort((a, b) => compareVersionsDesc(a.version, b.version));
    if (candidates.length === 0) continue;
    const entry = query.version ? matchVersion(candidates, query.version) : latest(candidates);
    if (entry) picked.push(entry);
  }
  if (picked.length === 0) {
    throw new SwitchboardError(
      'SB_ERR_REPO_NOT_FOUND',
      `repository ${query.repo} has no version ${query.version} of ${query.name}; it offers ${named
        .sort((a, b) => compareVersionsDesc(a.version, b.version))
        .map((e) => `${e.type} ${e.version}`)
        .join(', ')}`,
      { details: { repo: query.repo, plugin: query.name, version: query.version } },
    );
  }
  return picked;
}

function matchVersion(candidates: IndexEntry[], wanted: string): IndexEntry | undefined {
  const exact = candidates.find((e) => normalizeVersion(e.version) === normalizeVersion(wanted));
  if (exact) return exact;
  const range = semver.validRange(wanted, { loose: true });
  // An exact version that is absent must not fall through to a range match of itself.
  if (!range || semver.valid(normalizeVersion(wanted))) return undefined;
  return candidates.find((e) => {
    const v = semver.valid(normalizeVersion(e.version));
    return v !== null && semver.satisfies(v, range);
  });
}

function latest(candidates: IndexEntry[]): IndexEntry | undefined {
  return (
    candidates.find((e) => {
      const v = semver.valid(normalizeVersion(e.version));
      return v !== null && semver.prerelease(v) === null;
    }) ?? candidates[0]
  );
}

/** The build of `entry` for `platform`; SB_ERR_REPO_PLATFORM lists the platforms it has. */
export function selectArtifact(repo: string, entry: IndexEntry, platform: Platform): IndexArtifact {
  const artifact = entry.urls.find(
    (u) => u.platform.os === platform.os && u.platform.architecture === platform.arch,
  );
  if (artifact) return artifact;
  throw new SwitchboardError(
    'SB_ERR_REPO_PLATFORM',
    `repository ${repo} has no ${platformLabel(platform)} build of ${entry.type} ${entry.name} ${entry.version}; it has ${entry.urls
      .map((u) => `${u.platform.os}/${u.platform.architecture}`)
      .join(', ')}`,
    { details: { repo, plugin: entry.name, version: entry.version, platform: platformLabel(platform) } },
  );
}

/** `executor echo (v1.0.0, v0.9.0), source relay (1.2.0)`, or `nothing` for an empty index. */
export function describeOffer(index: RepositoryIndex): string {
  const byPlugin = new Map<string, string[]>();
  for (const e of index.entries) {
    const key = `${e.type} ${e.name}`;
    byPlugin.set(key, [...(byPlugin.get(key) ?? []), e.version]);
  }
  if (byPlugin.size === 0) return 'nothing (the index is empty)';
  return [...byPlugin]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, versions]) => `${k} (${versions.sort(compareVersionsDesc).join(', ')})`)
    .join(', ');
}
