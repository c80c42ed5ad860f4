import { execFile } from 'node:child_process';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

export const repoRoot = new URL('../..', import.meta.url).pathname;
export const fixtureDir = join(repoRoot, '.cache', 'fixtures');

/** TypeScript fixture plugins, bundled to single executable files like real plugins. */
export const tsFixtures = ['executor-fixture', 'source-fixture'] as const;

/** Bundles one TypeScript plugin entry into an executable single-file ESM program. */
export async function bundlePlugin(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  await chmod(outfile, 0o755);
  return outfile;
}

export async function buildTsFixtures(): Promise<Record<string, string>> {
  await mkdir(fixtureDir, { recursive: true });
  const paths: Record<string, string> = {};
  await Promise.all(
    tsFixtures.map(async (name) => {
      const outfile = join(fixtureDir, `${name}.mjs`);
      // Write aside, then rename: another test run may be executing the current file (ETXTBSY).
      const temporary = `${outfile}.${process.pid}.tmp`;
      await bundlePlugin(join(repoRoot, 'test/fixtures/plugins', `${name}.ts`), temporary);
      await rename(temporary, outfile);
      paths[name] = outfile;
    }),
  );
  return paths;
}

/** Builds the Go fixtures (plugin binaries and a go-plugin host) from Debian's Go packages. */
export async function buildGoFixtures(): Promise<{ dir: string } | { error: string }> {
  const dir = join(fixtureDir, 'go');
  try {
    await promisify(execFile)('bash', [join(repoRoot, 'test/fixtures/go/build.sh'), dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { dir };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: `Go fixtures failed to build (run .ci/install-deps.sh): ${e.stderr || e.message}` };
  }
}

/** Compiles src/ to dist/ so CLI tests run the real `bin/run.js` on current code. */
export async function buildCli(): Promise<void> {
  // Type errors are the lint step's job (`npm run lint` runs tsc --noEmit first); tsc still
  // emits JavaScript when there are some (exit status 2), so tests of other modules can run.
  await promisify(execFile)(join(repoRoot, 'node_modules/.bin/tsc'), [
    '-p',
    join(repoRoot, 'tsconfig.build.json'),
  ]).catch((err: { code?: number; stdout?: string }) => {
    if (err.code !== 2) throw err;
    process.stderr.write(
      `build-fixtures: tsc reported type errors (JavaScript emitted anyway):\n${err.stdout ?? ''}`,
    );
  });
  await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts/copy-assets.mjs')]);
  // bin/run.js runs the CLI from the bundle made of that tree (and oclif reads its manifest).
  await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts/bundle-agent.mjs')]);
  // `switchboard/sdk` re-exports the workspace package switchboard-sdk, built from the same src/.
  await promisify(execFile)(process.execPath, [join(repoRoot, 'packages/sdk/build.mjs')]);
}

/** One entry of a `plugins/<dir>/plugin.json` (see plugins/README.md). */
interface PluginEntry {
  type: 'executor' | 'source';
  name: string;
  entry: string;
}

/**
 * Bundles every entry of every `plugins/<dir>/plugin.json` into
 * `.cache/plugins/<type>_<name>.mjs` (Botkube's file naming, so `plugin run` guesses the type).
 * Returns the paths keyed by `<type>/<name>`.
 */
export async function buildBuiltinPlugins(): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pluginsDir = join(repoRoot, 'plugins');
  const outDir = join(repoRoot, '.cache', 'plugins');
  await mkdir(outDir, { recursive: true });
  const dirs = await readdir(pluginsDir, { withFileTypes: true });
  const entries: { dir: string; entry: PluginEntry }[] = [];
  for (const dir of dirs.filter((d) => d.isDirectory())) {
    const manifest = await readFile(join(pluginsDir, dir.name, 'plugin.json'), 'utf8').catch(() => undefined);
    if (manifest === undefined) continue;
    for (const entry of JSON.parse(manifest) as PluginEntry[]) entries.push({ dir: dir.name, entry });
  }
  const paths: Record<string, string> = {};
  await Promise.all(
    entries.map(async ({ dir, entry }) => {
      const outfile = join(outDir, `${entry.type}_${entry.name}.mjs`);
      // Write aside, then rename: another test run may be executing the current file (ETXTBSY).
      const temporary = `${outfile}.${process.pid}.tmp`;
      await bundlePlugin(join(pluginsDir, dir, entry.entry), temporary);
      await rename(temporary, outfile);
      paths[`${entry.type}/${entry.name}`] = outfile;
    }),
  );
  return paths;
}
