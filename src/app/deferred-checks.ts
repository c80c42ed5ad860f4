import type { Logger } from '../log/logger.js';
import { verifyDigests } from '../plugins/repository/install-record.js';
import type { InstalledPlugin } from '../plugins/repository/installer.js';

export interface DeferredChecksOptions {
  /** Fetches the indexes of these repositories into the cache (they were served stale at start). */
  refreshIndexes(repos: readonly string[]): Promise<void>;
  /** A plugin trusted by its install fingerprint hashed differently: it must stop. */
  onTampered(plugin: InstalledPlugin, problem: string): Promise<void>;
  /** How long after `begin` the work starts: past the start-up burst of plugins and platforms. */
  delayMs: number;
  log: Logger;
}

/**
 * The work a start puts off so that it needs no hashing and no request: hashing the cached
 * plugin files that were trusted by their install fingerprint, and refreshing indexes that were
 * served from a stale cache. Nothing runs before `begin` (after ready); after it, what is added
 * runs at once (after the delay), one plugin at a time so that hashing never takes both CPUs from the agent.
 */
export class DeferredChecks {
  readonly #options: DeferredChecksOptions;
  readonly #plugins: InstalledPlugin[] = [];
  readonly #repos = new Set<string>();
  #begun = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: DeferredChecksOptions) {
    this.#options = options;
  }

  add(plugins: readonly InstalledPlugin[], staleIndexes: readonly string[]): void {
    if (this.#closed) return;
    for (const plugin of plugins) if (plugin.unverified) this.#plugins.push(plugin);
    for (const repo of staleIndexes) this.#repos.add(repo);
    if (this.#begun) this.#drain();
  }

  /** Start is over: run what was put off, and from now on what is added. */
  begin(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#begun = true;
      this.#drain();
    }, this.#options.delayMs);
    this.#timer.unref();
  }

  /** Settles when nothing is pending (for stop and tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Runs nothing more; waits for what is under way. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#plugins.length = 0;
    this.#repos.clear();
    await this.idle();
  }

  #drain(): void {
    if (this.#running) return;
    this.#running = this.#work().finally(() => {
      this.#running = undefined;
      if (!this.#closed && (this.#plugins.length > 0 || this.#repos.size > 0)) this.#drain();
    });
  }

  async #work(): Promise<void> {
    const { log } = this.#options;
    for (let plugin = this.#plugins.shift(); plugin; plugin = this.#plugins.shift()) {
      const digests = plugin.unverified;
      if (!digests) continue;
      const started = performance.now();
      const problem = await verifyDigests(digests);
      if (this.#closed) return;
      if (problem) {
        await this.#options
          .onTampered(plugin, problem)
          .catch((err: unknown) =>
            log.error(
              { plugin: plugin.key, err: (err as Error).message },
              'could not stop a tampered plugin',
            ),
          );
      } else {
        log.debug(
          { plugin: plugin.key, ms: Math.round(performance.now() - started) },
          'cached plugin files hashed after start: intact',
        );
      }
    }
    if (this.#repos.size === 0 || this.#closed) return;
    const repos = [...this.#repos];
    this.#repos.clear();
    await this.#options
      .refreshIndexes(repos)
      .catch((err: unknown) =>
        log.warn(
          { repositories: repos, err: (err as Error).message },
          'plugin index refresh after start failed',
        ),
      );
  }
}
