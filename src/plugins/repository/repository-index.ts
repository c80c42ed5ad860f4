import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasCode, SwitchboardError } from '../../errors/switchboard-error.js';
import { writeFileAtomic } from './atomic-file.js';
import type { Fetcher } from './fetcher.js';
import { redactUrl } from './getter-url.js';
import type { RepositoryIndex } from './index-format.js';
import { parseIndex } from './index-parse.js';
import {
  type RepositoryClientOptions,
  type RepositoryOptions,
  repositoryDefaults,
  repositorySetting,
} from './options.js';
import { parsePublicKey, verifyDetached } from './signature.js';

/** An index ready to resolve against. */
export interface LoadedIndex {
  repo: string;
  /** The index's own URL: relative artifact URLs resolve against it. */
  url: URL;
  index: RepositoryIndex;
  /** `network` (just fetched), `file` (a file:// repository), `cache` (fresh), `stale-cache` (repository unreachable). */
  source: 'network' | 'file' | 'cache' | 'stale-cache';
  /** True when a signature was required and verified. */
  verified: boolean;
  /** Served from a cache older than the refresh interval (`cachedIndexFirst`): refresh it soon. */
  stale?: true;
}

interface CacheMeta {
  url: string;
  fetchedAt: number;
}

/** The index URL of a repository: `…/` gets `index.yaml`, absolute paths become file URLs. */
export function repositoryIndexUrl(repo: string, options: RepositoryOptions): URL {
  const raw = options.url.trim();
  try {
    const url = isAbsolute(raw) ? pathToFileURL(raw) : new URL(raw);
    if (!['http:', 'https:', 'file:'].includes(url.protocol))
      throw new Error(`scheme ${url.protocol} is not supported`);
    if (url.pathname.endsWith('/')) url.pathname += 'index.yaml';
    return url;
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CONFIG',
      `repository ${repo}: url "${redactUrl(raw)}" is not an http(s) or file URL or absolute path: ${(err as Error).message}`,
      { cause: err, details: { repo } },
    );
  }
}

/** Where a repository's index is cached. */
export function indexCachePaths(cacheDir: string, repo: string) {
  const index = join(cacheDir, `${repo}.yaml`);
  return { index, signature: `${index}.sig`, meta: `${index}.json` };
}

/**
 * Loads a repository's index. `file://` repositories are read in place. HTTP
 * ones come from `<cacheDir>/<repo>.yaml` while it is younger than the refresh
 * interval (no request at all), else are fetched and the cache rewritten
 * atomically; when the fetch fails, a cached copy (of the same URL) is used with
 * a warning. With public keys configured, `<index>.sig` is required and checked
 * on every load, cached or not; a failing signature is an error, never a reason
 * to fall back.
 */
