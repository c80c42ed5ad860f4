import { readFile } from 'node:fs/promises';
import { Command, Flags } from '@oclif/core';
import { SwitchboardError } from '../../../../errors/switchboard-error.js';
import { createRootLogger } from '../../../../log/logger.js';
import { buildIndex } from '../../../../plugins/publish/index-builder.js';
import { exitOnSwitchboardError } from '../../../exit-on-error.js';

/**
 * Generates a Botkube-compatible index.yaml from built plugin archives. Lives in
 * `plugin/index/index.ts` because oclif takes `plugin/index.ts` for the topic itself;
 * `plugin generate-index`, its former name, still works but is not listed.
 */
export default class PluginIndex extends Command {
  static override hiddenAliases = ['plugin:generate-index'];
  static override summary =
    'Generate index.yaml from <type>_<name>_<os>_<arch> archives (metadata read by running each plugin)';
  static override description =
    "Runs each plugin's build for this platform through the host to read its Metadata, validates it (version, description, draft-07 JSON Schemas), computes the sha256 of every archive, and writes the index. URLs are relative to the index when --url-base-path is '.' or empty. With --sign-key, also writes the detached Ed25519 signature <output>.sig.";
  static override examples = [
    '<%= config.bin %> plugin index --binaries-path dist/plugins --url-base-path . --output dist/plugins/index.yaml',
    '<%= config.bin %> plugin index --binaries-path dist/plugins --url-base-path https://plugins.example.org/v1.0.0 --output index.yaml --sign-key release.key',
  ];

  static override flags = {
    'binaries-path': Flags.string({ required: true, description: 'directory holding the archives' }),
    'url-base-path': Flags.string({
      default: '.',
      description: "URL prefix for the archives ('.' = relative to the index)",
    }),
    output: Flags.string({ required: true, description: 'index file to write' }),
    'sign-key': Flags.string({ description: 'Ed25519 private key (PEM) to sign the index with' }),
    'plugin-name-filter': Flags.string({
      description: 'regular expression: only plugins whose name matches',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginIndex);
    const logger = createRootLogger({ level: 'warn' });
    try {
      const signKeyPem = flags['sign-key'] ? await readKey(flags['sign-key']) : undefined;
      const { index } = await buildIndex({
        binariesPath: flags['binaries-path'],
        urlBasePath: flags['url-base-path'],
        outputFile: flags.output,
        signKeyPem,
        nameFilter: flags['plugin-name-filter'] ? new RegExp(flags['plugin-name-filter']) : undefined,
        logger,
      });
      for (const e of index.entries)
        this.log(`${e.type} ${e.name} ${e.version}: ${e.urls.length} platform(s)`);
      this.log(`wrote ${flags.output}${signKeyPem ? ` and ${flags.output}.sig` : ''}`);
    } catch (err) {
      exitOnSwitchboardError(this, err);
    } finally {
      logger.flush();
    }
  }
}

async function readKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_CLI_USAGE',
      `cannot read --sign-key ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
