import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Secret } from '../core/secret.js';
import { ConfigFileTooLarge, readConfigBytes } from './config-file-read.js';
import { type ConfigDiff, diffConfigs } from './diff.js';
import type { ConfigIssue } from './issues.js';
import { loadConfig } from './load.js';
import type { ConfigLocator } from './locate.js';
import { Config } from './schema.js';
import { readSecretFile, SecretFileError } from './secret-file.js';

export interface WatchConfigOptions {
  /** The config files, as given to `loadConfig`. */
  files: readonly string[];
  /** Environment for overrides and `{fromEnv}` secrets; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The config in use now. Without it the watcher loads the files first (an error goes to `onError`). */
  initial?: Config;
  /** Quiet time after the last file event before reloading; default `configWatcher.debounce` (500 ms). */
  debounceMs?: number;
  /**
   * Called with a new valid config, what changed, and its warnings. Not called when the files
   * changed but the resulting config is the same. Calls never overlap.
   */
  onChange(
    config: Config,
    diff: ConfigDiff,
    warnings: ConfigIssue[],
    locator: ConfigLocator,
  ): void | Promise<void>;
  /** Called when a changed config is invalid (a ConfigError) or a directory cannot be watched; the old config stays. */
  onError(error: Error): void;
}

/** A running watcher. */
export interface ConfigWatcher {
  /** Resolves once the directories are watched (and the initial load, if any, is done). */
  readonly ready: Promise<void>;
  /** The config currently in force (the last valid one). */
  current(): Config | undefined;
  /** Reloads now (as a file event would, without the debounce); resolves when done. */
  reload(): Promise<void>;
  /** Stops watching; resolves after a reload in progress has finished. */
  close(): Promise<void>;
}

/**
 * Watches the config files and reloads on change: validates the new config, keeps the old one
 * when it is invalid (reporting why through `onError`), and hands a valid one with its
 * {@link ConfigDiff} to `onChange` so the agent restarts only what changed.
 *
 * Directories are watched, not files, because editors save by writing a new file and renaming
 * it over the old one, and Kubernetes updates a mounted ConfigMap by swapping the `..data`
 * symlink; a watch on the old file would see neither. Secret files the config reads
 * (`{fromFile}`) are watched too, so a rotated token is picked up. Events are debounced, and a
 * reload whose inputs have the same content as the last one does nothing. The watcher does
 * not keep the process alive on its own.
 */
export function watchConfig(options: WatchConfigOptions): ConfigWatcher {
  const env = options.env ?? process.env;
  let current = options.initial;
  let fingerprint: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  /** Watched directory → the entry names in it that matter. */
  const watched = new Map<string, { watcher?: FSWatcher; names: Set<string> }>();

  const debounceMs = () => options.debounceMs ?? current?.configWatcher.debounce.ms ?? 500;

  /** The config files, then the secret files the current config reads (a rotated token reloads too). */
  const inputs = () => [...options.files, ...(current ? secretFiles(current) : [])];

  const readFingerprint = async (): Promise<string> => {
    const hash = createHash('sha256');
    const secrets = new Set(current ? secretFiles(current) : []);
    for (const file of inputs()) {
      hash.update(file).update('\0');
      try {
        // A secret file swapped for a device or a huge file must not be read whole here either:
        // the bounded reader refuses it, the reload then reports why.
        hash.update(secrets.has(file) ? readSecretFile(file) : await readConfigBytes(file));
      } catch (err) {
        const reason =
          err instanceof SecretFileError || err instanceof ConfigFileTooLarge
            ? err.message
            : (err as NodeJS.ErrnoException).code;
        hash.update(`unreadable:${reason ?? 'error'}`);
      }
      hash.update('\0');
    }
    return hash.digest('hex');
  };

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, debounceMs());
  };

  const watchDirectory = (dir: string, name: string) => {
    const entry = watched.get(dir) ?? { names: new Set<string>() };
    entry.names.add(name);
    watched.set(dir, entry);
    if (entry.watcher || closed) return;
    try {
      entry.watcher = watch(dir, { persistent: false }, (_event, changed) => {
        const entryName = changed?.toString();
        // `..data` and `..<timestamp>` are the Kubernetes atomic-writer entries (ConfigMaps and Secrets).
        if (entryName === undefined || entry.names.has(entryName) || entryName.startsWith('..')) schedule();
      });
      entry.watcher.on('error', (err) => {
        if (!closed) options.onError(err);
      });
    } catch (err) {
      options.onError(err as Error);
    }
  };

  /** Watches the directory of each input, and of what a symlinked input points to. */
  const watchInputs = async () => {
    for (const file of inputs()) {
      const absolute = resolve(file);
      watchDirectory(dirname(absolute), basename(absolute));
      const target = await realpath(absolute).catch(() => absolute);
      if (target !== absolute) watchDirectory(dirname(target), basename(target));
    }
  };

  const reloadOnce = async (initial: boolean) => {
    const seen = await readFingerprint();
    if (seen === fingerprint && current !== undefined) return;
    try {
      const loaded = await loadConfig({ files: options.files, env });
      const previous = current;
      current = loaded.config;
      await watchInputs();
      fingerprint = await readFingerprint();
      if (initial) return;
      // After a failed first load, everything in the first valid config is new.
      const diff = diffConfigs(previous ?? Config.parse({}), loaded.config);
      if (diff.changed && !closed) {
        try {
          await options.onChange(loaded.config, diff, loaded.warnings, loaded.locator);
        } catch (err) {
          // The agent refused it (a plugin rejecting its config, say): the running one stays
          // current until the files change again.
          current = previous;
          throw err;
        }
      }
    } catch (err) {
      fingerprint = seen;
      if (!closed) options.onError(err as Error);
    }
  };

  // One reload at a time; events during a reload cause exactly one more afterwards.
  const reload = (initial = false): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce(initial);
        initial = false;
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const start = async () => {
    await watchInputs();
    // With an initial config, compare it with what the files hold now rather than trusting they
    // still hold it: they may have changed while the agent started (plugins can take minutes to
    // install), and a fingerprint taken after such a change would hide it until the next edit.
    await reload(current === undefined);
  };

  const ready = start();
  return {
    ready,
    current: () => current,
    reload: async () => {
      await ready;
      await reload();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const entry of watched.values()) entry.watcher?.close();
      await ready.catch(() => undefined);
      await running;
    },
  };
}

/** Paths of the `{fromFile}` secrets a config read. */
function secretFiles(config: Config): string[] {
  const files: string[] = [];
  const visit = (node: unknown) => {
    if (node instanceof Secret) {
      if (node.source.kind === 'file') files.push(node.source.path);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (typeof node === 'object' && node !== null) {
      Object.values(node).forEach(visit);
    }
  };
  visit(config);
  return files;
}
