import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../../src/plugins/publish/index-builder.js';
import { repoRoot } from './build-fixtures.js';
import { createTestLogger } from './test-logger.js';

/**
 * Publishes the TypeScript executor fixture as executor `fixture` in a fresh file
 * repository, the way the agent installs plugins; returns the index.yaml path.
 */
export async function publishExecutorFixture(): Promise<string> {
  const repo = await mkdtemp(join(tmpdir(), 'sb-fixture-repo-'));
  const pluginsDir = await mkdtemp(join(tmpdir(), 'sb-fixture-plugins-'));
  await mkdir(join(pluginsDir, 'fx'));
  // buildPlugins resolves `entry` relative to the plugin directory, so a wrapper imports the fixture by path.
  const entry = join(repoRoot, 'test/fixtures/plugins/executor-fixture.ts');
  await writeFile(join(pluginsDir, 'fx', 'exec.ts'), `import '${entry}';\n`);
  await writeFile(
    join(pluginsDir, 'fx', 'plugin.json'),
    JSON.stringify([{ type: 'executor', name: 'fixture', entry: 'exec.ts' }]),
  );
  await buildPlugins({
    pluginsDir,
    outputDir: repo,
    rootDir: repoRoot,
    platforms: [{ os: 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' }],
  });
  const indexFile = join(repo, 'index.yaml');
  await buildIndex({
    binariesPath: repo,
    urlBasePath: '.',
    outputFile: indexFile,
    logger: createTestLogger('silent').logger,
  });
  // The fixture declares a `jq` dependency at an unreachable URL (for host tests).
  const index = parse(await readFile(indexFile, 'utf8')) as {
    entries: { urls: { dependencies?: unknown }[] }[];
  };
  for (const e of index.entries) for (const url of e.urls) delete url.dependencies;
  await writeFile(indexFile, stringify(index));
  return indexFile;
}
