import { readFile } from 'node:fs/promises';
import { Command, Flags } from '@oclif/core';
import { loadConfig } from '../../../config/load.js';
import { usedPluginKeys } from '../../../config/used-plugins.js';
import { createRootLogger } from '../../../log/logger.js';
import { repositoriesFromConfig } from '../../../plugins/repository/from-config.js';
import { pullBundle } from '../../../plugins/repository/pull-bundle.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';
import { defaultCacheDir, parsePlatformList, repositoriesFromFlags } from '../../plugin-options.js';
import { applyTransportFlags, repositoryTransportFlags } from '../../repository-flags.js';

/** Builds an offline bundle (air-gapped installs). */
export default class PluginPull extends Command {
  static override summary =
    'Download plugins with their dependencies into an offline bundle of file:// repositories';
  static override description =
    'Writes <output>/<repo>/index.yaml plus every archive and dependency the requested plugins need, verified against their checksums, with URLs relative to the index. Copy the directory to the air-gapped machine and point each repository at file://<dir>/<repo>/index.yaml: the same plugin keys then install with no network.';
  static override examples = [
    '<%= config.bin %> plugin pull --config config.yaml --output ./bundle',
    '<%= config.bin %> plugin pull --repo botkube=https://…/plugins-index.yaml --plugin botkube/kubectl@v1.14.0 --output ./bundle',
  ];

  static override flags = {
    config: Flags.string({
      char: 'c',
      multiple: true,
      description: 'agent config file(s): bundle every plugin they enable and bind, from their repositories',
    }),
    repo: Flags.string({
      multiple: true,
      description: 'NAME=URL of a repository index, or a path to one or to its directory (repeatable)',
    }),
    plugin: Flags.string({ multiple: true, description: 'repo/name[@version] (repeatable)' }),
    output: Flags.string({ required: true, description: 'bundle directory' }),
    platforms: Flags.string({
      description: 'comma-separated os/arch list (default: every platform an entry has)',
    }),
    'public-key': Flags.string({
      multiple: true,
      description: 'NAME=KEY: require index.yaml.sig signed by KEY',
    }),
    'allow-missing-checksums': Flags.string({
      multiple: true,
      description: 'NAME: accept entries without sha256',
    }),
    'sign-key': Flags.string({ description: 'Ed25519 private key (PEM) to sign the bundle indexes with' }),
    'cache-dir': Flags.string({ description: 'plugin cache directory (index cache)' }),
    ...repositoryTransportFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginPull);
    const logger = createRootLogger({ level: 'warn' });
    try {
      let repositories = flags.repo ? repositoriesFromFlags(flags) : {};
      let plugins = flags.plugin ?? [];
      if (flags.config) {
        const { config } = await loadConfig({ files: flags.config });
        repositories = { ...repositoriesFromConfig(config), ...repositories };
        plugins = [...new Set([...usedPluginKeys(config), ...plugins])];
      }
      if (plugins.length === 0) {
        process.stderr.write('Error: nothing to bundle: give --config, or --repo with --plugin\n');
        this.exit(2);
      }
      const result = await pullBundle({
        cacheDir: flags['cache-dir'] ?? defaultCacheDir(process.env),
        repositories: applyTransportFlags(repositories, flags),
        plugins,
        outputDir: flags.output,
        platforms: flags.platforms ? parsePlatformList(flags.platforms) : undefined,
        signKeyPem: flags['sign-key'] ? await readFile(flags['sign-key'], 'utf8') : undefined,
        forceRefresh: true,
        logger,
      });
      for (const [repo, url] of Object.entries(result.repositories)) this.log(`${repo}\t${url}`);
      this.log(`${result.files} file(s) bundled in ${flags.output}`);
    } catch (err) {
      exitOnSwitchboardError(this, err);
    } finally {
      logger.flush();
    }
  }
}
