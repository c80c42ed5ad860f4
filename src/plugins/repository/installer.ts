import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import { fetchArtifact } from './artifact-fetch.js';
import { mapLimit, writeFileAtomic } from './atomic-file.js';
import { acquireCacheLock } from './cache-lock.js';
import { createFetcher, type Fetcher, type ProgressCallback } from './fetcher.js';
import { redactUrl } from './getter-url.js';
import {
  currentPlatform,
  type IndexArtifact,
  type IndexEntry,
  type Platform,
  type PluginType,
  platformLabel,
} from './index-format.js';
import {
  binaryName,
  digestsOf,
  fingerprintInstalled,
  fingerprintsMatch,
  type InstalledDigests,
  type InstallRecord,
  installPaths,
  listRecords,
  sha256File,
  verifyInstalled,
} from './install-record.js';
import { defaultLimits, type InstallOptions, repositoryDefaults, repositorySetting } from './options.js';
import { type PluginKey, parseRequest } from './plugin-key.js';
import { type LoadedIndex, loadRepositoryIndex } from './repository-index.js';
import { normalizeVersion, resolveEntries, selectArtifact } from './resolve-entry.js';
import { findDependencyFile, findPluginFile } from './select-file.js';

/** A plugin ready to launch: pass `binary` and `dependencyDir` to launchPlugin. */
export interface InstalledPlugin {
  /** The key as requested (`repo/name[@version]`). */
  key: string;
  repo: string;
  type: PluginType;
  name: string;
  /** The resolved version, as written in the index. */
  version: string;
  /** Absolute path of the verified executable, `<cacheDir>/<repo>/<type>_<version>_<name>`. */
  binary: string;
  /** `<binary>_deps`, for PLUGIN_DEPENDENCY_DIR (exists even when empty). */
  dependencyDir: string;
  /** Dependency name → absolute path. */
  dependencies: Record<string, string>;
  /** The index entry minus URLs: description, jsonSchema (to validate plugin config), externalRequest. */
  entry: Omit<IndexEntry, 'urls'>;
  /** `cache`: verified cached files were used; `download`: fetched now. */
  source: 'cache' | 'download';
  /**
   * Only with `deferHashing`: the cached files were trusted because their install fingerprint is
   * unchanged, and still have to be hashed against these digests (`verifyDigests`); a mismatch
   * means the plugin must be stopped.
   */
  unverified?: InstalledDigests;
}

export interface InstallResult {
  plugins: InstalledPlugin[];
  /** HTTP requests made (0 for a warm cache with fresh indexes, and for file:// repositories). */
  httpRequests: number;
  /** Repositories whose index was used from a stale cache (`cachedIndexFirst`): refresh them. */
  staleIndexes: string[];
}

type Request = PluginKey & { type?: PluginType };

interface Job {
  request: Request;
  loaded: LoadedIndex;
  entry: IndexEntry;
  artifact: IndexArtifact;
}

/**
 * Makes the requested plugins available in the cache and returns their paths,
 * under the cache lock. For each key: a pinned version already installed for
 * this platform is re-verified and used without reading any index; otherwise the
 * index (cached while fresh) is resolved by semver, and an installed copy of the
 * resolved entry is used when its recorded digests still match. Anything missing
 * or tampered with is downloaded, verified against its sha256, unpacked safely,
 * and moved into place atomically, with at most `concurrency` downloads at once.
 * Fails (nothing half-installed) on the first error; plugins installed before it
 * stay installed.
 */