export async function loadRepositoryIndex(
  repo: string,
  client: RepositoryClientOptions,
  fetcher: Fetcher,
): Promise<LoadedIndex> {
  const options = client.repositories[repo];
  if (!options) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CONFIG',
      `repository ${repo} is not configured (configured: ${Object.keys(client.repositories).join(', ') || 'none'})`,
      { details: { repo } },
    );
  }
  const url = repositoryIndexUrl(repo, options);
  const keys = (options.publicKeys ?? []).map(parsePublicKey);
  const maxBytes = options.maxIndexBytes ?? repositoryDefaults.maxIndexBytes;
  const fetchOptions = {
    headers: options.headers ? { origin: url.origin, values: options.headers } : undefined,
    maxBytes,
    maxBytesSetting: repositorySetting(repo, 'maxIndexBytes'),
    deadline: {
      ms: options.indexDeadlineMs ?? repositoryDefaults.indexDeadlineMs,
      setting: repositorySetting(repo, 'indexDeadline'),
    },
  };
  const sigUrl = new URL(url);
  sigUrl.pathname += '.sig';

  const fetchPair = async () => {
    const what = `repository ${repo}: index`;
    const text = await fetcher.fetchBytes(url, { ...fetchOptions, what });
    if (text === undefined) {
      const missing = url.protocol === 'file:' ? 'does not exist' : 'not found (HTTP 404)';
      throw new SwitchboardError('SB_ERR_REPO_FETCH', `${what}: ${redactUrl(url)} ${missing}`, {
        details: { repo, url: redactUrl(url), status: 404 },
      });
    }
    const sig =
      keys.length > 0
        ? await fetcher.fetchBytes(sigUrl, { ...fetchOptions, what: `${what} signature` })
        : undefined;
    return { text, sig };
  };

  if (url.protocol === 'file:') {
    const { text, sig } = await fetchPair();
    return { repo, url, index: check(repo, url, text, sig, keys), source: 'file', verified: keys.length > 0 };
  }

  const paths = indexCachePaths(client.cacheDir, repo);
  const cached = await readCache(paths, url, maxBytes);
  const maxAge = client.refreshIntervalMs ?? 15 * 60_000;
  const fresh = cached !== undefined && Date.now() - cached.meta.fetchedAt < maxAge;
  if (cached && !client.forceRefresh && (fresh || client.cachedIndexFirst)) {
    return {
      repo,
      url,
      index: check(repo, url, cached.text, cached.sig, keys),
      source: 'cache',
      verified: keys.length > 0,
      ...(fresh ? {} : { stale: true as const }),
    };
  }
  let fetched: { text: Buffer; sig: Buffer | undefined };
  try {
    fetched = await fetchPair();
  } catch (err) {
    if (!cached || !(hasCode(err, 'SB_ERR_REPO_FETCH') || hasCode(err, 'SB_ERR_REPO_DEADLINE'))) throw err;
    client.logger?.warn(
      {
        repo,
        url: redactUrl(url),
        cachedAt: new Date(cached.meta.fetchedAt).toISOString(),
        err: (err as Error).message,
      },
      'repository unreachable; using the cached index',
    );
    return {
      repo,
      url,
      index: check(repo, url, cached.text, cached.sig, keys),
      source: 'stale-cache',
      verified: keys.length > 0,
    };
  }
  const index = check(repo, url, fetched.text, fetched.sig, keys);
  await mkdir(client.cacheDir, { recursive: true });
  if (fetched.sig) await writeFileAtomic(paths.signature, fetched.sig);
  await writeFileAtomic(paths.index, fetched.text);
  await writeFileAtomic(
    paths.meta,
    JSON.stringify({ url: url.toString(), fetchedAt: Date.now() } satisfies CacheMeta),
  );
  return { repo, url, index, source: 'network', verified: keys.length > 0 };
}

function check(
  repo: string,
  url: URL,
  text: Buffer,
  sig: Buffer | undefined,
  keys: KeyObject[],
): RepositoryIndex {
  if (keys.length > 0) {
    if (sig === undefined) {
      throw new SwitchboardError(
        'SB_ERR_REPO_SIGNATURE',
        `repository ${repo}: public keys are configured but ${redactUrl(url)}.sig is missing; refusing the unsigned index`,
        { details: { repo } },
      );
    }
    if (!verifyDetached(text, sig.toString('utf8'), keys)) {
      throw new SwitchboardError(
        'SB_ERR_REPO_SIGNATURE',
        `repository ${repo}: the signature ${redactUrl(url)}.sig does not verify against any of the ${keys.length} configured public key(s); refusing the index`,
        { details: { repo } },
      );
    }
  }
  return parseIndex(text.toString('utf8'), `of repository ${repo} (${redactUrl(url)})`);
}

/** The cached index of `url`; none when absent, of another URL, or over the size cap (cached before the cap). */
async function readCache(paths: ReturnType<typeof indexCachePaths>, url: URL, maxBytes: number) {
  try {
    const meta = JSON.parse(await readFile(paths.meta, 'utf8')) as CacheMeta;
    if (meta.url !== url.toString()) return undefined;
    if ((await stat(paths.index)).size > maxBytes) return undefined;
    const text = await readFile(paths.index);
    const sig = await readFile(paths.signature).catch(() => undefined);
    return { meta, text, sig };
  } catch {
    return undefined;
  }
}
