import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, Flags } from '@oclif/core';
import { SwitchboardError } from '../../../errors/switchboard-error.js';
import { createRootLogger } from '../../../log/logger.js';
import { createFetcher } from '../../../plugins/repository/fetcher.js';
import { loadRepositoryIndex } from '../../../plugins/repository/repository-index.js';
import { compareVersionsDesc } from '../../../plugins/repository/resolve-entry.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';
import { defaultCacheDir, repositoriesFromFlags } from '../../plugin-options.js';
import { applyTransportFlags, repositoryTransportFlags } from '../../repository-flags.js';

/** Lists what repositories offer. */
export default class PluginList extends Command {
  static override summary = 'List the plugins repositories offer (name, type, versions, platforms)';
  static override description =
    'Without --repo, lists the built-in repository (index.yaml of this package). Indexes are cached in --cache-dir like the agent does; --refresh fetches them now.';
  static override examples = [
    '<%= config.bin %> plugin list',
    '<%= config.bin %> plugin list --repo botkube=https://github.com/kubeshop/botkube/releases/download/v1.14.0/plugins-index.yaml',
  ];

  static override flags = {
    repo: Flags.string({
      multiple: true,
      description: 'NAME=URL of a repository index, or a path to one or to its directory (repeatable)',
    }),
    'public-key': Flags.string({
      multiple: true,
      description: 'NAME=KEY: require index.yaml.sig signed by KEY',
    }),
    'cache-dir': Flags.string({ description: 'plugin cache directory' }),
    refresh: Flags.boolean({ description: 'fetch indexes now instead of using a fresh cached copy' }),
    'index-deadline': repositoryTransportFlags['index-deadline'],
    'max-index-bytes': repositoryTransportFlags['max-index-bytes'],
    json: Flags.boolean({ description: 'print JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginList);
    const logger = createRootLogger({ level: 'warn' });
    const fetcher = createFetcher();
    try {
      const repositories = repositoriesFromFlags(flags);
      if (Object.keys(repositories).length === 0) {
        const builtin = fileURLToPath(new URL('../../../../index.yaml', import.meta.url));
        if (!existsSync(builtin)) throw new SwitchboardError('SB_ERR_CLI_USAGE', 'no --repo NAME=URL given');
        repositories.switchboard = { url: pathToFileURL(builtin).toString() };
      }
      const options = {
        cacheDir: flags['cache-dir'] ?? defaultCacheDir(process.env),
        repositories: applyTransportFlags(repositories, flags),
        forceRefresh: flags.refresh,
        logger,
      };
      const out: Record<string, unknown[]> = {};
      for (const repo of Object.keys(repositories)) {
        const loaded = await loadRepositoryIndex(repo, options, fetcher);
        const rows = new Map<
          string,
          { type: string; name: string; description: string; versions: string[]; platforms: Set<string> }
        >();
        for (const e of loaded.index.entries) {
          const id = `${e.type}/${e.name}`;
          const row = rows.get(id) ?? {
            type: e.type,
            name: e.name,
            description: e.description ?? '',
            versions: [],
            platforms: new Set(),
          };
          row.versions.push(e.version);
          for (const u of e.urls) row.platforms.add(`${u.platform.os}/${u.platform.architecture}`);
          rows.set(id, row);
        }
        out[repo] = [...rows.values()].map((r) => ({
          ...r,
          versions: r.versions.sort(compareVersionsDesc),
          platforms: [...r.platforms].sort(),
        }));
        if (!flags.json) {
          this.log(
            `${repo} (${loaded.url.toString()}${loaded.source === 'stale-cache' ? ', STALE cached copy' : ''}${loaded.verified ? ', signature verified' : ''})`,
          );
          for (const r of out[repo] as Array<{
            type: string;
            name: string;
            versions: string[];
            platforms: string[];
            description: string;
          }>) {
            this.log(
              `  ${r.type.padEnd(8)} ${`${repo}/${r.name}`.padEnd(28)} ${r.versions.join(', ').padEnd(20)} ${r.platforms.join(' ')}`,
            );
            if (r.description) this.log(`           ${r.description}`);
          }
        }
      }
      if (flags.json) this.log(JSON.stringify(out, null, 2));
    } catch (err) {
      exitOnSwitchboardError(this, err);
    } finally {
      await fetcher.close();
      logger.flush();
    }
  }
}