export async function installPlugins(options: InstallOptions): Promise<InstallResult> {
  const logger = options.logger?.child({ component: 'plugin-repository' });
  const platform = options.platform ?? currentPlatform();
  const requests = options.plugins.map(parseRequest);
  for (const r of requests) {
    if (!options.repositories[r.repo]) {
      throw new SwitchboardError(
        'SB_ERR_REPO_CONFIG',
        `plugin ${r.key}: repository ${r.repo} is not configured (configured: ${Object.keys(options.repositories).join(', ') || 'none'})`,
        { details: { key: r.key, repo: r.repo } },
      );
    }
  }
  await mkdir(options.cacheDir, { recursive: true });
  const lock = await acquireCacheLock(options.cacheDir, { ...options.lock, logger });
  const stats = { httpRequests: 0 };
  const fetcher = createFetcher(options.http, stats);
  const indexes = new Map<string, Promise<LoadedIndex>>();
  const indexFor = (repo: string, refetch = false) => {
    let loaded = indexes.get(repo);
    if (!loaded || refetch) {
      const client = refetch ? { ...options, logger, forceRefresh: true } : { ...options, logger };
      loaded = loadRepositoryIndex(repo, client, fetcher);
      indexes.set(repo, loaded);
    }
    return loaded;
  };
  /** Resolves against the index; a stale cached index that cannot answer is fetched anew once. */
  const jobsFor = async (request: Request): Promise<Job[]> => {
    const resolve = (from: LoadedIndex) =>
      resolveEntries(from.index, request).map(
        (entry): Job => ({
          request,
          loaded: from,
          entry,
          artifact: selectArtifact(request.repo, entry, platform),
        }),
      );
    const first = indexFor(request.repo);
    const loaded = await first;
    try {
      return resolve(loaded);
    } catch (err) {
      if (!loaded.stale) throw err;
      // Another request of this call may have fetched it anew already.
      const current = indexes.get(request.repo);
      return resolve(await (current && current !== first ? current : indexFor(request.repo, true)));
    }
  };
  const records = new Map<string, Promise<InstallRecord[]>>();
  const recordsOf = (repo: string) => {
    let list = records.get(repo);
    if (!list) {
      list = listRecords(options.cacheDir, repo);
      records.set(repo, list);
    }
    return list;
  };
  const ctx: Context = { options, logger, platform, fetcher, recordsOf };
  try {
    const results = await mapLimit(requests, requests.length, async (request) => {
      const pinned = await pinnedFromCache(ctx, request);
      if (pinned) return pinned;
      return jobsFor(request);
    });
    const jobs = results.flat();
    const plugins = await mapLimit(jobs, options.concurrency ?? 4, (job) =>
      'binary' in job ? Promise.resolve(job) : installJob(ctx, job),
    );
    const loadedIndexes = await Promise.all([...indexes.values()]);
    const staleIndexes = loadedIndexes.filter((l) => l.stale).map((l) => l.repo);
    return { plugins, httpRequests: stats.httpRequests, staleIndexes };
  } finally {
    await fetcher.close();
    await lock.release();
  }
}

interface Context {
  options: InstallOptions;
  logger: Logger | undefined;
  platform: Platform;
  fetcher: Fetcher;
  /** Install records of a repository as they were when this call started (read once). */
  recordsOf: (repo: string) => Promise<InstallRecord[]>;
}

/** A pinned exact version already installed and intact: no index needed (air-gap, warm start). */
async function pinnedFromCache(ctx: Context, request: Request): Promise<InstalledPlugin[] | undefined> {
  if (!request.version || !semver.valid(normalizeVersion(request.version))) return undefined;
  const wanted = normalizeVersion(request.version);
  const records = (await ctx.recordsOf(request.repo)).filter(
    (r) =>
      r.name === request.name &&
      normalizeVersion(r.version) === wanted &&
      (request.type === undefined || r.type === request.type) &&
      r.source.platform === platformLabel(ctx.platform),
  );
  if (records.length === 0) return undefined;
  const out: InstalledPlugin[] = [];
  for (const record of records) {
    const checked = await checkCached(ctx, record);
    if (checked.problem) {
      ctx.logger?.warn(
        { key: request.key, problem: checked.problem },
        'cached plugin changed since it was installed; reinstalling',
      );
      return undefined;
    }
    out.push(fromRecord(ctx, request, record, checked.unverified));
  }
  return out;
}

/**
 * Whether the cached files of `record` may be used. With `deferHashing` and an unchanged
 * fingerprint they are trusted now and their digests come back as `unverified`; otherwise
 * they are hashed now, and a record whose files hashed fine but had no (or another)
 * fingerprint gets the current one, so the next start can skip the hashing.
 */
