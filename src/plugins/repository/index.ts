/**
 * Plugin repositories: the API the agent and the CLI use. Everything else in
 * this directory is an implementation detail.
 */
export { acquireCacheLock, type CacheLock, type LockOptions } from './cache-lock.js';
export type { HttpOptions } from './fetcher.js';
export {
  currentPlatform,
  type IndexEntry,
  type Platform,
  type PluginType,
  type RepositoryIndex,
} from './index-format.js';
export { parseIndex } from './index-parse.js';
export { type InstalledPlugin, type InstallResult, installPlugins } from './installer.js';
export type {
  InstallOptions,
  InstallProgress,
  RepositoryClientOptions,
  RepositoryOptions,
  SizeLimits,
} from './options.js';
export { type PluginKey, type PluginRequest, parsePluginKey } from './plugin-key.js';
export { type PullOptions, type PullResult, pullBundle } from './pull-bundle.js';
export { refreshIndexes } from './refresh-indexes.js';
export { type LoadedIndex, loadRepositoryIndex } from './repository-index.js';
