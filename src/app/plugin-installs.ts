import { ConfigError } from '../config/issues.js';
import type { ConfigLocator } from '../config/locate.js';
import type { Config } from '../config/schema.js';
import { type UsedPlugin, usedPlugins } from '../config/used-plugins.js';
import type { Logger } from '../log/logger.js';
import { repositoriesFromConfig } from '../plugins/repository/from-config.js';
import type { InstalledPlugin } from '../plugins/repository/installer.js';
import type { DeferredChecks } from './deferred-checks.js';
import { installEach } from './install-each.js';
import { assertPluginConfigs } from './plugin-configs.js';
import { repoOf, usedId } from './plugin-ids.js';
import type { RetryBook } from './retry-book.js';

export interface PluginInstallsOptions {
  /** Records what could not be installed (`repo:<name>`, `plugin:<kind>:<key>`) for retries. */
  retries: RetryBook;
  /** The agent's log: install failures are agent events. */
  log: Logger;
  /** The root logger, for the installer's own children. */
  logger: Logger;
  /**
   * When set, installs trust cached files by their install fingerprint and use cached indexes of
   * any age, and hand the hashing and the index refresh to these checks (run after start).
   */
  deferred?: DeferredChecks;
}

/**
 * The installed (verified) plugins by `<type>:<key>`, with the schema their index entry
 * publishes. Installing never starts a process.
 */
export class PluginInstalls {
  readonly #installed = new Map<string, InstalledPlugin>();
  readonly #options: PluginInstallsOptions;

  constructor(options: PluginInstallsOptions) {
    this.#options = options;
  }

  has(id: string): boolean {
    return this.#installed.has(id);
  }

  get(id: string): InstalledPlugin | undefined {
    return this.#installed.get(id);
  }

  delete(id: string): void {
    this.#installed.delete(id);
  }

  /**
   * Installs the plugins `cfg` uses and checks every installed entry's config against its
   * plugin's published schema; throws (a ConfigError naming file, line and path) before anything
   * runs. Plugins that cannot be installed now are retried; the rest go ahead.
   */
  async prepare(cfg: Config, locator?: ConfigLocator): Promise<UsedPlugin[]> {
    const wanted = usedPlugins(cfg);
    await this.ensure(wanted, cfg);
    assertPluginConfigs(cfg, wanted, [...this.#installed.values()], locator);
    return wanted;
  }

  /** The used plugins a due retry of `key` (`repo:<name>` or `plugin:<kind>:<key>`) is for. */
  waitingOn(key: string, used: readonly UsedPlugin[]): UsedPlugin[] {
    return used.filter(
      (u) => !this.has(usedId(u)) && (key === `repo:${repoOf(u.key)}` || key === `plugin:${usedId(u)}`),
    );
  }

  /**
   * Installs those of `wanted` that are not installed yet, a repository at a time: what cannot
   * be installed is recorded (repository or plugin) and retried with backoff. No process starts.
   * Returns the plugins installed now.
   */
  async ensure(wanted: readonly UsedPlugin[], cfg: Config): Promise<InstalledPlugin[]> {
    const { retries, log } = this.#options;
    const missing = wanted.filter((u) => !this.has(usedId(u)));
    if (missing.length === 0) return [];
    const result = await installEach({
      cacheDir: cfg.plugins.cacheDir,
      repositories: repositoriesFromConfig(cfg),
      plugins: missing,
      logger: this.#options.logger,
      ...(this.#options.deferred ? { deferHashing: true, cachedIndexFirst: true } : {}),
    });
    this.#options.deferred?.add(result.installed, result.staleIndexes);
    for (const plugin of result.installed) {
      this.#installed.set(usedId({ kind: plugin.type, key: plugin.key }), plugin);
      retries.succeeded(`plugin:${plugin.type}:${plugin.key}`);
    }
    const failedRepos = new Set(result.failures.flatMap((f) => (f.scope === 'repository' ? [f.repo] : [])));
    for (const u of missing) if (!failedRepos.has(repoOf(u.key))) retries.succeeded(`repo:${repoOf(u.key)}`);
    for (const failure of result.failures) {
      const reason = failure.error.message;
      if (failure.scope === 'repository') {
        const { nextRetryAt } = retries.failed(`repo:${failure.repo}`, reason);
        log.warn(
          { repository: failure.repo, plugins: failure.plugins.map((p) => p.key), err: reason, nextRetryAt },
          'plugin repository unavailable; its plugins start once it is back',
        );
      } else {
        const { nextRetryAt } = retries.failed(`plugin:${usedId(failure.plugin)}`, reason);
        log.warn({ plugin: failure.plugin.key, err: reason, nextRetryAt }, 'plugin could not be installed');
      }
    }
    return result.installed;
  }

  /**
   * Checks the configs of plugins installed by a retry (a config error cannot refuse a change
   * that was accepted long ago): a plugin whose config its schema refuses stays out, with the
   * error in `/status`, until the config changes. Returns the plugins that may start.
   */
  acceptLate(
    fresh: readonly InstalledPlugin[],
    cfg: Config,
    used: readonly UsedPlugin[],
    locator?: ConfigLocator,
  ): InstalledPlugin[] {
    return fresh.filter((plugin) => {
      try {
        assertPluginConfigs(cfg, used, [plugin], locator);
        return true;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        this.#installed.delete(usedId({ kind: plugin.type, key: plugin.key }));
        this.#options.retries.failed(`plugin:${plugin.type}:${plugin.key}`, err.message, false);
        this.#options.log.error(
          { plugin: plugin.key, err: err.message },
          'installed plugin refuses its config; not started',
        );
        return false;
      }
    });
  }
}
