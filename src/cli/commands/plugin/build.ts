import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { SwitchboardError } from '../../../errors/switchboard-error.js';
import { buildPlugins, defaultPlatforms } from '../../../plugins/publish/build-plugins.js';
import { platformLabel } from '../../../plugins/repository/index-format.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';
import { parsePlatformList } from '../../plugin-options.js';

/** Bundles the built-in plugins and packs reproducible per-platform archives. */
export default class PluginBuild extends Command {
  static override summary =
    'Bundle plugins/*/plugin.json entries into reproducible <type>_<name>_<os>_<arch>.tar.gz archives';
  static override description =
    'Each entry is bundled with esbuild into one executable CommonJS program with a V8 code cache made by running it once with this Node (a different Node ignores the cache); every platform gets the same file. Archives are byte-for-byte reproducible with the same Node (fixed mtime, uid/gid 0, sorted entries, fixed gzip header, fixed V8 seed), so their checksums can be committed in index.yaml.';
  static override examples = [
    '<%= config.bin %> plugin build',
    '<%= config.bin %> plugin build --plugins-dir plugins --output dist/plugins --platforms linux/amd64,linux/arm64',
  ];

  static override flags = {
    'plugins-dir': Flags.string({
      default: 'plugins',
      description: 'directory of <dir>/plugin.json plugins',
    }),
    output: Flags.string({ default: 'dist/plugins', description: 'where the archives go' }),
    platforms: Flags.string({
      default: defaultPlatforms.map(platformLabel).join(','),
      description: 'comma-separated os/arch list',
    }),
    'code-cache': Flags.boolean({
      default: true,
      allowNo: true,
      description:
        'ship a V8 code cache in each program (runs each program once to make it); --no-code-cache builds without running anything',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginBuild);
    try {
      await requirePluginsDir(flags['plugins-dir']);
      const built = await buildPlugins({
        pluginsDir: flags['plugins-dir'],
        outputDir: flags.output,
        platforms: parsePlatformList(flags.platforms),
        codeCache: flags['code-cache'],
      });
      for (const a of built) this.log(`${a.sha256}  ${relative(process.cwd(), a.path)}`);
      if (built.length === 0)
        this.warn(
          `no plugin.json in ${resolve(flags['plugins-dir'])}/*/: nothing built (--plugins-dir points elsewhere)`,
        );
    } catch (err) {
      exitOnSwitchboardError(this, err, { usageExitCode: 2 });
    }
  }
}

/** A missing plugins directory is a usage mistake (wrong folder), not a build failure: say what was expected. */
async function requirePluginsDir(dir: string): Promise<void> {
  const path = resolve(dir);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return;
  throw new SwitchboardError(
    'SB_ERR_CLI_USAGE',
    `no plugins directory at ${path} (${info ? 'not a directory' : 'it does not exist'}): plugin build expects <dir>/<plugin>/plugin.json, <dir> being ./plugins of the current directory unless --plugins-dir names another; run it from the project root or pass --plugins-dir <dir>`,
  );
}
