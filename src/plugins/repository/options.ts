import type { Logger } from '../../log/logger.js';
import type { LockOptions } from './cache-lock.js';
import type { HttpOptions } from './fetcher.js';
import type { Platform } from './index-format.js';
import type { PluginRequest } from './plugin-key.js';

/** One plugin repository (config `plugins.repositories.<name>`). */
export interface RepositoryOptions {
  /** The index: `https://…/index.yaml`, `file:///…/index.yaml` or an absolute path. A URL ending in `/` means `<url>index.yaml`. */
  url: string;
  /** Sent with the index request, and with artifact downloads from the same origin (auth tokens). */
  headers?: Record<string, string>;
  /**
   * Ed25519 public keys (PEM, or base64 of the raw 32 bytes). When set, the
   * index must come with `index.yaml.sig` signed by one of them, or nothing from
   * it is installed.
   */
  publicKeys?: string[];
  /** Install entries and dependencies that have no sha256/sha512 checksum (refused by default). */
  allowMissingChecksums?: boolean;
  /** The whole fetch of the index (and its signature), retries included (ms); default 60 s. */
  indexDeadlineMs?: number;
  /** The whole download of one archive or dependency, retries included (ms); default 5 min. */
  downloadDeadlineMs?: number;
  /** Largest index accepted (bytes); reading stops there; default 32 MiB. */
  maxIndexBytes?: number;
}

/** Defaults of the per-repository transport settings. */
export const repositoryDefaults = {
  indexDeadlineMs: 60_000,
  downloadDeadlineMs: 5 * 60_000,
  maxIndexBytes: 32 * 1024 * 1024,
} as const;

const settingFlags = {
  indexDeadline: '--index-deadline',
  downloadDeadline: '--download-deadline',
  maxIndexBytes: '--max-index-bytes',
} as const;

/** How a user changes a per-repository setting, for error messages: config key and CLI flag. */
export function repositorySetting(repo: string, key: keyof typeof settingFlags): string {
  return `plugins.repositories.${repo}.${key} (CLI: ${settingFlags[key]})`;
}

/** Size caps for downloads and extraction. */
export interface SizeLimits {
  /** Largest download (archive, binary, index); default 512 MiB. */
  maxDownloadBytes?: number;
  /** Largest single extracted file; default 512 MiB. */
  maxFileBytes?: number;
  /** Largest total extracted from one archive; default 1 GiB. */
  maxTotalBytes?: number;
}

/** One step of an installation, for progress bars (CLI) and logs (agent). */
export interface InstallProgress {
  key: string;
  /** `plugin`, or `dependency <name>`. */
  artifact: string;
  phase: 'download' | 'verified' | 'installed' | 'cached';
  received?: number;
  total?: number;
}

/** Options shared by everything that reads repositories. */
export interface RepositoryClientOptions {
  /** Cache root: `<cacheDir>/<repo>.yaml` indexes, `<cacheDir>/<repo>/…` plugins. */
  cacheDir: string;
  repositories: Record<string, RepositoryOptions>;
  /** A cached index younger than this is used without a request (ms); default 15 min. */
  refreshIntervalMs?: number;
  /** Fetch every index needed now, whatever its age (a stale cache is still the fallback). */
  forceRefresh?: boolean;
  /**
   * Use a cached index of any age without a request (marked `stale` when older than the refresh
   * interval), so that a start makes no request; the caller refreshes stale ones afterwards
   * (`refreshIndexes`). An index that lacks a requested plugin is fetched anyway.
   */
  cachedIndexFirst?: boolean;
  http?: HttpOptions;
  limits?: SizeLimits;
  logger?: Logger;
}

/** What `installPlugins` takes. */
export interface InstallOptions extends RepositoryClientOptions {
  /** Keys `repo/name[@version]` of the plugins that are enabled and bound somewhere; nothing else is fetched. */
  plugins: PluginRequest[];
  /** Defaults to this process's OS/arch in Go's names. */
  platform?: Platform;
  /** Parallel downloads; default 4. */
  concurrency?: number;
  lock?: Omit<LockOptions, 'logger'>;
  onProgress?: (event: InstallProgress) => void;
  /**
   * Trust cached files whose install fingerprint is unchanged instead of hashing them now; each
   * such plugin comes back with `unverified` digests, which the caller must check soon after.
   */
  deferHashing?: boolean;
}

export const defaultLimits: Required<SizeLimits> = {
  maxDownloadBytes: 512 * 1024 * 1024,
  maxFileBytes: 512 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
};
