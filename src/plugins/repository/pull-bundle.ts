import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { expectedChecksum } from './artifact-fetch.js';
import { mapLimit, writeFileAtomic } from './atomic-file.js';
import { createFetcher, type Deadline, type Fetcher, type ScopedHeaders } from './fetcher.js';
import { type ChecksumType, parseChecksum, parseGetterUrl, redactUrl, urlBasename } from './getter-url.js';
import type {
  IndexArtifact,
  IndexDependency,
  IndexEntry,
  Platform,
  RepositoryIndex,
} from './index-format.js';
import { parseIndex, stringifyIndex } from './index-parse.js';
import {
  defaultLimits,
  type RepositoryClientOptions,
  repositoryDefaults,
  repositorySetting,
} from './options.js';
import { type PluginRequest, parseRequest } from './plugin-key.js';
import { type LoadedIndex, loadRepositoryIndex } from './repository-index.js';
import { resolveEntries } from './resolve-entry.js';
import { parsePrivateKey, signDetached } from './signature.js';

export interface PullOptions extends RepositoryClientOptions {
  plugins: PluginRequest[];
  /** The bundle directory; one sub-directory per repository. */
  outputDir: string;
  /** Platforms to include; default every platform each entry has. */
  platforms?: Platform[];
  /** Ed25519 PKCS#8 PEM: sign each bundle index (`index.yaml.sig`). */
  signKeyPem?: string;
  concurrency?: number;
}

export interface PullResult {
  /** Repository name → the bundle index as a file URL, ready for `plugins.repositories.<name>.url`. */
  repositories: Record<string, string>;
  /** Files written (archives and dependencies). */
  files: number;
}

interface Download {
  rawUrl: string;
  base: URL;
  checksum: string | null | undefined;
  /** Path relative to the repository's bundle directory. */
  target: string;
  what: string;
  allowMissing: boolean;
  headers: ScopedHeaders | undefined;
  deadline: Deadline;
}

/**
 * Builds an offline bundle: for each repository of the requested keys, a
 * directory `<outputDir>/<repo>/` holding an `index.yaml` with only the resolved
 * entries (and platforms), every archive and dependency they need, each
 * verified against its checksum while downloading, and URLs rewritten relative
 * to the index. Each directory is itself a repository: point
 * `plugins.repositories.<repo>.url` at `file://<outputDir>/<repo>/index.yaml`
 * and the same keys install with no network. Signed when `signKeyPem` is given
 * (the upstream signature cannot cover a rewritten index).
 */
export async function pullBundle(options: PullOptions): Promise<PullResult> {
  const requests = options.plugins.map(parseRequest);
  const byRepo = new Map<string, typeof requests>();
  for (const r of requests) byRepo.set(r.repo, [...(byRepo.get(r.repo) ?? []), r]);
  const fetcher = createFetcher(options.http);
  const signKey = options.signKeyPem ? parsePrivateKey(options.signKeyPem) : undefined;
  const result: PullResult = { repositories: {}, files: 0 };
  try {
    for (const [repo, repoRequests] of byRepo) {
      const loaded = await loadRepositoryIndex(repo, options, fetcher);
      const entries = new Map<string, IndexEntry>();
      for (const r of repoRequests)
        for (const e of resolveEntries(loaded.index, r)) entries.set(`${e.type}/${e.name}@${e.version}`, e);
      const downloads: Download[] = [];
      const bundled: IndexEntry[] = [...entries.values()].map((e) =>
        bundleEntry(repo, e, loaded, options, downloads),
      );
      const dir = join(options.outputDir, repo);
      await mkdir(dir, { recursive: true });
      await mapLimit(downloads, options.concurrency ?? 4, (d) => fetchInto(fetcher, dir, d, options));
      result.files += downloads.length;
      const index: RepositoryIndex = { entries: bundled };
      const text = stringifyIndex(index);
      parseIndex(text, `bundle of ${repo}`);
      const indexPath = join(dir, 'index.yaml');
      await writeFileAtomic(indexPath, text);
      if (signKey) await writeFileAtomic(`${indexPath}.sig`, signDetached(Buffer.from(text), signKey));
      else await rm(`${indexPath}.sig`, { force: true });
      result.repositories[repo] = pathToFileURL(indexPath).toString();
    }
    return result;
  } finally {
    await fetcher.close();
  }
}

