import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IndexEntry, PluginType } from './index-format.js';

/**
 * What an installed plugin was, written last (atomically) as the commit marker of
 * an install: a binary without its record is treated as not installed. The
 * digests are of the files as installed, so tampering with the cache is noticed
 * at the next start.
 */
export interface InstallRecord {
  format: 1;
  repo: string;
  type: PluginType;
  name: string;
  version: string;
  /** Binary file name inside `<cacheDir>/<repo>/`. */
  binary: string;
  sha256: string;
  /** Dependency name → sha256 of `<binary>_deps/<name>`. */
  dependencies: Record<string, string>;
  /** The artifact this came from: URL without credentials, and the archive sha256. */
  source: { url: string; sha256: string; platform: string };
  /** The index entry minus its URLs (description, schemas) so a pinned plugin needs no index. */
  entry: Omit<IndexEntry, 'urls'>;
  installedAt: string;
}

/** `<type>_<version>_<name>`, Botkube's cache file name. */
export function binaryName(type: PluginType, version: string, name: string): string {
  return `${type}_${version}_${name}`;
}

/** Paths of an installed plugin. */
export function installPaths(cacheDir: string, repo: string, binary: string) {
  const path = join(cacheDir, repo, binary);
  return { binary: path, dependencyDir: `${path}_deps`, record: `${path}.install.json` };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Every record in `<cacheDir>/<repo>/` (unreadable ones are skipped: they are reinstalled). */
export async function listRecords(cacheDir: string, repo: string): Promise<InstallRecord[]> {
  const dir = join(cacheDir, repo);
  const names = await readdir(dir).catch(() => [] as string[]);
  const records = await Promise.all(
    names.filter((n) => n.endsWith('.install.json')).map((n) => readRecord(join(dir, n))),
  );
  return records.filter((r): r is InstallRecord => r !== undefined);
}

export async function readRecord(path: string): Promise<InstallRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as InstallRecord;
    return record.format === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Re-hashes the installed files; returns why they no longer match, or undefined when intact. */
export async function verifyInstalled(cacheDir: string, record: InstallRecord): Promise<string | undefined> {
  const paths = installPaths(cacheDir, record.repo, record.binary);
  const checks: Array<[string, string]> = [
    [paths.binary, record.sha256],
    ...Object.entries(record.dependencies).map(([dep, sha]): [string, string] => [
      join(paths.dependencyDir, dep),
      sha,
    ]),
  ];
  const problems = await Promise.all(
    checks.map(async ([file, expected]) => {
      try {
        const actual = await sha256File(file);
        return actual === expected ? undefined : `${file} has sha256 ${actual}, recorded ${expected}`;
      } catch (err) {
        return `${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
    }),
  );
  return problems.find((p) => p !== undefined);
}
