import { Args, Command, Flags } from '@oclif/core';
import { SwitchboardError } from '../../../errors/switchboard-error.js';
import { createRootLogger } from '../../../log/logger.js';
import {
  defaultCacheDir,
  parsePlatformList,
  progressPrinter,
  repositoriesFromFlags,
} from '../../../plugins/repository/cli-support.js';
import { installPlugins } from '../../../plugins/repository/installer.js';

/** Installs plugins into the cache, exactly as the agent does at start. */
export default class PluginInstall extends Command {
  static override summary = 'Download, verify and install plugins into the plugin cache';
  static override description =
    'Keys are repo/name[@version]; a pinned version installs exactly that version, an unpinned one the latest. Every download is checked against its sha256 before it is unpacked; installs are atomic and take the cache lock, so agents sharing the cache are safe. Prints one line per plugin: key, version and binary path.';
  static override examples = [
    '<%= config.bin %> plugin install botkube/kubectl@v1.14.0 --repo botkube=https://github.com/kubeshop/botkube/releases/download/v1.14.0/plugins-index.yaml',
    '<%= config.bin %> plugin install local/echo --repo local=file:///srv/bundle/local/index.yaml',
  ];

  static override strict = false;
  static override args = {
    key: Args.string({ required: true, description: 'repo/name[@version] (several may be given)' }),
  };

  static override flags = {
    repo: Flags.string({
      multiple: true,
      required: true,
      description: 'NAME=URL of a repository index (repeatable)',
    }),
    'public-key': Flags.string({
      multiple: true,
      description: 'NAME=KEY: require index.yaml.sig signed by KEY',
    }),
    'allow-missing-checksums': Flags.string({
      multiple: true,
      description: 'NAME: accept entries without sha256 from this repository',
    }),
    'cache-dir': Flags.string({ description: 'plugin cache directory' }),
    platform: Flags.string({ description: 'os/arch to install for (default: this machine)' }),
    refresh: Flags.boolean({ description: 'fetch indexes now instead of using a fresh cached copy' }),
    json: Flags.boolean({ description: 'print JSON' }),
    'log-level': Flags.string({ default: 'warn', options: ['debug', 'info', 'warn', 'error', 'silent'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(PluginInstall);
    const logger = createRootLogger({ level: flags['log-level'] as 'warn' });
    try {
      const platform = flags.platform ? parsePlatformList(flags.platform)[0] : undefined;
      const result = await installPlugins({
        cacheDir: flags['cache-dir'] ?? defaultCacheDir(process.env),
        repositories: repositoriesFromFlags(flags),
        plugins: argv as string[],
        platform,
        forceRefresh: flags.refresh,
        logger,
        onProgress: flags.json ? undefined : progressPrinter(process.stderr),
      });
      if (flags.json) this.log(JSON.stringify(result, null, 2));
      else for (const p of result.plugins) this.log(`${p.key}\t${p.type} ${p.version}\t${p.binary}`);
    } catch (err) {
      if (!(err instanceof SwitchboardError)) throw err;
      process.stderr.write(`Error: ${err.message}\n`);
      this.exit(1);
    } finally {
      logger.flush();
    }
  }
}
