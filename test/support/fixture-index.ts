import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildIndex } from '../../src/plugins/publish/index-builder.js';
import { createTestLogger } from './test-logger.js';

/**
 * Writes `<repo>/index.yaml` for the plugin archives and binaries in `repo`, without any
 * dependencies: the index builder gives the executor fixtures a `jq` dependency at an unreachable
 * URL (for host tests), which an agent installing from the index would refuse or fail to download.
 * Resolves with the index file's path.
 */
export async function buildIndexWithoutDependencies(repo: string): Promise<string> {
  const indexFile = join(repo, 'index.yaml');
  await buildIndex({
    binariesPath: repo,
    urlBasePath: '.',
    outputFile: indexFile,
    logger: createTestLogger('silent').logger,
  });
  const index = parse(await readFile(indexFile, 'utf8')) as {
    entries: { urls: { dependencies?: unknown }[] }[];
  };
  for (const entry of index.entries) for (const url of entry.urls) delete url.dependencies;
  await writeFile(indexFile, stringify(index));
  return indexFile;
}