async function checkCached(
  ctx: Context,
  record: InstallRecord,
): Promise<{ problem?: string; unverified?: InstalledDigests }> {
  const { cacheDir } = ctx.options;
  if (ctx.options.deferHashing && (await fingerprintsMatch(cacheDir, record))) {
    return { unverified: digestsOf(cacheDir, record) };
  }
  const before = await fingerprintInstalled(cacheDir, record).catch(() => undefined);
  const problem = await verifyInstalled(cacheDir, record);
  if (problem) return { problem };
  const after = await fingerprintInstalled(cacheDir, record).catch(() => undefined);
  // Only a fingerprint that held still across the hashing vouches for the hashed bytes.
  if (before && after && JSON.stringify(before) === JSON.stringify(after)) {
    if (JSON.stringify(record.fingerprints) !== JSON.stringify(after)) {
      const paths = installPaths(cacheDir, record.repo, record.binary);
      await writeFileAtomic(paths.record, recordText({ ...record, fingerprints: after })).catch(
        (err: unknown) =>
          ctx.logger?.warn(
            { record: paths.record, err: (err as Error).message },
            'could not update install record',
          ),
      );
    }
  }
  return {};
}

const recordText = (record: InstallRecord) => `${JSON.stringify(record, null, 2)}\n`;

function fromRecord(
  ctx: Context,
  request: Request,
  record: InstallRecord,
  unverified?: InstalledDigests,
): InstalledPlugin {
  const paths = installPaths(ctx.options.cacheDir, record.repo, record.binary);
  ctx.options.onProgress?.({ key: request.key, artifact: 'plugin', phase: 'cached' });
  return {
    key: request.key,
    repo: record.repo,
    type: record.type,
    name: record.name,
    version: record.version,
    binary: paths.binary,
    dependencyDir: paths.dependencyDir,
    dependencies: Object.fromEntries(
      Object.keys(record.dependencies).map((d) => [d, join(paths.dependencyDir, d)]),
    ),
    entry: record.entry,
    source: 'cache',
    ...(unverified ? { unverified } : {}),
  };
}

