import { resolve } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { ConfigError } from '../../../config/issues.js';
import { loadConfig } from '../../../config/load.js';
import { usedPlugins } from '../../../config/used-plugins.js';
import { SwitchboardError } from '../../../errors/switchboard-error.js';
import { createRootLogger } from '../../../log/logger.js';
import { repositoriesFromConfig } from '../../../plugins/repository/from-config.js';
import type { PluginRequest, RepositoryOptions } from '../../../plugins/repository/index.js';
import { installPlugins } from '../../../plugins/repository/installer.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';
import {
  defaultCacheDir,
  parsePlatformList,
  progressPrinter,
  repositoriesFromFlags,
} from '../../plugin-options.js';
import { printIssues } from '../../print-issues.js';
import { applyTransportFlags, repositoryTransportFlags } from '../../repository-flags.js';

/** Installs plugins into the cache, exactly as the agent does at start. */
export default class PluginInstall extends Command {
  static override summary = 'Download, verify and install plugins into the plugin cache';
  static override description =
    'Keys are repo/name[@version]; a pinned version installs exactly that version, an unpinned one the highest stable version (a pre-release only when there is no stable one). Every download is checked against its sha256 before it is unpacked; installs are atomic and take the cache lock, so agents sharing the cache are safe. With --config, repositories come from the config (--repo adds or replaces some), the cache is its plugins.cacheDir, and without keys every plugin the config enables and binds is installed, as the agent will at start. Prints one line per plugin: key, version and binary path.';
  static override examples = [
    '<%= config.bin %> plugin install botkube/kubectl@v1.14.0 --repo botkube=https://github.com/kubeshop/botkube/releases/download/v1.14.0/plugins-index.yaml',
    '<%= config.bin %> plugin install local/echo --repo local=./bundle/local',
    '<%= config.bin %> plugin install --config config.yaml',
  ];

  static override strict = false;
  static override args = {
    key: Args.string({
      required: false,
      description: 'repo/name[@version] (several may be given; default with --config: all it uses)',
    }),
  };

  static override flags = {
    config: Flags.string({
      char: 'c',
      multiple: true,
      // One file per -c, so keys after it stay keys: `-c config.yaml own/echo`.
      multipleNonGreedy: true,
      description:
        'agent config file (repeatable): its repositories, cache directory and (without keys) plugins',
    }),
    repo: Flags.string({
      multiple: true,
      description: 'NAME=URL of a repository index, or a path to one or to its directory (repeatable)',
    }),
    'public-key': Flags.string({
      multiple: true,
      description: 'NAME=KEY: require index.yaml.sig signed by KEY',
    }),
    'allow-missing-checksums': Flags.string({
      multiple: true,
      description: 'NAME: accept entries without sha256 from this repository',
    }),
    'cache-dir': Flags.string({
      description: 'plugin cache directory (default: the config’s, else ~/.cache)',
    }),
    platform: Flags.string({ description: 'os/arch to install for (default: this machine)' }),
    refresh: Flags.boolean({ description: 'fetch indexes now instead of using a fresh cached copy' }),
    ...repositoryTransportFlags,
    json: Flags.boolean({ description: 'print JSON' }),
    'log-level': Flags.string({ default: 'warn', options: ['debug', 'info', 'warn', 'error', 'silent'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(PluginInstall);
    const logger = createRootLogger({ level: flags['log-level'] as 'warn' });
    try {
      let repositories: Record<string, RepositoryOptions> = repositoriesFromFlags(flags);
      let plugins: PluginRequest[] = argv as string[];
      let cacheDir = flags['cache-dir'];
      if (flags.config) {
        const { config } = await loadConfig({ files: flags.config });
        repositories = { ...repositoriesFromConfig(config), ...repositories };
        if (plugins.length === 0) plugins = usedPlugins(config).map((u) => ({ key: u.key, type: u.kind }));
        cacheDir ??= config.plugins.cacheDir;
      }
      if (plugins.length === 0) {
        throw new SwitchboardError(
          'SB_ERR_CLI_USAGE',
          flags.config
            ? `the config (${flags.config.join(', ')}) enables and binds no plugin; name keys to install (repo/name[@version])`
            : 'nothing to install: name keys (repo/name[@version]) with --repo NAME=URL, or give --config',
        );
      }
      if (Object.keys(repositories).length === 0) {
        throw new SwitchboardError(
          'SB_ERR_CLI_USAGE',
          'no repository: give --repo NAME=URL (or a path), or --config with plugins.repositories',
        );
      }
      const platform = flags.platform ? parsePlatformList(flags.platform)[0] : undefined;
      const result = await installPlugins({
        // Absolute, so the binary paths printed are usable from anywhere.
        cacheDir: resolve(cacheDir ?? defaultCacheDir(process.env)),
        repositories: applyTransportFlags(repositories, flags),
        plugins,
        platform,
        forceRefresh: flags.refresh,
        logger,
        onProgress: flags.json ? undefined : progressPrinter(process.stderr),
      });
      if (flags.json) this.log(JSON.stringify(result, null, 2));
      else for (const p of result.plugins) this.log(`${p.key}\t${p.type} ${p.version}\t${p.binary}`);
    } catch (err) {
      if (err instanceof ConfigError) {
        printIssues(err.issues, err.warnings);
        process.stderr.write(`configuration is invalid: ${err.issues.length} error(s)\n`);
        this.exit(1);
      }
      exitOnSwitchboardError(this, err, { usageExitCode: 2 });
    } finally {
      logger.flush();
    }
  }
}