function bundleEntry(
  repo: string,
  entry: IndexEntry,
  loaded: LoadedIndex,
  options: PullOptions,
  downloads: Download[],
): IndexEntry {
  const repoOptions = options.repositories[repo];
  const common = {
    base: loaded.url,
    allowMissing: repoOptions?.allowMissingChecksums ?? false,
    headers: repoOptions?.headers ? { origin: loaded.url.origin, values: repoOptions.headers } : undefined,
    deadline: {
      ms: repoOptions?.downloadDeadlineMs ?? repositoryDefaults.downloadDeadlineMs,
      setting: repositorySetting(repo, 'downloadDeadline'),
    },
  };
  const wanted = options.platforms;
  const urls = entry.urls.filter(
    (u) => !wanted || wanted.some((p) => p.os === u.platform.os && p.arch === u.platform.architecture),
  );
  if (urls.length === 0) {
    throw new SwitchboardError(
      'SB_ERR_REPO_PLATFORM',
      `repository ${repo}: ${entry.type} ${entry.name} ${entry.version} has none of the requested platforms (it has ${entry.urls.map((u) => `${u.platform.os}/${u.platform.architecture}`).join(', ')})`,
    );
  }
  const what = `repository ${repo}: ${entry.type} ${entry.name} ${entry.version}`;
  const bundledUrls = urls.map((u): IndexArtifact => {
    const platformDir = `${u.platform.os}_${u.platform.architecture}`;
    const art = relocate(u.url, u.checksum, `${entry.name}/${entry.version}/${platformDir}`, loaded.url);
    downloads.push({
      ...common,
      rawUrl: u.url,
      checksum: u.checksum,
      target: art.target,
      what: `${what} (${platformDir})`,
    });
    const out: IndexArtifact = { url: art.url, checksum: art.checksum, platform: u.platform };
    if (u.dependencies) {
      out.dependencies = Object.fromEntries(
        Object.entries(u.dependencies).map(([name, dep]): [string, IndexDependency] => {
          const d = relocate(dep.url, dep.checksum, `deps/${name}/${platformDir}`, loaded.url);
          downloads.push({
            ...common,
            rawUrl: dep.url,
            checksum: dep.checksum,
            target: d.target,
            what: `${what}: dependency ${name}`,
          });
          return [name, d.checksum ? { url: d.url, checksum: d.checksum } : { url: d.url }];
        }),
      );
    }
    return out;
  });
  return { ...entry, urls: bundledUrls };
}

/** The bundle-relative location and URL of one artifact, keeping `//subdir`, `?filename=`, `?archive=`. */
function relocate(rawUrl: string, checksum: string | null | undefined, dir: string, base: URL) {
  const getter = parseGetterUrl(rawUrl, base.toString());
  const file = urlBasename(getter.url);
  const target = `${dir}/${file}`;
  const params = new URLSearchParams();
  if (getter.filename) params.set('filename', getter.filename);
  if (getter.archive) params.set('archive', getter.archive);
  const query = params.toString();
  const url = `${target.split('/').map(encodeURIComponent).join('/')}${getter.subdir ? `//${getter.subdir}` : ''}${query ? `?${query}` : ''}`;
  const sum = getter.checksum ?? (checksum ? parseChecksum(checksum, rawUrl) : undefined);
  return {
    target,
    url,
    checksum: sum ? (sum.type === 'sha256' ? sum.hex : `${sum.type}:${sum.hex}`) : undefined,
  };
}

async function fetchInto(fetcher: Fetcher, dir: string, d: Download, options: PullOptions): Promise<void> {
  const getter = parseGetterUrl(d.rawUrl, d.base.toString());
  const checksum = expectedChecksum(d.checksum, getter.checksum, {
    allowMissingChecksum: d.allowMissing,
    what: d.what,
    rawUrl: d.rawUrl,
    onUnverified: (why) =>
      options.logger?.warn(
        { url: redactUrl(d.rawUrl), why },
        'bundling a download without a usable checksum',
      ),
  });
  const target = join(dir, ...d.target.split('/'));
  await mkdir(join(target, '..'), { recursive: true });
  const temp = `${target}.part`;
  const digests: ChecksumType[] =
    checksum && checksum.type !== 'sha256' ? ['sha256', checksum.type] : ['sha256'];
  try {
    const got = await fetcher.download(getter.url, temp, {
      headers: d.headers,
      deadline: d.deadline,
      maxBytes: { ...defaultLimits, ...options.limits }.maxDownloadBytes,
      digests,
      what: d.what,
    });
    if (checksum && got.digests[checksum.type] !== checksum.hex) {
      throw new SwitchboardError(
        'SB_ERR_REPO_CHECKSUM',
        `${d.what}: ${checksum.type} of ${redactUrl(getter.url)} is ${got.digests[checksum.type]}, expected ${checksum.hex}`,
      );
    }
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}