/** Marks a download failure as about plugin `key` (`details.key`, `details.scope: 'plugin'`). */
function blameOnPlugin(err: unknown, key: string): unknown {
  if (err instanceof SwitchboardError) {
    err.details.key ??= key;
    err.details.scope = 'plugin';
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SwitchboardError('SB_ERR_REPO_FETCH', `plugin ${key}: ${message}`, {
    cause: err,
    details: { key, scope: 'plugin' },
  });
}

async function installJob(ctx: Context, job: Job): Promise<InstalledPlugin> {
  const { request, entry, artifact } = job;
  const base = binaryName(entry.type, entry.version, entry.name);
  const paths = installPaths(ctx.options.cacheDir, request.repo, base);
  const existing = (await ctx.recordsOf(request.repo)).find(
    (r) => r.binary === base && r.source.platform === platformLabel(ctx.platform),
  );
  let tampered: string | undefined;
  // A republished artifact (new checksum for the same version) is downloaded again.
  const indexSha = artifact.checksum?.replace(/^sha256:/i, '').toLowerCase();
  if (existing && (indexSha?.length !== 64 || existing.source.sha256 === indexSha)) {
    const checked = await checkCached(ctx, existing);
    tampered = checked.problem;
    if (!tampered) return fromRecord(ctx, request, existing, checked.unverified);
    ctx.logger?.warn(
      { key: request.key, problem: tampered },
      'cached plugin changed since it was installed; reinstalling',
    );
  }
  try {
    return await download(ctx, job, base, paths);
  } catch (err) {
    // The index was read, so this failure (the plugin's archive or a dependency on another host)
    // is this plugin's alone; callers install the repository's other plugins.
    if (!tampered) throw blameOnPlugin(err, request.key);
    throw new SwitchboardError(
      'SB_ERR_REPO_CHECKSUM',
      `plugin ${request.key}: the cached copy was modified (${tampered}) and could not be reinstalled: ${(err as Error).message}`,
      { cause: err, details: { key: request.key } },
    );
  }
}

async function download(
  ctx: Context,
  job: Job,
  base: string,
  paths: ReturnType<typeof installPaths>,
): Promise<InstalledPlugin> {
  const { request, entry, artifact, loaded } = job;
  const repoOptions = ctx.options.repositories[request.repo] ?? { url: '' };
  const limits = { ...defaultLimits, ...ctx.options.limits };
  const what = `repository ${request.repo}: ${entry.type} ${entry.name} ${entry.version} (${platformLabel(ctx.platform)})`;
  const repoDir = join(ctx.options.cacheDir, request.repo);
  await mkdir(repoDir, { recursive: true });
  const work = await mkdtemp(join(repoDir, '.tmp-'));
  const started = Date.now();
  const common = {
    base: loaded.url,
    allowMissingChecksum: repoOptions.allowMissingChecksums ?? false,
    headers: repoOptions.headers ? { origin: loaded.url.origin, values: repoOptions.headers } : undefined,
    deadline: {
      ms: repoOptions.downloadDeadlineMs ?? repositoryDefaults.downloadDeadlineMs,
      setting: repositorySetting(request.repo, 'downloadDeadline'),
    },
    fetcher: ctx.fetcher,
    limits,
    onUnverified: (why: string) =>
      ctx.logger?.warn(
        { key: request.key, why },
        'installing a download without a usable checksum (allowed for this repository)',
      ),
  };
  try {
    ctx.logger?.info(
      { key: request.key, version: entry.version, url: redactUrl(artifact.url) },
      'downloading plugin',
    );
    const fetched = await fetchArtifact({
      ...common,
      rawUrl: artifact.url,
      checksum: artifact.checksum,
      workDir: join(work, 'plugin'),
      // Extensionless, so the first-regular-file rule accepts a raw binary (`base` has dots).
      rawName: `${entry.type}_${entry.name}`,
      what,
      onProgress: progress(ctx, request.key, 'plugin'),
    });
    const staged = join(work, base);
    await rename(await findPluginFile(fetched.root, what), staged);
    await chmod(staged, 0o755);
    const stagedDeps = join(work, 'deps');
    await mkdir(stagedDeps);
    const dependencies: Record<string, string> = {};
    for (const [depName, dep] of Object.entries(artifact.dependencies ?? {})) {
      const depWhat = `${what}: dependency ${depName}`;
      const got = await fetchArtifact({
        ...common,
        rawUrl: dep.url,
        checksum: dep.checksum,
        workDir: join(work, `dep-${depName}`),
        rawName: depName,
        what: depWhat,
        onProgress: progress(ctx, request.key, `dependency ${depName}`),
      });
      const target = join(stagedDeps, depName);
      await rename(await findDependencyFile(got.root, depName, depWhat), target);
      await chmod(target, 0o755);
      dependencies[depName] = await sha256File(target);
    }
    const { urls: _urls, ...entryInfo } = entry;
    const record: InstallRecord = {
      format: 1,
      repo: request.repo,
      type: entry.type,
      name: entry.name,
      version: entry.version,
      binary: base,
      sha256: await sha256File(staged),
      dependencies,
      source: { url: redactUrl(fetched.url), sha256: fetched.sha256, platform: platformLabel(ctx.platform) },
      entry: entryInfo,
      installedAt: new Date().toISOString(),
    };
    // Commit: the record goes last, so a crash in between leaves "not installed".
    await rm(paths.record, { force: true });
    await rm(paths.dependencyDir, { recursive: true, force: true });
    await rename(stagedDeps, paths.dependencyDir);
    await rename(staged, paths.binary);
    // Taken after the renames (a rename changes ctime), so the next start can trust these files.
    record.fingerprints = await fingerprintInstalled(ctx.options.cacheDir, record);
    await writeFileAtomic(paths.record, recordText(record));
    ctx.options.onProgress?.({ key: request.key, artifact: 'plugin', phase: 'installed' });
    ctx.logger?.info(
      { key: request.key, version: entry.version, binary: paths.binary, ms: Date.now() - started },
      'plugin installed and verified',
    );
    return {
      ...fromRecord({ ...ctx, options: { ...ctx.options, onProgress: undefined } }, request, record),
      source: 'download',
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Progress events for the caller, and an agent log line every 25 % of a known size. */
function progress(ctx: Context, key: string, artifact: string): ProgressCallback {
  let logged = 0;
  return (received, total) => {
    ctx.options.onProgress?.({ key, artifact, phase: 'download', received, total });
    if (total && ctx.logger) {
      const quarter = Math.floor((received / total) * 4);
      if (quarter > logged && quarter < 4) {
        logged = quarter;
        ctx.logger.info({ key, artifact, received, total }, `download ${quarter * 25}%`);
      }
    }
  };
}
