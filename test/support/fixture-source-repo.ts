import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { repoRoot } from './build-fixtures.js';
import { buildIndexWithoutDependencies } from './fixture-index.js';

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';

/**
 * A repository with the SDK fixture source (test/fixtures/plugins/source-fixture.ts) as
 * `fixture`, built as `plugin build` builds a plugin; its journal mode tails a file and resumes
 * from a cursor, for the stream-resume tests.
 */
export async function publishFixtureSource(): Promise<string> {
  const repo = await mkdtemp(join(tmpdir(), 'sb-resume-repo-'));
  const pluginsDir = await mkdtemp(join(tmpdir(), 'sb-resume-plugins-'));
  await mkdir(join(pluginsDir, 'fx'));
  const fixture = join(repoRoot, 'test/fixtures/plugins/source-fixture.ts');
  await writeFile(join(pluginsDir, 'fx', 'source.ts'), `import '${fixture}';\n`);
  await writeFile(
    join(pluginsDir, 'fx', 'plugin.json'),
    JSON.stringify([{ type: 'source', name: 'fixture', entry: 'source.ts' }]),
  );
  await buildPlugins({ pluginsDir, outputDir: repo, rootDir: repoRoot, platforms: [{ os: 'linux', arch }] });
  await buildIndexWithoutDependencies(repo);
  return repo;
}
