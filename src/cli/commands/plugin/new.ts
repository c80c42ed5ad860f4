import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { writeNewProject } from '../../../plugins/scaffold/new-project.js';
import type { ScaffoldVersions } from '../../../plugins/scaffold/project-files.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';

/** Scaffolds a plugin project built on switchboard-sdk. */
export default class PluginNew extends Command {
  static override summary =
    'Create a plugin project: package.json, tsconfig, the plugin, a test, plugin.json, README';
  static override description =
    'The project depends on switchboard-sdk (bundled into the plugin) and on this CLI (to build, index and run it). `npm test` type-checks, builds the archives and runs the plugin through the real host.';
  static override examples = [
    '<%= config.bin %> plugin new hello --type executor',
    '<%= config.bin %> plugin new heartbeat --type source --dir plugins-heartbeat',
  ];

  static override args = {
    name: Args.string({ required: true, description: 'plugin name (the chat command word of an executor)' }),
  };

  static override flags = {
    type: Flags.string({ required: true, options: ['executor', 'source'], description: 'kind of plugin' }),
    dir: Flags.string({ description: 'folder to create (default: ./<name>)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginNew);
    try {
      const dir = flags.dir ?? args.name;
      const written = await writeNewProject({ name: args.name, type: flags.type, dir, versions: versions() });
      for (const file of written) this.log(`created ${relative(process.cwd(), file)}`);
      this.log(
        `\nnext:\n  cd ${dir}\n  npm install\n  npm test        # type check, build dist/, run the plugin through the host\n  npm run index   # dist/index.yaml`,
      );
    } catch (err) {
      exitOnSwitchboardError(this, err, { usageExitCode: 2 });
    }
  }
}

/** Ranges compatible with this CLI and the SDK it ships with. */
function versions(): ScaffoldVersions {
  const require = createRequire(import.meta.url);
  const read = (path: string) =>
    JSON.parse(readFileSync(path, 'utf8')) as { version: string; devDependencies?: Record<string, string> };
  const agent = read(require.resolve('../../../../package.json'));
  const sdk = read(require.resolve('switchboard-sdk/package.json'));
  return {
    sdk: `^${sdk.version}`,
    cli: `^${agent.version}`,
    typescript: agent.devDependencies?.typescript ?? '~5.9.3',
    nodeTypes: agent.devDependencies?.['@types/node'] ?? '^20.19.0',
  };
}
